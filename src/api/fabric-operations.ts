import type { ReportedHost } from '../model/host';

/** What agents and the CNI path ask of the control plane (implemented by the daemon). */
export interface FabricOperations {
  /** Validates and records an agent's report (HostStatusSchema). */
  reportHost(status: unknown): ReportedHost;
  listHosts(): ReportedHost[];
  /** The owner's address on a network, allocated if it has none (idempotent per owner). */
  allocate(network: string, request: { owner: string; host: string; ip?: string; mac?: string }): Promise<AddressAllocation>;
  /** Frees the owner's address; only if it is still on `host`, when given (a moved pod keeps its IP). */
  release(network: string, owner: string, host?: string): Promise<AddressAllocation | undefined>;
}

export interface AddressAllocation {
  network: string;
  owner: string;
  ip: string;
  prefixLength: number;
  mac: string;
  host: string;
  gateway?: string;
  mtu: number;
}
