import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAgentConfig, startAgent, type RunningAgent } from '../../fabric/agent';
import { formatFlows, hostFlows, type HostView } from '../../fabric/pipeline';
import { createLogger } from '../../src/log';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon';
import { parseIp } from '../../src/net/ip-address';
import { generatedMac } from '../../src/net/mac-address';
import { Netns } from './netns';
import { startOvsHost, type OvsHost } from './ovs-host';

/**
 * Pods and the hosts they live on, for the agent and CNI tests.
 *
 * Where things run: the control plane (startDaemon) listens on the root namespace's
 * 127.0.0.1, which a host namespace cannot reach. So the agent runs in the test process,
 * in the root namespace, and is pointed at the simulated host: its OVSDB unix socket
 * (reachable from anywhere) and `netns` — every `ip`, `sysctl` and `ethtool` it runs
 * goes through `nsenter --net=/run/netns/<host>`, so veths, br-phy's address and routes
 * are made inside the host's namespace, as an agent running there would make them. Pods
 * are namespaces of their own (`/run/netns/…`, the path a runtime gives in CNI_NETNS).
 * The plugin is the real one: `node bin/loom-cni.js` (compiled: run `npx tsc -p .` first).
 * Flows come from the control plane's OpenFlow controller when it is started with
 * `openflow` (a unix socket in the OVS host's run dir), else from `installHostFlows`
 * (ovs-ofctl, the same `hostFlows` the controller uses).
 */

/** The repository, found from wherever this file runs: the sources under jest, or dist/ (the benchmarks). */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'bin', 'loom-cni.js')) && fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no bin/loom-cni.js above ${__dirname}`);
  }
}

const ROOT = repoRoot();
export const LOOM_CNI = path.join(ROOT, 'bin', 'loom-cni.js');
const BUILT_PLUGIN = path.join(ROOT, 'dist', 'fabric', 'cni', 'main.js');

export function assertPluginBuilt(): void {
  if (!fs.existsSync(BUILT_PLUGIN)) throw new Error(`${BUILT_PLUGIN} is missing: the CNI tests run the compiled plugin; run \`npx tsc -p .\` first`);
}

export interface CniCall {
  command: 'ADD' | 'DEL' | 'CHECK' | 'VERSION';
  containerId?: string;
  /** A path; omitted: CNI_NETNS is not set. */
  netns?: string;
  ifname?: string;
  /** CNI_ARGS, as `K=V;K=V` or a record. */
  args?: string | Record<string, string>;
  /** The network config (an object is JSON-encoded; a string is sent as it is). */
  config?: unknown;
}

export interface CniOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON. */
  json: Record<string, unknown> | undefined;
}

/** Runs `node bin/loom-cni.js` as a runtime does: CNI_* in the environment, the config on stdin. */
export function invokeCni(call: CniCall): Promise<CniOutcome> {
  const args = typeof call.args === 'string' ? call.args : Object.entries(call.args ?? {}).map(([k, v]) => `${k}=${v}`).join(';');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, CNI_COMMAND: call.command, CNI_PATH: path.dirname(LOOM_CNI) };
  if (call.containerId !== undefined) env.CNI_CONTAINERID = call.containerId;
  if (call.netns !== undefined) env.CNI_NETNS = call.netns;
  if (call.ifname !== undefined || call.command !== 'VERSION') env.CNI_IFNAME = call.ifname ?? 'eth0';
  if (args) env.CNI_ARGS = args;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOOM_CNI], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      let json: Record<string, unknown> | undefined;
      try {
        json = stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ exitCode, stdout, stderr, json });
    });
    child.stdin.end(call.config === undefined ? '' : typeof call.config === 'string' ? call.config : JSON.stringify(call.config));
  });
}

/** A pod's network namespace, as a runtime makes it before ADD. */
export class Pod {
  private constructor(
    readonly ns: Netns,
    readonly containerId: string,
  ) {}

  static async create(name: string): Promise<Pod> {
    const ns = await Netns.create(name);
    return new Pod(ns, `${name.replace(/[^A-Za-z0-9]/g, '')}${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`);
  }

  /** CNI_NETNS. */
  get path(): string {
    return `/run/netns/${this.ns.name}`;
  }

  exec(cmd: string, args: readonly string[] = []): Promise<string> {
    return this.ns.exec(cmd, args);
  }

  /** `ip -j addr show dev <ifname>` in the pod. */
  async link(ifname = 'eth0'): Promise<{ address: string; mtu: number; flags: string[]; addr_info: { family: string; local: string; prefixlen: number }[] }> {
    return (JSON.parse(await this.exec('ip', ['-j', 'addr', 'show', 'dev', ifname])) as never[])[0];
  }

  delete(): Promise<void> {
    return this.ns.delete();
  }
}

/** The control plane in-process (REST on 127.0.0.1, a free port), with a small JSON client. */
/** A control plane's REST API, wherever the control plane runs. */
export interface PlaneApi {
  apiUrl: string;
  call(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Applies resource documents (YAML). */
  apply(yaml: string): Promise<void>;
}

export interface ControlPlane extends PlaneApi {
  daemon: RunningDaemon;
  close(): Promise<void>;
}

/** Calls to the REST API at `apiUrl`: a string body is YAML, anything else JSON. */
export function planeApi(apiUrl: string): PlaneApi {
  const call: PlaneApi['call'] = async (method, urlPath, body) => {
    const res = await fetch(apiUrl + urlPath, {
      method,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headers: body === undefined ? undefined : { 'content-type': typeof body === 'string' ? 'application/yaml' : 'application/json' },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return {
    apiUrl,
    call,
    async apply(yaml) {
      const res = await call('POST', '/v1/apply?source=test', yaml);
      if (res.status !== 200) throw new Error(`apply failed: ${JSON.stringify(res.body)}`);
    },
  };
}

/** `openflow`: where its OpenFlow controller listens (none by default: tests install flows with ovs-ofctl). */
export async function startControlPlane(resources: string, options: { openflow?: string[] } = {}): Promise<ControlPlane> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-cp-'));
  const daemon = await startDaemon({ xds: { host: '127.0.0.1', port: 0 }, api: { host: '127.0.0.1', port: 0 }, dataDir, ...(options.openflow ? { openflow: options.openflow } : {}) }, createLogger('test-control-plane', 'error'));
  const plane: ControlPlane = {
    daemon,
    ...planeApi(daemon.apiUrl),
    async close() {
      await daemon.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  // A refused start must not leave the daemon running: nothing else could close it.
  if (resources) await plane.apply(resources).catch(async (err: unknown) => {
    await plane.close();
    throw err;
  });
  return plane;
}

export interface LoomHost {
  name: string;
  ovs: OvsHost;
  /** The running agent (a new one after `restartAgent`). */
  readonly agent: RunningAgent;
  /** Stops the agent and starts a new one with the same configuration, as a restart of `loom agent` does. */
  restartAgent(): Promise<RunningAgent>;
  /** The agent's CNI socket. */
  socket: string;
  /** The host namespace's path (the agent's `netns`). */
  netnsPath: string;
  underlayIp: string;
  stop(): Promise<void>;
}

export interface LoomHostOptions {
  apiUrl: string;
  /** With prefix, e.g. 192.168.50.1/24: first put on the underlay NIC `ul0`, as a host would have it. */
  underlay: string;
  /** The underlay's gateway: a default route via it on ul0, which the agent must carry over to br-phy. */
  gateway?: string;
  hwOffload?: boolean;
  /** Default: a unix socket in the host's run dir and a TCP one (several controllers allowed). */
  controllers?: string[];
  reconcileIntervalSeconds?: number;
  /** An OVS host started beforehand (e.g. so the controller can listen in its run dir); stopped with this one. */
  ovs?: OvsHost;
}

/** An OVS host (namespace, ovsdb-server, ovs-vswitchd) with an underlay NIC, and its agent. */
export async function startLoomHost(name: string, options: LoomHostOptions): Promise<LoomHost> {
  const ovs = options.ovs ?? (await startOvsHost(name));
  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-agent-'));
  const socket = path.join(socketDir, 'agent.sock');
  const stopAll = async (agent?: RunningAgent) => {
    await agent?.close();
    await ovs.stop();
    fs.rmSync(socketDir, { recursive: true, force: true });
  };
  try {
    await ovs.exec('ip', ['link', 'add', 'ul0', 'type', 'veth', 'peer', 'name', 'ul0-peer']);
    for (const dev of ['ul0', 'ul0-peer']) await ovs.exec('ip', ['link', 'set', dev, 'up']);
    await ovs.exec('ip', ['addr', 'add', options.underlay, 'dev', 'ul0']);
    if (options.gateway) await ovs.exec('ip', ['route', 'add', 'default', 'via', options.gateway, 'dev', 'ul0']);
    const config = parseAgentConfig({
      host: name,
      ovsdb: ovs.dbRemote,
      underlayIp: options.underlay,
      underlayIface: 'ul0',
      controller: options.controllers ?? [`unix:${ovs.runDir}/controller.sock`, 'tcp:127.0.0.1:6653'],
      api: options.apiUrl,
      socket,
      hwOffload: options.hwOffload,
      netns: ovs.netns,
      vswitchdCtl: path.join(ovs.runDir, 'ovs-vswitchd.ctl'),
      reconcileInterval: String(options.reconcileIntervalSeconds ?? 60),
    });
    const log = createLogger(`test-agent-${name}`, 'error');
    let agent = await startAgent(config, log);
    return {
      name,
      ovs,
      get agent() {
        return agent;
      },
      async restartAgent() {
        await agent.close();
        agent = await startAgent(config, log);
        return agent;
      },
      socket,
      netnsPath: `/run/netns/${ovs.netns}`,
      underlayIp: options.underlay.split('/')[0],
      stop: () => stopAll(agent),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export interface OvsInterface {
  name: string;
  ofport: number;
  externalIds: Record<string, string>;
}

/** br-int's ports other than the bridge's own, with their external_ids. */
export async function brIntPorts(ovs: OvsHost): Promise<OvsInterface[]> {
  const names = (await ovs.vsctl('list-ports', 'br-int')).split('\n').filter(Boolean);
  const out: OvsInterface[] = [];
  for (const name of names) {
    const [ofport, ids] = (await ovs.vsctl('get', 'Interface', name, 'ofport', 'external_ids')).trim().split('\n');
    const externalIds = Object.fromEntries([...ids.matchAll(/([\w-]+)=("(?:[^"\\]|\\.)*"|[^,}]+)/g)].map((m) => [m[1], m[2].replace(/^"|"$/g, '')]));
    out.push({ name, ofport: Number(ofport), externalIds });
  }
  return out;
}

/**
 * Installs `host`'s pipeline flows with `ovs-ofctl --bundle replace-flows`, built by
 * `hostFlows` from what the control plane knows (hosts, networks, endpoints) and br-int's
 * ports: what the central controller will do once the daemon wires it. `networkIds`
 * gives each network its pipeline id (the daemon's to assign). A network's gateway gets
 * the MAC Loom derives from its IP.
 */
export async function installHostFlows(host: LoomHost, plane: ControlPlane, networkIds: Record<string, number>): Promise<string> {
  const hosts = (await plane.call('GET', '/v1/hosts')).body.items as { name: string; underlayIp: string; tunnelOfport?: number }[];
  const networks = (await plane.call('GET', '/v1/networks')).body.items as { name: string; cidr: string; vni: number; gateway?: string }[];
  const endpoints = (await plane.call('GET', '/v1/endpoints')).body.items as { name: string; network?: string; address: string; mac?: string; host?: string }[];
  const ofports = new Map((await brIntPorts(host.ovs)).filter((p) => p.externalIds['iface-id']).map((p) => [p.externalIds['iface-id'], p.ofport]));
  const self = hosts.find((h) => h.name === host.name);
  if (!self?.tunnelOfport) throw new Error(`host ${host.name} has not reported its tunnel port`);
  const view: HostView = {
    host: { name: host.name, underlayIp: self.underlayIp, tunnelOfport: self.tunnelOfport },
    hosts: hosts.map((h) => ({ name: h.name, underlayIp: h.underlayIp })),
    networks: networks
      .filter((n) => networkIds[n.name])
      .map((n) => ({ name: n.name, id: networkIds[n.name], vni: n.vni, cidr: n.cidr, ...(n.gateway ? { gatewayIp: n.gateway, gatewayMac: generatedMac(parseIp(n.gateway)!.value) } : {}) })),
    endpoints: endpoints
      .filter((e) => e.network && networkIds[e.network] && e.mac && e.host)
      .map((e) => ({ name: e.name, network: e.network!, ip: e.address, mac: e.mac!, host: e.host!, ...(e.host === host.name ? { ofport: ofports.get(e.name) } : {}) })),
  };
  const text = formatFlows(hostFlows(view));
  const file = path.join(host.ovs.runDir, 'flows.txt');
  fs.writeFileSync(file, text);
  await host.ovs.ofctl('--bundle', 'replace-flows', 'br-int', file);
  return text;
}
