import { describeCause } from '../../src/errors';
import type { Logger } from '../../src/log';
import { FAMILY_BITS, formatIp, parseIp } from '../../src/net/ip-address';
import type { CniRequest } from '../cni/agent-protocol';
import { CNI_ERRORS, CniError } from '../cni/cni-errors';
import { buildCniResult, type CniResult } from '../cni/cni-result';
import { ensurePort, interfaceStatus, isWorking, type OvsdbDatabase, removePort, type VswitchOptions } from '../ovsdb';
import { toCniError } from './cni-errors-map';
import type { Commands } from './commands';
import { type ControlPlaneClient, ControlPlaneError, type PodEndpoint } from './control-plane';
import { endpointName } from './endpoint-name';
import { BR_INT } from './ovs-layout';
import { createPodInterface, deletePodInterface, hostVethName, inspectPodInterface, netnsExists } from './pod-interface';
import { type PodPortRecord, PodPorts, portSpec, recordFromOvsdb } from './pod-ports';

export interface CniServiceDeps {
  host: string;
  db: OvsdbDatabase;
  /** Commands in the host's network namespace. */
  cmds: Commands;
  api: ControlPlaneClient;
  ports: PodPorts;
  /** The pod MTU of the current host setup; undefined while the host is not set up. */
  podMtu(): number | undefined;
  log: Logger;
}

/** CNI_ARGS keys this plugin reads, and those runtimes commonly send that it may ignore. */
const KNOWN_ARGS = ['IgnoreUnknown', 'K8S_POD_NAME', 'K8S_POD_NAMESPACE', 'K8S_POD_INFRA_CONTAINER_ID', 'K8S_POD_UID', 'IP', 'MAC'];

/**
 * ADD, DEL and CHECK on this host. The order of ADD — address, veth, OVS port, endpoint —
 * is undone in reverse when a step fails, so a failed ADD leaves no allocation, veth or
 * port behind. DEL undoes each part if present and succeeds when nothing is left (a DEL
 * may come twice, or after a failed ADD, or after the namespace is gone).
 */
export class CniService {
  constructor(private readonly deps: CniServiceDeps) {}

  add(req: CniRequest): Promise<CniResult> {
    return this.deps.ports.withPod(req.containerId, req.ifname, async () => {
      const owner = endpointName(req.args, req.containerId, req.ifname);
      const context = `ADD ${owner} (container ${req.containerId}, ${req.ifname}) on network "${req.network}"`;
      const { host, db, cmds, api, ports, log } = this.deps;
      const undo: { what: string; run: () => Promise<unknown> }[] = [];
      try {
        checkArgs(req.args);
        if (!netnsExists(req.netns)) throw new CniError(CNI_ERRORS.UNKNOWN_CONTAINER, `${context}: the network namespace ${req.netns} does not exist`);
        const podMtu = this.ready();
        const allocation = await api.allocate(req.network, { owner, host, ...(req.args.IP ? { ip: req.args.IP } : {}), ...(req.args.MAC ? { mac: req.args.MAC } : {}) });
        undo.push({ what: `release ${allocation.ip}`, run: () => api.release(req.network, owner, host) });
        const record: PodPortRecord = {
          port: hostVethName(req.containerId, req.ifname),
          owner,
          network: req.network,
          containerId: req.containerId,
          ifname: req.ifname,
          netns: req.netns,
          mac: allocation.mac,
          ip: allocation.ip,
          prefixLength: allocation.prefixLength,
          ...(allocation.gateway ? { gateway: allocation.gateway } : {}),
          // The network's MTU, but never more than this host's underlay can carry.
          mtu: Math.min(allocation.mtu, podMtu),
        };
        const { hostMac } = await createPodInterface(cmds, { hostIf: record.port, ...record });
        undo.push({ what: `delete veth ${record.port}`, run: () => deletePodInterface(cmds, record.port) });
        undo.push({ what: `remove port ${record.port}`, run: () => removePort(db, record.port, this.options()) });
        const { ofport } = await ensurePort(db, portSpec(record), this.options());
        await api.applyEndpoint(podEndpoint(host, { ...record, ofport }), `loom-agent/${host}`);
        ports.set({ ...record, ofport });
        log.info({ owner, network: req.network, ip: allocation.ip, port: record.port }, 'pod attached');
        return buildCniResult(req.cniVersion, {
          hostInterface: { name: record.port, mac: hostMac },
          podInterface: { name: req.ifname, mac: allocation.mac, netns: req.netns },
          ip: allocation.ip,
          prefixLength: allocation.prefixLength,
          cidr: networkCidr(allocation.ip, allocation.prefixLength),
          ...(allocation.gateway ? { gateway: allocation.gateway } : {}),
        });
      } catch (err) {
        const failed: string[] = [];
        for (const step of undo.reverse()) {
          await step.run().catch((e: unknown) => failed.push(`${step.what}: ${describeCause(e)}`));
        }
        const error = toCniError(err, context);
        log.warn({ owner, err: error.message, undone: undo.length - failed.length, undoFailed: failed }, 'pod ADD failed');
        if (!failed.length) throw error;
        throw new CniError(error.code, error.message, [error.details, `could not undo: ${failed.join('; ')}`].filter(Boolean).join('\n'), { cause: err });
      }
    });
  }

  del(req: CniRequest): Promise<void> {
    return this.deps.ports.withPod(req.containerId, req.ifname, async () => {
      const owner = endpointName(req.args, req.containerId, req.ifname);
      const port = hostVethName(req.containerId, req.ifname);
      const { host, db, cmds, api, ports, log } = this.deps;
      try {
        this.ready();
        ports.delete(port);
        await removePort(db, port, this.options());
        const hadVeth = await deletePodInterface(cmds, port);
        const endpoint = await api.getEndpoint(owner);
        // A pod that moved to another host keeps its endpoint (and its address, see release).
        if (endpoint && endpoint.host === host && endpoint.network === req.network) await api.deleteEndpoint(owner);
        const released = await api.release(req.network, owner, host).catch((err: unknown) => {
          if (err instanceof ControlPlaneError && err.code === 'unknown-network') return undefined;
          throw err;
        });
        log.info({ owner, network: req.network, port, hadVeth, released: released?.ip }, 'pod detached');
      } catch (err) {
        throw toCniError(err, `DEL ${owner} (container ${req.containerId}, ${req.ifname}) on network "${req.network}"`);
      }
    });
  }

  check(req: CniRequest): Promise<void> {
    return this.deps.ports.withPod(req.containerId, req.ifname, async () => {
      const owner = endpointName(req.args, req.containerId, req.ifname);
      const context = `CHECK ${owner} (container ${req.containerId}, ${req.ifname}) on network "${req.network}"`;
      const port = hostVethName(req.containerId, req.ifname);
      const { host, db, cmds, api } = this.deps;
      try {
        if (!netnsExists(req.netns)) throw new CniError(CNI_ERRORS.UNKNOWN_CONTAINER, `${context}: the network namespace ${req.netns} does not exist`);
        this.ready();
        const record = recordFromOvsdb(db.replica, port);
        if (!record) throw new CniError(CNI_ERRORS.CHECK_FAILED, `${context}: br-int has no port ${port} for this pod; it was not added here, or its port was removed`);
        const problems: string[] = [];
        if (record.owner !== owner || record.network !== req.network) problems.push(`port ${port} belongs to ${record.owner} on network "${record.network}"`);
        const status = interfaceStatus(db.replica, port);
        if (!status || !isWorking(status)) problems.push(`port ${port} does not work: ${status?.error ?? `no OpenFlow port (ofport ${status?.ofport ?? 'unset'})`}`);
        problems.push(...(await inspectPodInterface(cmds, { hostIf: port, netns: req.netns, ifname: req.ifname, mac: record.mac, ip: record.ip, prefixLength: record.prefixLength, gateway: record.gateway, mtu: record.mtu })));
        const previous = req.prevResult?.ips?.map((i) => i.address) ?? [];
        if (previous.length && !previous.includes(`${record.ip}/${record.prefixLength}`)) problems.push(`the runtime's prevResult says ${previous.join(', ')}, the pod has ${record.ip}/${record.prefixLength}`);
        const endpoint = await api.getEndpoint(owner);
        if (!endpoint) problems.push(`the control plane has no endpoint ${owner}`);
        else if (endpoint.host !== host || endpoint.address !== record.ip || endpoint.mac !== record.mac) {
          problems.push(`the control plane's endpoint ${owner} is ${endpoint.address} (${endpoint.mac}) on host ${endpoint.host}, not ${record.ip} (${record.mac}) on ${host}`);
        }
        if (problems.length) throw new CniError(CNI_ERRORS.CHECK_FAILED, `${context}: the pod's network is not as ADD left it: ${problems.join('; ')}`);
      } catch (err) {
        throw toCniError(err, context);
      }
    });
  }

  /**
   * After the agent put a pod's port back (OVS lost it): the endpoint gets the port's
   * OpenFlow port if that changed, unless the pod has moved to another host meanwhile.
   */
  async portReattached(record: PodPortRecord): Promise<void> {
    const { host, api, log } = this.deps;
    const endpoint = await api.getEndpoint(record.owner);
    if (!endpoint || endpoint.host !== host || endpoint.ofport === record.ofport) return;
    await api.applyEndpoint(podEndpoint(host, record), `loom-agent/${host}`);
    log.info({ owner: record.owner, ofport: record.ofport }, 'pod endpoint updated with its new OpenFlow port');
  }

  /** The pod MTU, or a retryable error while the agent cannot attach pods. */
  private ready(): number {
    if (!this.deps.db.isSynced) throw new CniError(CNI_ERRORS.TRY_AGAIN_LATER, `the agent on ${this.deps.host} has lost its OVSDB connection; try again once it is back`);
    const mtu = this.deps.podMtu();
    if (mtu === undefined) throw new CniError(CNI_ERRORS.TRY_AGAIN_LATER, `the agent on ${this.deps.host} has not finished setting up ${BR_INT}; try again shortly`);
    return mtu;
  }

  private options(): VswitchOptions {
    return { log: this.deps.log };
  }
}

function podEndpoint(host: string, r: PodPortRecord): PodEndpoint {
  return { kind: 'Endpoint', name: r.owner, network: r.network, address: r.ip, mac: r.mac, host, ...(r.ofport !== undefined ? { ofport: r.ofport } : {}) };
}

function checkArgs(args: Readonly<Record<string, string>>): void {
  const ignoreUnknown = /^(1|true)$/i.test(args.IgnoreUnknown ?? '');
  const unknown = Object.keys(args).filter((k) => !KNOWN_ARGS.includes(k));
  if (unknown.length && !ignoreUnknown) {
    throw new CniError(CNI_ERRORS.INVALID_ENVIRONMENT, `CNI_ARGS: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; accepted: ${KNOWN_ARGS.join(', ')} (or add IgnoreUnknown=1)`);
  }
}

function networkCidr(ip: string, prefixLength: number): string {
  const address = parseIp(ip)!;
  const hostBits = BigInt(FAMILY_BITS[address.family] - prefixLength);
  return `${formatIp({ family: address.family, value: (address.value >> hostBits) << hostBits })}/${prefixLength}`;
}
