import type { AddressAllocation, FabricOperations } from '../api/fabric-operations';
import { AddressError, InvalidInputError, type AddressErrorCode } from '../errors';
import type { Logger } from '../log';
import { HostStatusSchema, type ReportedHost } from '../model/host';
import type { Mesh } from '../model/mesh';
import type { Network } from '../model/network';
import {
  AddressInUseError,
  AddressMismatchError,
  InvalidAddressError,
  InvalidRequestError,
  PoolExhaustedError,
  PoolInUseError,
  UnknownNetworkError,
  type Ipam,
} from '../../fabric/ipam';

/** Pod MTU when a network does not say: a 1500-byte underlay less the 50 bytes of VXLAN. */
export const DEFAULT_POD_MTU = 1450;

/**
 * The fabric's runtime state in the control plane: the hosts agents report, and the
 * cluster IPAM kept in step with the mesh's Networks. Allocations are also recorded as
 * the pods' Endpoints, so after a restart the IPAM is re-seeded from the mesh.
 */
export class FabricState implements FabricOperations {
  private readonly hosts = new Map<string, ReportedHost>();
  private readonly hostListeners = new Set<(hosts: ReportedHost[]) => void>();
  private networks: Readonly<Record<string, Network>> = {};

  private constructor(
    private readonly ipam: Ipam,
    private readonly log: Logger,
  ) {}

  static async start(ipam: Ipam, mesh: Mesh, log: Logger): Promise<FabricState> {
    const state = new FabricState(ipam, log);
    await state.syncNetworks(mesh);
    for (const ep of Object.values(mesh.endpoints)) {
      if (!ep.network || !ep.host) continue;
      await ipam.allocate({ network: ep.network, owner: ep.name, host: ep.host, ip: ep.address, mac: ep.mac });
    }
    return state;
  }

  /** Defines a pool for every Network (idempotent; the IPAM refuses to reshape a pool in use). */
  async syncNetworks(mesh: Mesh): Promise<void> {
    await addressErrors(async () => {
      for (const net of Object.values(mesh.networks)) {
        if (this.networks[net.name] === net) continue;
        await this.ipam.definePool({ network: net.name, cidr: net.cidr, gateway: net.gateway });
      }
    });
    this.networks = mesh.networks;
  }

  reportHost(status: unknown): ReportedHost {
    const parsed = HostStatusSchema.safeParse(status);
    if (!parsed.success) {
      throw new InvalidInputError(parsed.error.issues.map((i) => ({ source: 'host report', path: i.path.join('.'), message: i.message })));
    }
    const reported = { ...parsed.data, reportedAt: new Date().toISOString() };
    const previous = this.hosts.get(reported.name);
    if (!previous) this.log.info({ host: reported.name, underlay: reported.underlayIp, datapath: reported.datapathType }, 'host joined');
    this.hosts.set(reported.name, reported);
    // Periodic re-reports change only the timestamp: they need not recompute any flows.
    if (!previous || JSON.stringify({ ...previous, reportedAt: '' }) !== JSON.stringify({ ...reported, reportedAt: '' })) {
      for (const listener of this.hostListeners) listener(this.listHosts());
    }
    return reported;
  }

  onHostsChange(listener: (hosts: ReportedHost[]) => void): () => void {
    this.hostListeners.add(listener);
    return () => this.hostListeners.delete(listener);
  }

  listHosts(): ReportedHost[] {
    return [...this.hosts.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async allocate(network: string, request: { owner: string; host: string; ip?: string; mac?: string }): Promise<AddressAllocation> {
    return addressErrors(async () => {
      const net = this.network(network);
      const allocation = await this.ipam.allocate({ network, ...request });
      return { ...allocation, mtu: net.mtu ?? DEFAULT_POD_MTU };
    });
  }

  async release(network: string, owner: string, host?: string): Promise<AddressAllocation | undefined> {
    return addressErrors(async () => {
      const net = this.network(network);
      const released = await this.ipam.release(network, owner, { host });
      return released && { ...released, mtu: net.mtu ?? DEFAULT_POD_MTU };
    });
  }

  private network(name: string): Network {
    const net = this.networks[name];
    if (!net) throw new UnknownNetworkError(name);
    return net;
  }
}

/** IPAM errors as the API's address errors: an HTTP status and a code the CNI plugin maps. */
const ADDRESS_ERRORS: [new (...args: never[]) => Error, number, AddressErrorCode][] = [
  [PoolExhaustedError, 409, 'pool-exhausted'],
  [AddressInUseError, 409, 'address-in-use'],
  [AddressMismatchError, 409, 'address-mismatch'],
  [PoolInUseError, 409, 'pool-in-use'],
  [InvalidAddressError, 400, 'invalid-address'],
  [InvalidRequestError, 400, 'invalid-request'],
  [UnknownNetworkError, 404, 'unknown-network'],
];

async function addressErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const known = ADDRESS_ERRORS.find(([type]) => err instanceof type);
    if (!known) throw err;
    throw new AddressError((err as Error).message, known[2], known[1], { cause: err });
  }
}
