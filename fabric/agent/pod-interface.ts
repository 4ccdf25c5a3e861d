import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { LoomError } from '../../src/errors';
import { type Commands, CommandError, isNoSuchDevice } from './commands';
import { readLink } from './underlay';

/**
 * A pod's interface: a veth whose host end (named from the container and interface, so
 * DEL finds it without state) goes on br-int, and whose other end is created directly in
 * the pod's namespace under its final name, with the pod's MAC, address, MTU, routes and
 * transmit checksum offload off (userspace conntrack marks TCP with unfinished checksums
 * invalid; see RECIPES.md). Creating it is all or nothing: a failure removes the veth.
 */

export interface PodInterfaceSpec {
  hostIf: string;
  netns: string;
  ifname: string;
  mac: string;
  ip: string;
  prefixLength: number;
  gateway?: string;
  mtu: number;
}

export class PodInterfaceError extends LoomError {}

/** `lm` + 12 hex digits of the container id and interface name: at most 15 characters, as Linux wants. */
export function hostVethName(containerId: string, ifname: string): string {
  return `lm${createHash('sha256').update(`${containerId}/${ifname}`).digest('hex').slice(0, 12)}`;
}

export function netnsExists(netns: string): boolean {
  return netns !== '' && fs.existsSync(netns);
}

/** Creates and configures the veth; resolves with the host end's MAC. */
export async function createPodInterface(cmds: Commands, spec: PodInterfaceSpec): Promise<{ hostMac: string }> {
  // A leftover of an earlier ADD of the same container and interface: the name is theirs.
  await deletePodInterface(cmds, spec.hostIf);
  const mtu = String(spec.mtu);
  try {
    await cmds.run('ip', ['link', 'add', spec.hostIf, 'mtu', mtu, 'type', 'veth', 'peer', 'name', spec.ifname, 'mtu', mtu, 'netns', spec.netns]);
  } catch (err) {
    if (err instanceof CommandError && /File exists/.test(err.stderr)) {
      throw new PodInterfaceError(`cannot create ${spec.ifname} in ${spec.netns}: an interface of that name already exists there (CNI_IFNAME must be free)`, { cause: err });
    }
    throw err;
  }
  try {
    const pod = cmds.inNetns(spec.netns);
    await pod.run('ip', ['link', 'set', 'dev', spec.ifname, 'address', spec.mac]);
    await pod.run('ip', ['addr', 'add', `${spec.ip}/${spec.prefixLength}`, 'dev', spec.ifname]);
    await pod.run('ip', ['link', 'set', 'dev', spec.ifname, 'up']);
    if (spec.gateway) await pod.run('ip', ['route', 'add', 'default', 'via', spec.gateway, 'dev', spec.ifname]);
    await pod.run('ethtool', ['-K', spec.ifname, 'tx', 'off']);
    await cmds.run('ip', ['link', 'set', 'dev', spec.hostIf, 'up']);
    const host = await readLink(cmds, spec.hostIf);
    return { hostMac: host?.address ?? '' };
  } catch (err) {
    await deletePodInterface(cmds, spec.hostIf);
    throw err;
  }
}

/** Deletes the veth (both ends go together); resolves false when there was none. */
export async function deletePodInterface(cmds: Commands, hostIf: string): Promise<boolean> {
  try {
    await cmds.run('ip', ['link', 'del', 'dev', hostIf]);
    return true;
  } catch (err) {
    if (isNoSuchDevice(err)) return false;
    throw err;
  }
}

interface PodAddr {
  ifname: string;
  address: string;
  mtu: number;
  flags: string[];
  addr_info: { family: string; local: string; prefixlen: number }[];
}

/** Every way the interface differs from `spec` (CHECK); empty when it is as ADD left it. */
export async function inspectPodInterface(cmds: Commands, spec: PodInterfaceSpec): Promise<string[]> {
  const problems: string[] = [];
  const host = await readLink(cmds, spec.hostIf);
  if (!host) problems.push(`the host end ${spec.hostIf} of the pod's veth is gone`);
  else if (!host.flags.includes('UP')) problems.push(`the host end ${spec.hostIf} is down`);
  if (!netnsExists(spec.netns)) return [...problems, `the network namespace ${spec.netns} does not exist`];
  const pod = cmds.inNetns(spec.netns);
  let link: PodAddr | undefined;
  try {
    [link] = await pod.ipJson<PodAddr[]>(['addr', 'show', 'dev', spec.ifname]);
  } catch (err) {
    if (!isNoSuchDevice(err)) throw err;
  }
  if (!link) return [...problems, `${spec.ifname} does not exist in ${spec.netns}`];
  if (link.address !== spec.mac) problems.push(`${spec.ifname} has MAC ${link.address}, not ${spec.mac}`);
  if (link.mtu !== spec.mtu) problems.push(`${spec.ifname} has MTU ${link.mtu}, not ${spec.mtu}`);
  if (!link.flags.includes('UP')) problems.push(`${spec.ifname} is down`);
  const address = `${spec.ip}/${spec.prefixLength}`;
  const addresses = link.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
  if (!addresses.includes(address)) problems.push(`${spec.ifname} lacks ${address} (has ${addresses.join(', ') || 'no IPv4 address'})`);
  if (spec.gateway) {
    const routes = await pod.ipJson<{ dst: string; gateway?: string; dev?: string }[]>(['-4', 'route', 'show', 'default']);
    if (!routes.some((r) => r.gateway === spec.gateway && r.dev === spec.ifname)) problems.push(`no default route via ${spec.gateway} on ${spec.ifname}`);
  }
  return problems;
}
