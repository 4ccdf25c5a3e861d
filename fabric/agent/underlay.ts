import { LoomError } from '../../src/errors';
import { ensureBridge, ensurePort, findByName, type OvsdbDatabase, type VswitchOptions } from '../ovsdb';
import { type Commands, isNoSuchDevice } from './commands';
import { BR_PHY } from './ovs-layout';

/**
 * The underlay for the userspace datapath (see /work/shared/RECIPES.md): ovs-vswitchd
 * sends VXLAN packets itself, out of an OVS bridge, so the underlay NIC becomes a port of
 * br-phy and the tunnel endpoint address moves from the NIC to br-phy (ovs-vswitchd
 * learns the tunnel route from the namespace's routing table). The NIC keeps answering
 * ARP for nothing (`arp_ignore=8`): the kernel would otherwise answer for br-phy's IP
 * from behind OVS's back. Routes that went out of the NIC (a default route) move with
 * the address; they, and routes found on br-phy (moved by an earlier run of the agent),
 * are remembered so a re-created br-phy gets them back.
 */

export interface UnderlaySpec {
  iface: string;
  ip: string;
  prefix: number;
}

/** A route that used the NIC before its address moved, as `ip -j route` gives it. */
export interface MovedRoute {
  dst: string;
  gateway?: string;
  metric?: number;
  prefsrc?: string;
}

/** What the agent keeps between reconciliations. */
export interface UnderlayMemory {
  routes: MovedRoute[];
}

export class UnderlayError extends LoomError {}

interface IpLink {
  ifname: string;
  mtu: number;
  flags: string[];
  address?: string;
}

interface IpAddr {
  addr_info: { family: string; local: string; prefixlen: number }[];
}

export async function readLink(cmds: Commands, name: string): Promise<IpLink | undefined> {
  try {
    const [link] = await cmds.ipJson<IpLink[]>(['link', 'show', 'dev', name]);
    return link;
  } catch (err) {
    if (isNoSuchDevice(err)) return undefined;
    throw err;
  }
}

/** The NIC's MTU; an UnderlayError names the flag when the NIC is not there. */
export async function underlayLink(cmds: Commands, iface: string): Promise<IpLink> {
  const link = await readLink(cmds, iface);
  if (!link) {
    throw new UnderlayError(`underlay interface ${iface} does not exist${cmds.netns ? ` in network namespace ${cmds.netns}` : ''}; --underlay-iface names the NIC that carries the host's underlay address`);
  }
  return link;
}

async function ipv4Addresses(cmds: Commands, dev: string): Promise<string[]> {
  const [entry] = await cmds.ipJson<IpAddr[]>(['addr', 'show', 'dev', dev]);
  return (entry?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
}

type IpRoute = MovedRoute & { protocol?: string };

/** Connected routes are left out: they come back by themselves with the address. */
function remember(memory: UnderlayMemory, routes: readonly IpRoute[]): void {
  for (const r of routes) {
    if (r.protocol === 'kernel' || memory.routes.some((m) => m.dst === r.dst)) continue;
    memory.routes.push({ dst: r.dst, ...(r.gateway ? { gateway: r.gateway } : {}), ...(r.metric !== undefined ? { metric: r.metric } : {}), ...(r.prefsrc ? { prefsrc: r.prefsrc } : {}) });
  }
}

/** Makes br-phy hold the NIC and the underlay address; returns what it had to change. */
export async function ensureUnderlayBridge(db: OvsdbDatabase, cmds: Commands, spec: UnderlaySpec, memory: UnderlayMemory, options: VswitchOptions): Promise<string[]> {
  const repaired: string[] = [];
  const nic = await underlayLink(cmds, spec.iface);
  // Routes already on br-phy (moved by an earlier run of the agent) are remembered too.
  if (await readLink(cmds, BR_PHY)) remember(memory, await cmds.ipJson<IpRoute[]>(['-4', 'route', 'show', 'dev', BR_PHY]));
  if (!findByName(db.replica, 'Bridge', BR_PHY)) repaired.push(`created ${BR_PHY}`);
  // No controller: in standalone mode the bridge is a plain learning switch (NORMAL).
  await ensureBridge(db, { name: BR_PHY, datapathType: 'netdev', failMode: 'standalone' }, options);
  if (!findByName(db.replica, 'Port', spec.iface)) repaired.push(`added ${spec.iface} to ${BR_PHY}`);
  await ensurePort(db, { bridge: BR_PHY, name: spec.iface }, options);

  const arpIgnore = `net/ipv4/conf/${spec.iface}/arp_ignore`;
  if ((await cmds.run('sysctl', ['-n', arpIgnore])).trim() !== '8') await cmds.run('sysctl', ['-q', '-w', `${arpIgnore}=8`]);
  if (!nic.flags.includes('UP')) await cmds.run('ip', ['link', 'set', 'dev', spec.iface, 'up']);

  const address = `${spec.ip}/${spec.prefix}`;
  if ((await ipv4Addresses(cmds, spec.iface)).some((a) => a.split('/')[0] === spec.ip)) {
    remember(memory, await cmds.ipJson<IpRoute[]>(['-4', 'route', 'show', 'dev', spec.iface]));
    await cmds.run('ip', ['addr', 'del', address, 'dev', spec.iface]);
    repaired.push(`moved ${address} from ${spec.iface} to ${BR_PHY}`);
  }
  if (!(await ipv4Addresses(cmds, BR_PHY)).includes(address)) {
    await cmds.run('ip', ['addr', 'add', address, 'dev', BR_PHY]);
    if (!repaired.some((r) => r.startsWith('moved'))) repaired.push(`added ${address} to ${BR_PHY}`);
  }
  const bridge = await readLink(cmds, BR_PHY);
  if (!bridge?.flags.includes('UP')) await cmds.run('ip', ['link', 'set', 'dev', BR_PHY, 'up']);
  for (const r of memory.routes) {
    const args = ['route', 'replace', r.dst, ...(r.gateway ? ['via', r.gateway] : []), 'dev', BR_PHY, ...(r.metric !== undefined ? ['metric', String(r.metric)] : []), ...(r.prefsrc ? ['src', r.prefsrc] : [])];
    await cmds.run('ip', args);
  }
  return repaired;
}
