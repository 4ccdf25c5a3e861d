import { isIPv4 } from 'node:net';

/**
 * What the pipeline needs to know to build one host's flows: plain data, not the model.
 * The daemon maps the model (networks, endpoints, hosts, IPAM) to this view.
 */

export interface HostView {
  /** The host whose flows are built. */
  host: LocalHost;
  networks: NetworkView[];
  /** Every endpoint of the cluster, on every host. */
  endpoints: EndpointView[];
  /** Every host of the cluster (this one may be listed too). */
  hosts: HostRef[];
}

export interface LocalHost {
  name: string;
  /** The IPv4 address other hosts' tunnels send to. */
  underlayIp: string;
  /** OpenFlow port of br-int's VXLAN port (`remote_ip=flow`, `key=flow`). */
  tunnelOfport: number;
}

export interface HostRef {
  name: string;
  underlayIp: string;
}

export interface NetworkView {
  name: string;
  /** Kept in reg0 (NetworkId) while the packet is in the pipeline: 1..65535, unique. */
  id: number;
  /** The VXLAN network identifier: 1..16777215, unique. */
  vni: number;
  /** IPv4 CIDR; networks may overlap. */
  cidr: string;
  /** A virtual gateway the ARP responder answers for; both or neither. */
  gatewayIp?: string;
  gatewayMac?: string;
}

export interface EndpointView {
  name: string;
  /** A network's name. */
  network: string;
  ip: string;
  mac: string;
  /** A host's name. */
  host: string;
  /** br-int port of the endpoint; required on its own host, ignored elsewhere. */
  ofport?: number;
}

export interface ViewProblem {
  /** Where in the view, e.g. `endpoints[3] (web-1).ip`. */
  path: string;
  message: string;
}

/** The view cannot be turned into flows; `problems` lists every reason, not just the first. */
export class InvalidViewError extends Error {
  constructor(readonly problems: readonly ViewProblem[]) {
    super(`invalid host view (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'InvalidViewError';
  }
}

/** Highest OpenFlow port number OVS hands out (OFPP_MAX in OpenFlow 1.0 terms). */
const MAX_OFPORT = 0xfeff;
const MAX_NETWORK_ID = 0xffff;
const MAX_VNI = 0xffffff;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function parseCidr(cidr: string): { base: number; prefix: number } | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || !isIPv4(m[1]) || Number(m[2]) > 32) return undefined;
  const prefix = Number(m[2]);
  const base = ipv4ToNumber(m[1]);
  const size = 2 ** (32 - prefix);
  return base % size === 0 ? { base, prefix } : undefined;
}

function inCidr(ip: string, cidr: { base: number; prefix: number }): boolean {
  const n = ipv4ToNumber(ip);
  return n >= cidr.base && n < cidr.base + 2 ** (32 - cidr.prefix);
}

const isInt = (n: unknown, min: number, max: number): n is number => Number.isInteger(n) && (n as number) >= min && (n as number) <= max;
const isUnicastMac = (mac: unknown): mac is string => typeof mac === 'string' && MAC.test(mac) && (parseInt(mac.slice(0, 2), 16) & 1) === 0 && !/^(00:){5}00$/.test(mac);
const name = (x: { name?: unknown }) => (typeof x.name === 'string' && x.name !== '' ? ` (${x.name})` : '');

/** Every problem with the view; empty when it can be turned into flows. */
export function validateView(view: HostView): ViewProblem[] {
  const problems: ViewProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });

  for (const list of ['networks', 'endpoints', 'hosts'] as const) {
    if (!Array.isArray(view[list])) {
      problem(list, 'expected an array');
      return problems;
    }
  }
  const { host } = view;
  if (typeof host?.name !== 'string' || host.name === '') problem('host.name', 'expected a non-empty string');
  if (!isIPv4(host?.underlayIp ?? '')) problem('host.underlayIp', `${JSON.stringify(host?.underlayIp)} is not an IPv4 address`);
  if (!isInt(host?.tunnelOfport, 1, MAX_OFPORT)) problem('host.tunnelOfport', `${JSON.stringify(host?.tunnelOfport)} is not a port number 1..${MAX_OFPORT}`);

  const hosts = new Map<string, string>();
  view.hosts.forEach((h, i) => {
    const at = `hosts[${i}]${name(h)}`;
    if (typeof h.name !== 'string' || h.name === '') problem(`${at}.name`, 'expected a non-empty string');
    else if (hosts.has(h.name)) problem(`${at}.name`, `host ${h.name} is listed twice`);
    if (!isIPv4(h.underlayIp ?? '')) problem(`${at}.underlayIp`, `${JSON.stringify(h.underlayIp)} is not an IPv4 address`);
    if (h.name === host?.name && h.underlayIp !== host.underlayIp) problem(`${at}.underlayIp`, `${h.underlayIp} differs from host.underlayIp ${host.underlayIp}`);
    if (typeof h.name === 'string') hosts.set(h.name, h.underlayIp);
  });

  const networks = new Map<string, { base: number; prefix: number } | undefined>();
  const gateways = new Map<string, string>();
  const ids = new Map<number, string>();
  const vnis = new Map<number, string>();
  view.networks.forEach((n, i) => {
    const at = `networks[${i}]${name(n)}`;
    if (typeof n.name !== 'string' || n.name === '') problem(`${at}.name`, 'expected a non-empty string');
    else if (networks.has(n.name)) problem(`${at}.name`, `network ${n.name} is listed twice`);
    if (!isInt(n.id, 1, MAX_NETWORK_ID)) problem(`${at}.id`, `${JSON.stringify(n.id)} is not an integer 1..${MAX_NETWORK_ID} (it is kept in 16 bits of reg0; 0 means "not classified")`);
    else if (ids.has(n.id)) problem(`${at}.id`, `${n.id} is also the id of network ${ids.get(n.id)}`);
    else ids.set(n.id, n.name);
    if (!isInt(n.vni, 1, MAX_VNI)) problem(`${at}.vni`, `${JSON.stringify(n.vni)} is not a VNI 1..${MAX_VNI}`);
    else if (vnis.has(n.vni)) problem(`${at}.vni`, `${n.vni} is also the VNI of network ${vnis.get(n.vni)}`);
    else vnis.set(n.vni, n.name);
    const cidr = typeof n.cidr === 'string' ? parseCidr(n.cidr) : undefined;
    if (!cidr) problem(`${at}.cidr`, `${JSON.stringify(n.cidr)} is not an IPv4 CIDR with its host bits zero (10.1.0.0/16)`);
    if ((n.gatewayIp === undefined) !== (n.gatewayMac === undefined)) problem(`${at}`, 'gatewayIp and gatewayMac go together: set both or neither');
    if (n.gatewayIp !== undefined) {
      if (!isIPv4(n.gatewayIp)) problem(`${at}.gatewayIp`, `${JSON.stringify(n.gatewayIp)} is not an IPv4 address`);
      else if (cidr && !inCidr(n.gatewayIp, cidr)) problem(`${at}.gatewayIp`, `${n.gatewayIp} is not in ${n.cidr}`);
      else gateways.set(n.name, n.gatewayIp);
    }
    if (n.gatewayMac !== undefined && !isUnicastMac(n.gatewayMac)) problem(`${at}.gatewayMac`, `${JSON.stringify(n.gatewayMac)} is not a unicast MAC address`);
    if (typeof n.name === 'string') networks.set(n.name, cidr);
  });

  const endpointNames = new Set<string>();
  const ips = new Map<string, string>();
  const macs = new Map<string, string>();
  const ofports = new Map<number, string>();
  view.endpoints.forEach((e, i) => {
    const at = `endpoints[${i}]${name(e)}`;
    if (typeof e.name !== 'string' || e.name === '') problem(`${at}.name`, 'expected a non-empty string');
    else if (endpointNames.has(e.name)) problem(`${at}.name`, `endpoint ${e.name} is listed twice`);
    else endpointNames.add(e.name);
    const local = e.host === host?.name;
    if (!local && !hosts.has(e.host)) problem(`${at}.host`, `${JSON.stringify(e.host)} is neither host.name nor in hosts`);
    const cidr = networks.get(e.network);
    if (!networks.has(e.network)) problem(`${at}.network`, `${JSON.stringify(e.network)} is not in networks`);
    if (!isIPv4(e.ip ?? '')) problem(`${at}.ip`, `${JSON.stringify(e.ip)} is not an IPv4 address`);
    else {
      if (cidr && !inCidr(e.ip, cidr)) problem(`${at}.ip`, `${e.ip} is not in network ${e.network}'s ${view.networks.find((n) => n.name === e.network)?.cidr}`);
      if (gateways.get(e.network) === e.ip) problem(`${at}.ip`, `${e.ip} is network ${e.network}'s gateway`);
      const key = `${e.network}\0${e.ip}`;
      if (ips.has(key)) problem(`${at}.ip`, `${e.ip} is also endpoint ${ips.get(key)}'s IP in network ${e.network}`);
      else ips.set(key, e.name);
    }
    if (!isUnicastMac(e.mac)) problem(`${at}.mac`, `${JSON.stringify(e.mac)} is not a unicast MAC address`);
    else {
      const key = `${e.network}\0${e.mac.toLowerCase()}`;
      if (macs.has(key)) problem(`${at}.mac`, `${e.mac} is also endpoint ${macs.get(key)}'s MAC in network ${e.network}`);
      else macs.set(key, e.name);
    }
    if (local) {
      if (!isInt(e.ofport, 1, MAX_OFPORT)) problem(`${at}.ofport`, `${JSON.stringify(e.ofport)} is not a port number 1..${MAX_OFPORT} (required for an endpoint on this host)`);
      else if (e.ofport === host.tunnelOfport) problem(`${at}.ofport`, `${e.ofport} is the tunnel's port`);
      else if (ofports.has(e.ofport)) problem(`${at}.ofport`, `${e.ofport} is also endpoint ${ofports.get(e.ofport)}'s port`);
      else ofports.set(e.ofport, e.name);
    }
  });
  return problems;
}

/** Throws InvalidViewError listing every problem, or returns. */
export function assertValidView(view: HostView): void {
  const problems = validateView(view);
  if (problems.length > 0) throw new InvalidViewError(problems);
}
