import path from 'node:path';
import { InvalidInputError, type InputProblem } from '../../src/errors';
import { parseCidr } from '../../src/net/ip-address';
import { InvalidRemoteError, parseRemote } from '../ovsdb';
import { DEFAULT_AGENT_SOCKET } from '../cni/cni-config';

/** What `loom agent` runs with, checked. See README.md for what each setting does. */
export interface AgentConfig {
  /** The host's name in the cluster (DNS-style), as the control plane and endpoints know it. */
  host: string;
  /** OVSDB remote of the host's Open vSwitch: `unix:PATH` or `tcp:HOST:PORT`. */
  ovsdb: string;
  /** The tunnel endpoint address and its prefix length. */
  underlayIp: string;
  underlayPrefix: number;
  /** The NIC that carries the underlay; with the userspace datapath it becomes br-phy's port. */
  underlayIface: string;
  /** OpenFlow controllers of br-int (`tcp:IP:PORT`, `unix:PATH`, …); at least one. */
  controllers: string[];
  /** The control plane's REST API, e.g. `http://10.0.0.1:7070`. */
  /** The control plane's REST API: one URL per control-plane instance (host reports go to each; other calls to the first that answers). */
  apiUrls: string[];
  /** The unix socket the CNI plugin talks to. */
  socket: string;
  hwOffload: boolean;
  /**
   * Network namespace (path) the host's network lives in, when the agent does not run
   * inside it (tests, one-machine setups); undefined: the agent's own namespace.
   */
  netns?: string;
  /** ovs-vswitchd's control socket for `ovs-appctl -t`; default: found beside the OVSDB socket or in OVS's run dir. */
  vswitchdCtl?: string;
  /** How often the host is reported even when nothing changed. */
  reportIntervalMs: number;
  /** How often the OVS setup is checked even when OVSDB reported no change. */
  reconcileIntervalMs: number;
}

/** The flags as the CLI (or a test) passes them: text, not yet checked. */
export interface AgentFlags {
  host?: string;
  ovsdb?: string;
  underlayIp?: string;
  underlayIface?: string;
  controller?: string[];
  /** One URL, or several (one per control-plane instance). */
  api?: string | string[];
  socket?: string;
  hwOffload?: boolean;
  netns?: string;
  vswitchdCtl?: string;
  reportInterval?: string;
  reconcileInterval?: string;
}

export const DEFAULT_REPORT_INTERVAL_MS = 30_000;
export const DEFAULT_RECONCILE_INTERVAL_MS = 10_000;

const HOST_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const IFACE_NAME = /^[^/\s:]{1,15}$/;
// As ovs-vswitchd accepts controller targets (see fabric/ovsdb controller-plan).
const CONTROLLER = /^(tcp|ssl):([^:[\]]+|\[[^\]]+\]):\d+$|^unix:\/.+$/;

/** Checks every flag and reports every problem at once (InvalidInputError), or returns the config. */
export function parseAgentConfig(flags: AgentFlags): AgentConfig {
  const problems: InputProblem[] = [];
  const problem = (source: string, message: string) => problems.push({ source, message });
  const required = (flag: string, value: string | undefined, example: string): string => {
    if (value === undefined || value === '') problem(flag, `required, e.g. ${flag} ${example}`);
    return value ?? '';
  };

  const host = required('--host', flags.host, 'node-1');
  if (host && !HOST_NAME.test(host)) problem('--host', `"${host}" is not a DNS-style name: lowercase letters, digits, "-" and ".", at most 253 characters`);

  const ovsdb = required('--ovsdb', flags.ovsdb, 'unix:/var/run/openvswitch/db.sock');
  if (ovsdb) {
    try {
      parseRemote(ovsdb);
    } catch (err) {
      if (!(err instanceof InvalidRemoteError)) throw err;
      problem('--ovsdb', err.message);
    }
  }

  const underlay = required('--underlay-ip', flags.underlayIp, '192.168.50.1/24');
  const cidr = underlay ? parseCidr(underlay) : undefined;
  if (underlay && (!cidr || cidr.address.family !== 4 || cidr.prefixLength === 0)) problem('--underlay-ip', `"${underlay}" is not IPv4 address/prefix, e.g. 192.168.50.1/24`);

  const underlayIface = required('--underlay-iface', flags.underlayIface, 'eth1');
  if (underlayIface && !IFACE_NAME.test(underlayIface)) problem('--underlay-iface', `"${underlayIface}" is not an interface name (1-15 characters, no "/", ":" or spaces)`);

  const controllers = flags.controller ?? [];
  if (controllers.length === 0) problem('--controller', 'required (repeatable), e.g. --controller tcp:10.0.0.1:6653 or --controller unix:/var/run/openvswitch/loom.sock');
  for (const target of controllers) {
    if (!CONTROLLER.test(target)) problem('--controller', `"${target}" is not a controller target; accepted: tcp:IP:PORT, ssl:IP:PORT, unix:/PATH`);
  }
  if (new Set(controllers).size !== controllers.length) problem('--controller', `targets repeat: ${controllers.join(', ')}`);

  const apis = typeof flags.api === 'string' ? [flags.api] : (flags.api ?? []);
  if (apis.length === 0) required('--api', undefined, 'http://10.0.0.1:7070');
  const apiUrls = apis.map((api) => api.replace(/\/+$/, ''));
  for (const [i, url] of apiUrls.entries()) {
    if (!/^https?:\/\/[^/]+$/.test(url)) problem('--api', `"${apis[i]}" is not the control plane's base URL, e.g. http://10.0.0.1:7070`);
  }
  if (new Set(apiUrls).size !== apiUrls.length) problem('--api', `URLs repeat: ${apiUrls.join(', ')}`);

  const socket = flags.socket ?? DEFAULT_AGENT_SOCKET;
  if (!path.isAbsolute(socket)) problem('--socket', `"${socket}" is not an absolute path (default ${DEFAULT_AGENT_SOCKET})`);

  let netns: string | undefined;
  if (flags.netns !== undefined) {
    if (flags.netns === '' || (!flags.netns.includes('/') && !/^[\w.-]+$/.test(flags.netns))) problem('--netns', `"${flags.netns}" is neither a namespace name (ip netns list) nor a path`);
    netns = flags.netns.includes('/') ? flags.netns : `/run/netns/${flags.netns}`;
  }
  if (flags.vswitchdCtl !== undefined && !path.isAbsolute(flags.vswitchdCtl)) problem('--vswitchd-ctl', `"${flags.vswitchdCtl}" is not an absolute path`);

  const reportIntervalMs = seconds('--report-interval', flags.reportInterval, DEFAULT_REPORT_INTERVAL_MS, problem);
  const reconcileIntervalMs = seconds('--reconcile-interval', flags.reconcileInterval, DEFAULT_RECONCILE_INTERVAL_MS, problem);

  if (problems.length) throw new InvalidInputError(problems);
  return {
    host,
    ovsdb,
    underlayIp: underlay.split('/')[0],
    underlayPrefix: cidr!.prefixLength,
    underlayIface,
    controllers,
    apiUrls,
    socket,
    hwOffload: flags.hwOffload ?? false,
    ...(netns ? { netns } : {}),
    ...(flags.vswitchdCtl ? { vswitchdCtl: flags.vswitchdCtl } : {}),
    reportIntervalMs,
    reconcileIntervalMs,
  };
}

function seconds(flag: string, text: string | undefined, fallback: number, problem: (source: string, message: string) => void): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0.1 || n > 3600) {
    problem(flag, `"${text}" is not a number of seconds between 0.1 and 3600`);
    return fallback;
  }
  return Math.round(n * 1000);
}
