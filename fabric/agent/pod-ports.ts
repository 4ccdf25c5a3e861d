import type { Logger } from '../../src/log';
import type { AttachedPort } from '../cni/agent-protocol';
import { type Atom, bridgeOfPort, ensurePort, findByName, interfaceStatus, type OvsdbDatabase, type PortSpec, type Replica, type VswitchOptions } from '../ovsdb';
import type { Commands } from './commands';
import { KeyedLock } from './keyed-lock';
import { BR_INT, PORT_IDS } from './ovs-layout';
import { readLink } from './underlay';

/**
 * The pods attached on this host, as their br-int ports record them: everything CHECK
 * and a repair need is in the port's `external_ids` (owner, network, MAC, address, MTU,
 * namespace), so the agent can restart without losing track. The agent also keeps them
 * in memory, so when OVS loses its database (ovsdb-server restarted on a fresh file, or
 * someone deleted br-int) the ports of pods whose veth still exists are put back.
 */
export interface PodPortRecord {
  port: string;
  owner: string;
  network: string;
  containerId: string;
  ifname: string;
  netns: string;
  mac: string;
  ip: string;
  prefixLength: number;
  gateway?: string;
  mtu: number;
  /** The OpenFlow port it had; a re-created port asks for the same one, so flows and the endpoint stay right. */
  ofport?: number;
}

export function portSpec(r: PodPortRecord): PortSpec {
  return {
    bridge: BR_INT,
    name: r.port,
    ...(r.ofport !== undefined ? { ofportRequest: r.ofport } : {}),
    externalIds: {
      [PORT_IDS.owner]: r.owner,
      [PORT_IDS.mac]: r.mac,
      [PORT_IDS.network]: r.network,
      [PORT_IDS.containerId]: r.containerId,
      [PORT_IDS.ifname]: r.ifname,
      [PORT_IDS.ip]: `${r.ip}/${r.prefixLength}`,
      'loom-gateway': r.gateway,
      'loom-mtu': String(r.mtu),
      'loom-netns': r.netns,
    },
  };
}

/** The record a Loom port on br-int carries; undefined for ports that are not pods (the tunnel, the bridge's own). */
export function recordFromOvsdb(replica: Replica, port: string): PodPortRecord | undefined {
  const iface = findByName(replica, 'Interface', port);
  const portRow = findByName(replica, 'Port', port);
  if (!iface || !portRow || bridgeOfPort(replica, portRow)?.name !== BR_INT) return undefined;
  const ids = iface.external_ids as ReadonlyMap<Atom, Atom>;
  const get = (key: string) => ids.get(key) as string | undefined;
  const network = get(PORT_IDS.network);
  const owner = get(PORT_IDS.owner);
  const address = get(PORT_IDS.ip);
  if (!network || !owner || !address) return undefined;
  const [ip, prefix] = address.split('/');
  return {
    port,
    owner,
    network,
    containerId: get(PORT_IDS.containerId) ?? '',
    ifname: get(PORT_IDS.ifname) ?? '',
    netns: get('loom-netns') ?? '',
    mac: get(PORT_IDS.mac) ?? '',
    ip,
    prefixLength: Number(prefix),
    ...(get('loom-gateway') ? { gateway: get('loom-gateway') } : {}),
    mtu: Number(get('loom-mtu')),
    ...(interfaceStatus(replica, port)?.ofport ? { ofport: interfaceStatus(replica, port)!.ofport } : {}),
  };
}

export class PodPorts {
  private readonly records = new Map<string, PodPortRecord>();
  private readonly lock = new KeyedLock();

  /**
   * Runs `task` alone for this pod interface: ADD, DEL and CHECK of one pod never
   * interleave, nor with a repair of its port (a DEL removing the port must not see the
   * repair put it back).
   */
  withPod<T>(containerId: string, ifname: string, task: () => Promise<T>): Promise<T> {
    return this.lock.run(`${containerId}/${ifname}`, task);
  }

  /** Takes in the pod ports br-int already has (after an agent restart). */
  seed(replica: Replica): void {
    for (const iface of replica.rows('Interface').values()) {
      const record = recordFromOvsdb(replica, iface.name as string);
      if (record) this.records.set(record.port, record);
    }
  }

  set(record: PodPortRecord): void {
    this.records.set(record.port, record);
  }

  delete(port: string): void {
    this.records.delete(port);
  }

  get(port: string): PodPortRecord | undefined {
    return this.records.get(port);
  }

  list(replica: Replica): AttachedPort[] {
    return [...this.records.values()]
      .map((r) => ({ owner: r.owner, network: r.network, containerId: r.containerId, ifname: r.ifname, port: r.port, ip: r.ip, mac: r.mac, ofport: interfaceStatus(replica, r.port)?.ofport }))
      .sort((a, b) => a.owner.localeCompare(b.owner));
  }

  /**
   * Puts back the br-int port of every known pod whose veth still exists; forgets pods
   * whose veth is gone (their DEL may still come and finds nothing to undo on the host).
   * `reattached` runs for each port put back, with its OpenFlow port (inside the pod's
   * turn: a DEL cannot run meanwhile). Returns what it repaired.
   */
  async restore(db: OvsdbDatabase, cmds: Commands, options: VswitchOptions, log: Logger, reattached: (record: PodPortRecord) => Promise<void>): Promise<string[]> {
    const repaired: string[] = [];
    for (const record of [...this.records.values()]) {
      if (recordFromOvsdb(db.replica, record.port)) continue;
      await this.withPod(record.containerId, record.ifname, async () => {
        // A DEL may have run meanwhile.
        if (this.records.get(record.port) !== record || recordFromOvsdb(db.replica, record.port)) return;
        if (!(await readLink(cmds, record.port))) {
          log.warn({ port: record.port, owner: record.owner }, 'pod veth is gone and so is its port; forgetting it (its DEL releases the address)');
          this.records.delete(record.port);
          return;
        }
        const status = await ensurePort(db, portSpec(record), options);
        const now = { ...record, ofport: status.ofport };
        this.records.set(record.port, now);
        repaired.push(`re-attached ${record.port} (${record.owner})`);
        await reattached(now);
      });
    }
    return repaired;
  }
}
