import fs from 'node:fs';
import path from 'node:path';
import { TABLES, tableId, type EndpointView, type NetworkView } from '../../../fabric/pipeline';
import { Netns } from '../../harness/netns';
import { startOvsHost, type OvsHost } from '../../harness/ovs-host';

/**
 * One simulated host for the pipeline tests (see /work/shared/RECIPES.md): br-int as the
 * agent will set it up (userspace datapath, secure fail mode, OpenFlow 1.3, the VXLAN port
 * with remote_ip=flow and key=flow), its tables named after the pipeline's in OVSDB so
 * `ovs-ofctl --names` prints them, pods as the CNI plugin attaches them (a namespace each,
 * a veth whose host end is on br-int, MTU 1450, no TX checksum offload, a default route via
 * the network's gateway when `networks` says it has one), and an underlay on br-phy whose
 * neighbours are known, so `ofproto/trace` shows the real VXLAN encapsulation.
 */

export const BRIDGE = 'br-int';
export const TUNNEL_PORT = 'vxlan0';

export interface BridgeOptions {
  underlayIp: string;
  tunnelOfport: number;
  /** Pods on this host: each gets a namespace, and a port on br-int named after it. */
  pods: EndpointView[];
  /** Other hosts' underlay IPs: each gets a made-up MAC in OVS's tunnel neighbour table. */
  neighbours: string[];
  /** The pods' networks: a pod in one with a gateway gets its default route via it, as the agent gives it. */
  networks?: readonly NetworkView[];
}

/** The last lines of `ofproto/trace`, with datapath port numbers replaced by port names where they are outputs. */
export interface Trace {
  /** The last `Datapath actions:` without conntrack's, top-level outputs by port name: `a-blue2`, `set(…),a-blue`, `drop`. */
  actions: string;
  /** The whole trace, for failure messages. */
  text: string;
}

export interface PipelineBridge extends AsyncDisposable {
  readonly host: OvsHost;
  /** Replaces br-int's flows with `text` (ovs-ofctl add-flows syntax), atomically. */
  replaceFlows(text: string): Promise<void>;
  /**
   * Replaces br-int's flows and groups (one per line each, as formatFlows and formatGroups
   * write them) in one bundle: no packet sees a flow whose group is missing, or a mix of
   * old and new.
   */
  replaceFlowsAndGroups(flows: string, groups: string): Promise<void>;
  /** `dump-flows --no-stats --names`, ports back to numbers, cookies dropped, ordered as formatFlows orders. */
  dumpFlows(): Promise<string>;
  /** `dump-groups --names` without its header, ordered by group id, as formatGroups writes them. */
  dumpGroups(): Promise<string>;
  trace(flow: string): Promise<Trace>;
  /** The namespace of pod `name` (its interface is eth0). */
  pod(name: string): Netns;
  stop(): Promise<void>;
}

export async function startPipelineBridge(options: BridgeOptions): Promise<PipelineBridge> {
  const host = await startOvsHost('pipeline');
  const pods = new Map<string, Netns>();
  // The harness cleans up the host if the process dies; the pods' namespaces are ours to clean.
  const onExit = () => pods.forEach((ns) => ns.deleteSync());
  process.once('exit', onExit);
  const stop = async () => {
    await host.stop();
    await Promise.all([...pods.values()].map((ns) => ns.delete()));
    process.off('exit', onExit);
  };
  try {
    for (const pod of options.pods) pods.set(pod.name, await Netns.create(pod.name));
    await setUp(host, options, pods);
    const dpPorts = await datapathPorts(host);
    const ofports = new Map<string, number>([[TUNNEL_PORT, options.tunnelOfport], ...options.pods.map((p) => [p.name, p.ofport!] as const)]);
    const flowsFile = path.join(host.runDir, 'flows.txt');
    const bundleFile = path.join(host.runDir, 'bundle.txt');
    const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
    return {
      host,
      async replaceFlows(text) {
        fs.writeFileSync(flowsFile, text);
        await host.ofctl('--bundle', 'replace-flows', BRIDGE, flowsFile);
      },
      async replaceFlowsAndGroups(flows, groups) {
        const mods = ['flow delete', 'group delete group_id=all', ...lines(groups).map((g) => `group add ${g}`), ...lines(flows).map((f) => `flow add ${f}`)];
        fs.writeFileSync(bundleFile, `${mods.join('\n')}\n`);
        await host.ofctl('bundle', BRIDGE, bundleFile);
      },
      async dumpFlows() {
        const out = await host.ofctl('--no-stats', '--names', 'dump-flows', BRIDGE);
        const lines = out
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
          .map((l) => l.replace(/^cookie=0x[0-9a-f]+, /, '').replace(/\b(in_port=|output:)"?([A-Za-z][\w-]*)"?/g, (all, kind: string, name: string) => (ofports.has(name) ? `${kind}${ofports.get(name)}` : all)));
        const key = (l: string) => {
          const m = /^table=(\w+), priority=(\d+)/.exec(l);
          if (!m) throw new Error(`unexpected dump-flows line: ${l}`);
          return { table: tableId(m[1] as never), priority: Number(m[2]) };
        };
        lines.sort((a, b) => key(a).table - key(b).table || key(b).priority - key(a).priority || (a < b ? -1 : a > b ? 1 : 0));
        return lines.length ? `${lines.join('\n')}\n` : '';
      },
      async dumpGroups() {
        const out = await host.ofctl('--names', 'dump-groups', BRIDGE);
        const groups = lines(out)
          .filter((l) => !l.startsWith('OFPST_GROUP_DESC'))
          .map((l) => l.trim())
          .sort((a, b) => Number(/^group_id=(\d+)/.exec(a)?.[1]) - Number(/^group_id=(\d+)/.exec(b)?.[1]));
        return groups.length ? `${groups.join('\n')}\n` : '';
      },
      async trace(flow) {
        const text = await host.appctl('ofproto/trace', BRIDGE, flow);
        // A tracked packet recirculates: the trace goes on (as a new connection) and its last datapath actions are the outcome.
        const m = [...text.matchAll(/^Datapath actions: (.*)$/gm)].at(-1);
        if (!m) throw new Error(`no datapath actions in the trace of ${flow}:\n${text}`);
        const actions = splitTopLevel(m[1])
          .filter((a) => !a.startsWith('ct('))
          .map((a) => (/^\d+$/.test(a) ? (dpPorts.get(Number(a)) ?? a) : a))
          .join(',');
        return { actions, text };
      },
      pod(name) {
        const ns = pods.get(name);
        if (!ns) throw new Error(`no pod ${name} on this bridge`);
        return ns;
      },
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function setUp(host: OvsHost, o: BridgeOptions, pods: Map<string, Netns>): Promise<void> {
  for (const pod of o.pods) {
    const ns = pods.get(pod.name)!;
    await host.exec('ip', ['link', 'add', pod.name, 'mtu', '1450', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
    await host.exec('ip', ['link', 'set', pod.name, 'up']);
    await ns.exec('ip', ['link', 'set', 'eth0', 'address', pod.mac, 'mtu', '1450', 'up']);
    await ns.exec('ip', ['addr', 'add', `${pod.ip}/24`, 'dev', 'eth0']);
    // With TX checksum offload the userspace datapath's conntrack sees bad TCP checksums and marks the packets invalid.
    await ns.exec('ethtool', ['-K', 'eth0', 'tx', 'off']);
    const gateway = o.networks?.find((n) => n.name === pod.network)?.gatewayIp;
    if (gateway !== undefined) await ns.exec('ip', ['route', 'add', 'default', 'via', gateway, 'dev', 'eth0']);
  }
  const tables = TABLES.flatMap((name, id) => ['--', `--id=@t${id}`, 'create', 'Flow_Table', `name=${name}`]);
  const ports = o.pods.flatMap((pod) => ['--', 'add-port', BRIDGE, pod.name, '--', 'set', 'Interface', pod.name, `ofport_request=${pod.ofport}`]);
  await host.vsctl(
    ...['add-br', BRIDGE, '--', 'set', 'Bridge', BRIDGE, 'datapath_type=netdev', 'fail_mode=secure', 'protocols=OpenFlow13'],
    ...tables,
    ...['--', 'set', 'Bridge', BRIDGE, ...TABLES.map((_, id) => `flow_tables:${id}=@t${id}`)],
    ...['--', 'add-port', BRIDGE, TUNNEL_PORT, '--', 'set', 'Interface', TUNNEL_PORT, 'type=vxlan', 'options:remote_ip=flow', 'options:key=flow', `ofport_request=${o.tunnelOfport}`],
    ...ports,
    ...['--', 'add-br', 'br-phy', '--', 'set', 'Bridge', 'br-phy', 'datapath_type=netdev'],
  );
  // The underlay: the host's IP on br-phy, a veth as its wire, neighbours answered from OVS's own table.
  await host.exec('ip', ['link', 'add', 'ul0', 'type', 'veth', 'peer', 'name', 'ul0-peer']);
  for (const dev of ['ul0', 'ul0-peer']) await host.exec('ip', ['link', 'set', dev, 'up']);
  await host.vsctl('add-port', 'br-phy', 'ul0');
  await host.exec('ip', ['addr', 'add', `${o.underlayIp}/24`, 'dev', 'br-phy']);
  await host.exec('ip', ['link', 'set', 'br-phy', 'up']);
  const prefix = `${o.underlayIp.split('.').slice(0, 3).join('.')}.0/24`;
  for (let i = 0; !(await host.appctl('ovs/route/show')).includes(`${prefix} dev br-phy`); i++) {
    if (i > 200) throw new Error(`ovs-vswitchd did not learn the route to ${prefix} via br-phy`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (const [i, ip] of o.neighbours.entries()) await host.appctl('tnl/arp/set', 'br-phy', ip, `aa:55:aa:55:00:${(i + 2).toString(16).padStart(2, '0')}`);
}

/** Datapath port number → port name, from `dpif/show` (`    a-blue 1/3: (tap)`). */
async function datapathPorts(host: OvsHost): Promise<Map<number, string>> {
  const ports = new Map<number, string>();
  for (const m of (await host.appctl('dpif/show')).matchAll(/^\s+(\S+) \d+\/(\d+):/gm)) ports.set(Number(m[2]), m[1]);
  return ports;
}

/** Splits datapath actions at the commas outside parentheses. */
function splitTopLevel(actions: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < actions.length; i++) {
    const c = actions[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(actions.slice(start, i));
      start = i + 1;
    }
  }
  out.push(actions.slice(start));
  return out;
}
