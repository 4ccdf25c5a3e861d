import { spawn } from 'node:child_process';
import { parseAgentConfig, startAgent, type RunningAgent } from '../../fabric/agent';
import { hostState } from '../../fabric/compiler';
import { formatFlows, formatGroups } from '../../fabric/pipeline';
import { createLogger, type Logger } from '../../src/log';
import { emptyMesh, type Mesh } from '../../src/model/mesh';
import { KINDS } from '../../src/model/kinds';
import type { ReportedHost } from '../../src/model/host';
import { parsePingResult, type PingResult } from './cluster-ping';
import { planeSocket, startPlaneProcesses, type PlaneProcess } from './cluster-planes';
import { trackProcess, type PodProcess } from './cluster-process';
import { createUnderlay, UNDERLAY_NIC, type Underlay } from './cluster-underlay';
import { CommandError, type Netns } from './netns';
import { startOvsHost, type OvsHost } from './ovs-host';
import { assertPluginBuilt, invokeCni, type CniOutcome, Pod, startControlPlane, type ControlPlane, type PlaneApi } from './pod';

/**
 * A whole Loom cluster on one machine, for end-to-end tests of the overlay (and of what
 * builds on it: security groups, service load balancing):
 *
 * - the control plane in-process (`startDaemon`: REST API, IPAM, the central OpenFlow
 *   controller), listening for OpenFlow on one unix socket per host, in that host's OVS
 *   run dir (the only unix sockets a namespaced ovs-vswitchd connects to) — or, with
 *   `controlPlanes`, several `loom up` processes sharing Redis (`cluster-planes.ts`), every
 *   agent and br-int pointed at all of them;
 * - N simulated hosts: each a namespace with its own ovsdb-server and ovs-vswitchd
 *   (userspace datapath), and a real `loom agent` (`startAgent`, in this process, pointed
 *   at the host with `netns` as in test/harness/pod.ts) that sets up br-int, br-phy and
 *   the VXLAN port and serves the CNI plugin;
 * - an underlay: a Linux bridge in a namespace of its own, one veth per host
 *   (`cluster-underlay.ts`), addresses `<underlay>.1`, `.2`, … in host order;
 * - pods attached and detached by the real plugin (`node bin/loom-cni.js`, compiled: run
 *   `npx tsc -p .` first; `invokeCni` of pod.ts), each in a namespace of its own;
 * - helpers: `cluster-traffic.ts` (a listener that answers with its pod's name, TCP
 *   transfers checked with SHA-256, continuous pings), `cluster-ping.ts` (ping output).
 *
 * ```ts
 * await using cluster = await startCluster({ hosts: ['a', 'b'], networks: [{ name: 'blue', cidr: '10.1.0.0/24', vni: 100 }] });
 * const [p, q] = [await cluster.addPod('a', 'blue', 'p'), await cluster.addPod('b', 'blue', 'q')];
 * await cluster.converged();
 * expect((await cluster.ping(p, q.ip)).received).toBe(1);
 * ```
 *
 * `converged()` waits until every host's br-int holds exactly the flows and groups
 * `hostState` computes from the control plane's current mesh: after it, traffic tests
 * need no retries.
 * Everything is undone by `stop()` (also `await using`), and what a crashed test leaves is
 * removed when the process exits.
 */

export interface NetworkSpec {
  name: string;
  cidr: string;
  vni: number;
  gateway?: string;
  mtu?: number;
}

export interface ClusterOptions {
  /** Host names (DNS-style), in underlay address order. */
  hosts: readonly string[];
  networks: readonly NetworkSpec[];
  /** The underlay /24 as its first three octets; default `192.168.100`. Each cluster has its own, so clusters never clash. */
  underlay?: string;
  /** Log level of the control plane's and agents' loggers; default `error`. */
  logLevel?: string;
  /** Several control planes (`loom up` processes) sharing their state in this Redis, instead of one in-process. */
  controlPlanes?: { count: number; redisUrl: string };
}

export interface ClusterHost {
  readonly name: string;
  /** The host's tunnel endpoint (on br-phy once the agent has set up the host). */
  readonly underlayIp: string;
  readonly ovs: OvsHost;
  readonly agent: RunningAgent;
  /** The agent's CNI socket (the network config's `agentSocket`). */
  readonly socket: string;
  /** br-int's flows, `ovs-ofctl --no-names --no-stats dump-flows` without cookies, sorted. */
  dumpFlows(): Promise<string[]>;
  /** br-int's flow count (`dump-aggregate`). */
  flowCount(): Promise<number>;
}

export interface ClusterUnderlay {
  /** The namespace of the bridge that joins the hosts. */
  readonly netns: string;
  /** e.g. `192.168.100.0/24`. */
  readonly cidr: string;
  /** The bridge port (in `netns`) that is `host`'s wire: capture there to see what the host sends and receives. */
  wireOf(host: string): string;
}

export interface ClusterPod {
  /** K8S_POD_NAME, and so the pod's Endpoint name (and IPAM owner). */
  readonly name: string;
  readonly host: string;
  readonly network: string;
  readonly ip: string;
  readonly mac: string;
  readonly prefixLength: number;
  /** The pod's namespace: its name (`ip netns exec`) and path (CNI_NETNS). */
  readonly netns: string;
  readonly netnsPath: string;
  readonly containerId: string;
  /** The CNI result of ADD. */
  readonly result: Record<string, unknown>;
}

export interface AddPodOptions {
  /** Static address (CNI_ARGS `IP=`). */
  ip?: string;
  /** Static MAC (CNI_ARGS `MAC=`). */
  mac?: string;
}

export interface PingOptions {
  /** Echo requests; default 1. */
  count?: number;
  /** Seconds to wait for a reply (`-W`); default 5. */
  timeoutS?: number;
  /** Seconds between requests; default 0.2. */
  intervalS?: number;
}

export interface Cluster extends AsyncDisposable {
  /** The control plane's API: the in-process one, or the first control-plane process still alive. */
  readonly plane: PlaneApi;
  /** The control-plane processes (with `controlPlanes`; empty otherwise). */
  readonly planes: readonly PlaneProcess[];
  /** The plane whose controller `host`'s br-int has as master, by OVS's own account; undefined while none is. */
  masterOf(host: string): Promise<PlaneProcess | undefined>;
  readonly hosts: readonly ClusterHost[];
  readonly underlay: ClusterUnderlay;
  host(name: string): ClusterHost;
  /** Pods attached now, in the order they were added. */
  pods(): ClusterPod[];
  /** The pod named `name` (on `host`, when it is attached on several hosts at once). */
  pod(name: string, host?: string): ClusterPod;
  /** A new pod namespace attached to `network` on `host` by CNI ADD through the real plugin. Rejects with the plugin's error. */
  addPod(host: string, network: string, name: string, options?: AddPodOptions): Promise<ClusterPod>;
  /** CNI DEL through the real plugin (with the ADD result as prevResult), then deletes the pod's namespace. */
  removePod(pod: ClusterPod): Promise<void>;
  /** The pod's namespace, for helpers that run programs in it (test/harness/pod-tcp.ts). */
  netns(pod: ClusterPod): Netns;
  /** Runs a command in the pod to completion; resolves with stdout, rejects with a CommandError. */
  exec(pod: ClusterPod, cmd: string, args?: readonly string[]): Promise<string>;
  /** Starts a long-running command in the pod; `stop()` of the cluster ends it if the test did not. */
  spawn(pod: ClusterPod, cmd: string, args?: readonly string[]): PodProcess;
  /** The same in any namespace by name: a host's (`host(name).ovs.netns`), the underlay's. */
  spawnIn(netns: string, cmd: string, args?: readonly string[]): PodProcess;
  /** `ping` from the pod; never rejects because nothing answered (`ok` is false then). */
  ping(from: ClusterPod, toIp: string, options?: PingOptions): Promise<PingResult>;
  /** The CNI config the cluster uses for `network` on `host` (for invoking the plugin by hand). */
  cniConfig(host: string, network: string): Record<string, unknown>;
  /** Waits until every host's br-int holds exactly the flows and groups of `hostState` for the current mesh and host reports. */
  converged(timeoutMs?: number): Promise<void>;
  /** Ends processes, stops agents, the control plane and OVS, deletes every namespace. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_UNDERLAY = '192.168.100';
const CONVERGE_TIMEOUT_MS = 15_000;

interface HostParts {
  name: string;
  ovs: OvsHost;
  underlayIp: string;
  socket: string;
  agent?: RunningAgent;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  assertPluginBuilt();
  if (!options.hosts.length) throw new Error('startCluster: hosts must name at least one host');
  if (new Set(options.hosts).size !== options.hosts.length) throw new Error(`startCluster: host names must be unique: ${options.hosts.join(', ')}`);
  const cluster = new ClusterInstance(options);
  try {
    await cluster.start();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

function networkDocuments(networks: readonly NetworkSpec[]): string {
  // JSON is YAML: one document per Network.
  return networks.map((n) => JSON.stringify({ kind: 'Network', ...n })).join('\n---\n');
}

/** `dump-flows` lines without the cookie (the flow sync's) and with `table=0` spelled out as formatFlows does, sorted. */
function normalizeDump(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('OFPST_FLOW') && !l.startsWith('NXST_FLOW'))
    .map((l) => l.replace(/^cookie=0x[0-9a-f]+, /, '').replace(/^(?!table=)/, 'table=0, '))
    .sort();
}

class ClusterInstance implements Cluster {
  private underlayNet: Underlay | undefined;
  private controlPlane: ControlPlane | undefined;
  private planeProcesses: PlaneProcess[] = [];
  private readonly parts: HostParts[] = [];
  private readonly attached: { pod: ClusterPod; ns: Pod }[] = [];
  private readonly processes = new Set<PodProcess>();
  private readonly log: Logger;
  private stopping: Promise<void> | undefined;
  private readonly onExit = () => this.killSync();

  constructor(private readonly options: ClusterOptions) {
    this.log = createLogger('cluster', options.logLevel ?? 'error');
    process.once('exit', this.onExit);
  }

  get plane(): PlaneApi {
    const plane = this.controlPlane ?? this.planeProcesses.find((p) => p.alive());
    if (!plane) throw new Error(this.planeProcesses.length ? 'every control-plane process is gone' : 'the cluster is not started');
    return plane;
  }

  get planes(): readonly PlaneProcess[] {
    return this.planeProcesses;
  }

  async masterOf(host: string): Promise<PlaneProcess | undefined> {
    const part = this.part(host);
    // OVS writes the role into its database a few seconds after it changes.
    const table = JSON.parse(await part.ovs.vsctl('--format=json', '--columns=target,role', 'list', 'controller')) as { data: [string, unknown][] };
    const master = table.data.find(([, role]) => role === 'master')?.[0];
    return this.planeProcesses.find((p) => master === `unix:${planeSocket(part.ovs.runDir, p.index)}`);
  }

  get underlay(): ClusterUnderlay {
    const underlay = this.underlayNet;
    if (!underlay) throw new Error('the cluster is not started');
    return { netns: underlay.netns, cidr: underlay.cidr, wireOf: (host) => underlay.wireOf(this.parts.indexOf(this.part(host))) };
  }

  get hosts(): readonly ClusterHost[] {
    return this.parts.map((p) => this.view(p));
  }

  async start(): Promise<void> {
    const underlay = (this.underlayNet = await createUnderlay(this.options.underlay ?? DEFAULT_UNDERLAY));
    // Started together; every one that started is kept, so stop() finds it if another failed.
    const started = await Promise.allSettled(this.options.hosts.map((name) => startOvsHost(name)));
    started.forEach((s, i) => {
      if (s.status === 'fulfilled') this.parts.push({ name: this.options.hosts[i], ovs: s.value, underlayIp: underlay.addressOf(i), socket: `${s.value.runDir}/agent.sock` });
    });
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (const [i, part] of this.parts.entries()) await underlay.attach(part.ovs.netns, i);

    const ha = this.options.controlPlanes;
    if (ha) {
      this.planeProcesses = await startPlaneProcesses(ha.count, ha.redisUrl, this.parts.map((p) => p.ovs.runDir), this.options.logLevel ?? 'error');
      await this.plane.apply(networkDocuments(this.options.networks));
    } else {
      this.controlPlane = await startControlPlane(networkDocuments(this.options.networks), { openflow: this.parts.map((p) => this.controllerOf(p)) });
    }
    // Settled, not Promise.all: an agent still starting when another failed would outlive stop().
    const agents = await Promise.allSettled(
      this.parts.map(async (part) => {
        const config = parseAgentConfig({
          host: part.name,
          ovsdb: part.ovs.dbRemote,
          underlayIp: `${part.underlayIp}/24`,
          underlayIface: UNDERLAY_NIC,
          controller: ha ? this.planeProcesses.map((p) => `unix:${planeSocket(part.ovs.runDir, p.index)}`) : [this.controllerOf(part)],
          api: ha ? this.planeProcesses.map((p) => p.apiUrl) : this.plane.apiUrl,
          socket: part.socket,
          netns: part.ovs.netns,
          vswitchdCtl: `${part.ovs.runDir}/ovs-vswitchd.ctl`,
        });
        part.agent = await startAgent(config, this.log.child({ host: part.name }));
      }),
    );
    const refused = agents.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (refused) throw refused.reason;
    await this.waitForReports();
    await this.warmUnderlay();
    await this.converged();
  }

  host(name: string): ClusterHost {
    return this.view(this.part(name));
  }

  pods(): ClusterPod[] {
    return this.attached.map((a) => a.pod);
  }

  pod(name: string, host?: string): ClusterPod {
    const found = this.attached.filter((a) => a.pod.name === name && (host === undefined || a.pod.host === host));
    if (found.length !== 1) {
      throw new Error(`${found.length ? 'several pods' : 'no pod'} named ${name}${host ? ` on ${host}` : ''}; attached: ${this.attached.map((a) => `${a.pod.name}@${a.pod.host}`).join(', ') || 'none'}`);
    }
    return found[0].pod;
  }

  cniConfig(host: string, network: string): Record<string, unknown> {
    return { cniVersion: '1.0.0', name: network, type: 'loom-cni', network, agentSocket: this.part(host).socket };
  }

  async addPod(host: string, network: string, name: string, options: AddPodOptions = {}): Promise<ClusterPod> {
    const ns = await Pod.create(name);
    try {
      const outcome = await invokeCni({ command: 'ADD', containerId: ns.containerId, netns: ns.path, args: this.cniArgs(name, options), config: this.cniConfig(host, network) });
      const result = outcome.exitCode === 0 ? outcome.json : undefined;
      if (!result) throw new Error(`CNI ADD of pod ${name} to ${network} on ${host} failed: ${describeOutcome(outcome)}`);
      const ips = result.ips as { address: string }[];
      const interfaces = result.interfaces as { name: string; mac: string; sandbox?: string }[];
      const [ip, prefix] = ips[0].address.split('/');
      const pod: ClusterPod = {
        name,
        host,
        network,
        ip,
        mac: interfaces.find((i) => i.sandbox)!.mac,
        prefixLength: Number(prefix),
        netns: ns.ns.name,
        netnsPath: ns.path,
        containerId: ns.containerId,
        result,
      };
      this.attached.push({ pod, ns });
      return pod;
    } catch (err) {
      await ns.delete();
      throw err;
    }
  }

  async removePod(pod: ClusterPod): Promise<void> {
    const i = this.attached.findIndex((a) => a.pod === pod);
    if (i < 0) throw new Error(`pod ${pod.name} on ${pod.host} is not attached`);
    const config = { ...this.cniConfig(pod.host, pod.network), prevResult: pod.result };
    const outcome = await invokeCni({ command: 'DEL', containerId: pod.containerId, netns: pod.netnsPath, args: this.cniArgs(pod.name, {}), config });
    if (outcome.exitCode !== 0) throw new Error(`CNI DEL of pod ${pod.name} on ${pod.host} failed: ${describeOutcome(outcome)}`);
    const [{ ns }] = this.attached.splice(i, 1);
    await ns.delete();
  }

  netns(pod: ClusterPod): Netns {
    return this.namespaceOf(pod).ns;
  }

  exec(pod: ClusterPod, cmd: string, args: readonly string[] = []): Promise<string> {
    return this.namespaceOf(pod).exec(cmd, args);
  }

  spawn(pod: ClusterPod, cmd: string, args: readonly string[] = []): PodProcess {
    return this.spawnIn(this.namespaceOf(pod).ns.name, cmd, args);
  }

  spawnIn(netns: string, cmd: string, args: readonly string[] = []): PodProcess {
    const child = spawn('ip', ['netns', 'exec', netns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = trackProcess(`${cmd} ${args.join(' ')} (in ${netns})`, child, () => this.processes.delete(proc));
    this.processes.add(proc);
    return proc;
  }

  async ping(from: ClusterPod, toIp: string, options: PingOptions = {}): Promise<PingResult> {
    const args = ['-n', '-c', String(options.count ?? 1), '-W', String(options.timeoutS ?? 5), '-i', String(options.intervalS ?? 0.2), toIp];
    try {
      return parsePingResult(await this.exec(from, 'ping', args));
    } catch (err) {
      // Exit code 1: sent, nothing came back. Anything else (2: a bad argument) is a real error.
      if (err instanceof CommandError && err.exitCode === 1) return parsePingResult(err.stdout);
      throw err;
    }
  }

  async converged(timeoutMs = CONVERGE_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const differences = await this.flowDifferences();
      if (!differences.length) return;
      if (Date.now() > deadline) throw new Error(`br-int flows did not converge within ${timeoutMs} ms:\n${differences.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all([...this.processes].map((p) => p.stop()));
      await Promise.all(this.parts.map((p) => p.agent?.close()));
      await this.controlPlane?.close();
      await Promise.all(this.planeProcesses.map((p) => p.stop()));
      await Promise.all(this.parts.map((p) => p.ovs.stop()));
      await Promise.all(this.attached.map((a) => a.ns.delete()));
      await this.underlayNet?.delete();
      process.off('exit', this.onExit);
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** For the exit hook, where nothing asynchronous runs any more (OVS hosts clean up after themselves). */
  private killSync(): void {
    for (const p of this.processes) p.child.kill('SIGKILL');
    for (const p of this.planeProcesses) p.up.process.kill('SIGKILL');
    for (const a of this.attached) a.ns.ns.deleteSync();
    this.underlayNet?.deleteSync();
  }

  private controllerOf(part: HostParts): string {
    return `unix:${part.ovs.runDir}/loom-of.sock`;
  }

  private cniArgs(name: string, options: AddPodOptions): Record<string, string> {
    return { IgnoreUnknown: '1', K8S_POD_NAME: name, ...(options.ip ? { IP: options.ip } : {}), ...(options.mac ? { MAC: options.mac } : {}) };
  }

  private part(name: string): HostParts {
    const part = this.parts.find((p) => p.name === name);
    if (!part) throw new Error(`no host ${name} in the cluster; hosts: ${this.parts.map((p) => p.name).join(', ')}`);
    return part;
  }

  private namespaceOf(pod: ClusterPod): Pod {
    const found = this.attached.find((a) => a.pod === pod);
    if (!found) throw new Error(`pod ${pod.name} on ${pod.host} is not attached`);
    return found.ns;
  }

  private view(part: HostParts): ClusterHost {
    return {
      name: part.name,
      underlayIp: part.underlayIp,
      ovs: part.ovs,
      get agent() {
        if (!part.agent) throw new Error(`the agent of ${part.name} is not started`);
        return part.agent;
      },
      socket: part.socket,
      dumpFlows: async () => normalizeDump(await part.ovs.ofctl('--no-names', '--no-stats', 'dump-flows', 'br-int')),
      flowCount: async () => {
        const m = /flow_count=(\d+)/.exec(await part.ovs.ofctl('dump-aggregate', 'br-int'));
        if (!m) throw new Error(`no flow_count in dump-aggregate of ${part.name}'s br-int`);
        return Number(m[1]);
      },
    };
  }

  private async reportedHosts(): Promise<ReportedHost[]> {
    const res = await this.plane.call('GET', '/v1/hosts');
    return res.body.items as ReportedHost[];
  }

  private async waitForReports(): Promise<void> {
    const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
    for (;;) {
      const reported = await this.reportedHosts();
      const missing = this.parts.filter((p) => !reported.some((h) => h.name === p.name && h.tunnelOfport && h.datapathId));
      if (!missing.length) return;
      if (Date.now() > deadline) throw new Error(`hosts not reported with their tunnel port and datapath id: ${missing.map((p) => p.name).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * With the userspace datapath, ovs-vswitchd resolves a tunnel's next hop itself, and
   * drops the packet that made it ask (the first packet to a host it has no neighbour
   * entry for). Hosts on a real underlay have usually talked before; here each host in
   * turn forgets its kernel's neighbours and pings every other from br-phy's address: the
   * kernel asks by ARP, and ovs-vswitchd learns the neighbours from the replies it switches
   * (it does not learn from requests, hence one host at a time).
   */
  private async warmUnderlay(): Promise<void> {
    for (const from of this.parts) {
      const others = this.parts.filter((p) => p !== from);
      await from.ovs.exec('ip', ['neigh', 'flush', 'dev', 'br-phy']);
      await Promise.all(
        others.map((to) =>
          from.ovs.exec('ping', ['-n', '-c', '1', '-W', '5', to.underlayIp]).catch((err: unknown) => {
            throw new Error(`the underlay does not carry ${from.name} → ${to.name} (${to.underlayIp})`, { cause: err });
          }),
        ),
      );
      const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
      for (;;) {
        const neighbours = await from.ovs.appctl('tnl/neigh/show');
        const missing = others.filter((p) => !neighbours.includes(`${p.underlayIp} `));
        if (!missing.length) break;
        if (Date.now() > deadline) throw new Error(`ovs-vswitchd of ${from.name} has not learned the underlay neighbours ${missing.map((p) => p.underlayIp).join(', ')}:\n${neighbours}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  /** Per host, the flows and groups missing from br-int and those it should not have; empty when converged. */
  /** The desired state, as the control plane's API returns it. */
  private async currentMesh(): Promise<Mesh> {
    const mesh: Record<string, Record<string, unknown>> = { ...emptyMesh() };
    for (const [kind, { collection }] of Object.entries(KINDS)) {
      const res = await this.plane.call('GET', `/v1/${kind.toLowerCase()}s`);
      mesh[collection] = Object.fromEntries((res.body.items as { name: string }[]).map((r) => [r.name, r]));
    }
    return mesh as unknown as Mesh;
  }

  private async flowDifferences(): Promise<string[]> {
    const mesh = await this.currentMesh();
    const reported = await this.reportedHosts();
    const out: string[] = [];
    for (const part of this.parts) {
      const state = hostState(mesh, reported, part.name);
      const expected = state ? [...normalizeDump(formatFlows(state.flows, { tableNames: false })), ...lines(formatGroups(state.groups, { tableNames: false }))] : [];
      const actual = [...(await this.view(part).dumpFlows()), ...lines(await part.ovs.ofctl('--no-names', 'dump-groups', 'br-int')).filter((l) => l.startsWith('group_id='))];
      const missing = expected.filter((l) => !actual.includes(l));
      const extra = actual.filter((l) => !expected.includes(l));
      if (missing.length || extra.length) out.push(`${part.name}: ${missing.length} missing, ${extra.length} extra${[...missing.slice(0, 5).map((l) => `\n  - ${l}`), ...extra.slice(0, 5).map((l) => `\n  + ${l}`)].join('')}`);
    }
    return out;
  }
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

function describeOutcome(o: CniOutcome): string {
  const json = o.json as { code?: number; msg?: string; details?: string } | undefined;
  if (json?.code !== undefined) return `code ${json.code}: ${json.msg}${json.details ? ` (${json.details})` : ''}`;
  return `exit ${o.exitCode}: ${o.stderr.trim() || o.stdout.trim() || 'no output'}`;
}
