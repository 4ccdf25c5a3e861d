import { isIPv4 } from 'node:net';
import { formatProblem, LoomError, type InputProblem } from '../../src/errors';
import type { Endpoint } from '../../src/model/endpoint';
import type { ReportedHost } from '../../src/model/host';
import type { Mesh } from '../../src/model/mesh';
import { TENANT_LABEL } from '../../src/model/security-group';
import { indexSecurityGroups } from '../../src/model/security-group-members';
import { hostState } from '../compiler/host-state';
import type { CompiledRule } from '../compiler/security-groups';
import { hostViewFromMesh, TABLES, type NetworkView } from '../pipeline';

/**
 * What `loom trace` asks, turned into what to ask OVS: the packet a pod would send, as an
 * `ofproto/trace` flow on its host's br-int, plus the legend the answer is read with (the
 * network's pods and their groups, each host's compiled rules, the table names). Pure: the
 * model and the agents' host reports in. The control plane builds it (it has the model);
 * whoever can reach the hosts' ovs-vswitchd runs the trace (traceflow.ts).
 */

export const TRACE_PROTOCOLS = ['tcp', 'udp', 'icmp'] as const;
export type TraceProtocol = (typeof TRACE_PROTOCOLS)[number];

/** A source port when none is given: the first of the IANA ephemeral range. */
export const DEFAULT_SOURCE_PORT = 49152;

export interface TraceInput {
  /** A pod: an Endpoint attached to a Network. */
  from: string;
  /** A pod's name, a pod's address in the source's network, or a Service VIP. */
  to: string;
  proto: TraceProtocol;
  /** Required for tcp and udp; refused for icmp (an echo request is traced). */
  dport?: number;
  sport?: number;
}

export interface TraceEndpoint {
  name: string;
  host: string;
  network: string;
  ip: string;
  mac: string;
  /** br-int port on its host, once the agent attached it. */
  ofport?: number;
  /** The groups it is a member of (each isolates its ingress). */
  groups: string[];
  /** Those of its groups that have `egress` rules (each isolates its egress). */
  egressGroups: string[];
  tenant?: string;
  /** The service it is a backend of. */
  service?: string;
}

export interface TraceHost {
  name: string;
  underlayIp: string;
  tunnelOfport?: number;
  /** ovs-vswitchd's control socket on that host, as its agent reported it. */
  vswitchdCtl?: string;
}

/** One `ofproto/trace` to run: on `host`'s br-int, through its control socket. */
export interface TraceHop {
  host: string;
  bridge: string;
  /** Undefined when the host's agent did not report one: the hop cannot be traced. */
  vswitchdCtl?: string;
  /** The packet, in ofproto/trace's flow syntax. */
  flow: string;
  /** What the packet is at this hop: sent by the source pod, or arrived through the tunnel from `from`. */
  arrival: { kind: 'pod'; pod: string } | { kind: 'tunnel'; from: string; vni: number };
}

export interface TracePlan {
  request: Required<Pick<TraceInput, 'from' | 'to' | 'proto'>> & { sport?: number; dport?: number };
  source: TraceEndpoint;
  destination: { kind: 'pod'; pod: TraceEndpoint } | { kind: 'service'; service: string; vip: string; backends: string[] };
  network: Pick<NetworkView, 'name' | 'id' | 'vni' | 'gatewayIp' | 'gatewayMac'>;
  /** The first hop: the source pod's host. Later hops follow from what OVS did (traceflow.ts). */
  hops: TraceHop[];
  hosts: TraceHost[];
  /** The pods of the network, on every host. */
  endpoints: TraceEndpoint[];
  /** Each host's compiled security-group rules (the network's hosts only): what `conj_id`s and member flows stand for. */
  rules: Record<string, CompiledRule[]>;
  /** The pipeline's table names by id, as this control plane numbers them. */
  tables: string[];
  /** Hosts whose rules could not be compiled, and why. */
  warnings: string[];
}

/** A trace request that cannot be planned: each problem names the field and what is accepted. The REST API answers it with 400. */
export class TraceRequestError extends LoomError {
  readonly statusCode = 400;
  constructor(readonly problems: InputProblem[]) {
    super(problems.map(formatProblem).join('; '));
  }
}

export const BRIDGE = 'br-int';
const TTL = 64;

/** Throws TraceRequestError naming each bad field and what is accepted. */
export function parseTraceInput(body: unknown): TraceInput {
  const source = 'trace request';
  const problems: InputProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ source, path, message });
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new TraceRequestError([{ source, message: 'expected a JSON object {"from": pod, "to": pod or VIP, "proto": "tcp"|"udp"|"icmp", "dport"?: port, "sport"?: port}' }]);
  }
  const b = body as Record<string, unknown>;
  const known = new Set(['from', 'to', 'proto', 'dport', 'sport']);
  for (const key of Object.keys(b)) if (!known.has(key)) problem(key, `unknown field; accepted fields: ${[...known].join(', ')}`);
  for (const key of ['from', 'to'] as const) if (typeof b[key] !== 'string' || b[key] === '') problem(key, key === 'from' ? 'expected the name of a pod' : "expected a pod's name or address, or a Service VIP");
  const proto = b.proto;
  if (typeof proto !== 'string' || !(TRACE_PROTOCOLS as readonly string[]).includes(proto)) problem('proto', `${JSON.stringify(proto)} is not a protocol; expected one of ${TRACE_PROTOCOLS.join(', ')}`);
  const port = (key: 'dport' | 'sport'): number | undefined => {
    const v = b[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) problem(key, `${JSON.stringify(v)} is not a port; expected 1-65535`);
    else if (proto === 'icmp') problem(key, 'icmp has no ports (an echo request is traced); give ports with tcp or udp only');
    return typeof v === 'number' ? v : undefined;
  };
  const dport = port('dport');
  const sport = port('sport');
  if ((proto === 'tcp' || proto === 'udp') && b.dport === undefined) problem('dport', `${proto} needs a destination port (1-65535): which rule applies depends on it`);
  if (problems.length) throw new TraceRequestError(problems);
  return { from: b.from as string, to: b.to as string, proto: proto as TraceProtocol, ...(dport !== undefined ? { dport } : {}), ...(sport !== undefined ? { sport } : {}) };
}

/**
 * The plan for tracing `input` (parseTraceInput first) through the mesh as the hosts
 * report it. Throws TraceRequestError when the pods or the VIP cannot be traced between,
 * naming the input and what would be accepted.
 */
export function planTrace(mesh: Mesh, hosts: readonly ReportedHost[], input: TraceInput): TracePlan {
  const fail = (path: keyof TraceInput, message: string): never => {
    throw new TraceRequestError([{ source: 'trace request', path, message }]);
  };
  const index = indexSecurityGroups(mesh);
  const groups = Object.values(mesh.securityGroups);
  const groupsOf = (ep: Endpoint) => groups.filter((g) => index.members(g.name).some((m) => m.name === ep.name));

  const from = mesh.endpoints[input.from];
  if (!from) fail('from', `no endpoint named "${input.from}"; pods: ${podNames(mesh) || 'none'}`);
  if (!from.network || !from.mac || !from.host) fail('from', `endpoint "${from.name}" is not a pod on an overlay network (it has no ${['network', 'mac', 'host'].filter((f) => !from[f as keyof Endpoint]).join(', ')}); trace starts at a pod the CNI plugin attached`);
  const reported = hosts.find((h) => h.name === from.host);
  if (!reported?.tunnelOfport) fail('from', `pod "${from.name}" is on host "${from.host}", which ${reported ? 'has not reported its tunnel port' : 'has not reported'}: its agent is not running or cannot reach this control plane`);
  if (from.ofport === undefined) fail('from', `pod "${from.name}" has no br-int port yet (its agent has not attached it)`);
  const view = hostViewFromMesh(mesh, hosts, from.host!)!;
  const network = view.networks.find((n) => n.name === from.network)!;

  const toEndpoint = (ep: Endpoint): TraceEndpoint => {
    const mine = groupsOf(ep);
    const tenant = ep.labels?.[TENANT_LABEL];
    return {
      name: ep.name,
      host: ep.host ?? '',
      network: ep.network ?? '',
      ip: ep.address,
      mac: ep.mac ?? '',
      ...(ep.ofport !== undefined ? { ofport: ep.ofport } : {}),
      groups: mine.map((g) => g.name),
      egressGroups: mine.filter((g) => g.egress !== undefined).map((g) => g.name),
      ...(tenant !== undefined ? { tenant } : {}),
      ...(ep.service !== undefined ? { service: ep.service } : {}),
    };
  };
  const pods = Object.values(mesh.endpoints).filter((ep) => ep.network === network.name && ep.mac && ep.host);
  const endpoints = pods.map(toEndpoint).sort((a, b) => compare(a.name, b.name));
  const source = endpoints.find((e) => e.name === from.name)!;

  const destination = resolveDestination(mesh, input, network, pods, fail);
  const to = destination.kind === 'pod' ? endpoints.find((e) => e.name === destination.name)! : undefined;
  const dstIp = to ? to.ip : (destination as { vip: string }).vip;
  // A pod sends to an address off its subnet (a VIP) through its gateway: the gateway's MAC.
  const dstMac = to ? to.mac : network.gatewayMac!;

  const request = { from: input.from, to: input.to, proto: input.proto, ...(input.proto === 'icmp' ? {} : { sport: input.sport ?? DEFAULT_SOURCE_PORT, dport: input.dport }) };
  const flow = traceFlow({
    inPort: from.ofport!,
    proto: input.proto,
    dlSrc: source.mac,
    dlDst: dstMac,
    nwSrc: source.ip,
    nwDst: dstIp,
    sport: request.sport,
    dport: request.dport,
    // A select group picks a bucket by the datapath's hash, which a trace does not compute: it is given, from the connection's addresses and ports, so one connection always traces to one backend.
    ...(to ? {} : { dpHash: connectionHash(`${input.proto} ${source.ip}:${request.sport ?? 0} ${dstIp}:${request.dport ?? 0}`) }),
  });

  const traceHosts: TraceHost[] = hosts.map((h) => ({ name: h.name, underlayIp: h.underlayIp, ...(h.tunnelOfport ? { tunnelOfport: h.tunnelOfport } : {}), ...(h.vswitchdCtl ? { vswitchdCtl: h.vswitchdCtl } : {}) }));
  const rules: Record<string, CompiledRule[]> = {};
  const warnings: string[] = [];
  for (const host of [...new Set(endpoints.map((e) => e.host))].sort(compare)) {
    try {
      const state = hostState(mesh, hosts, host);
      if (state) rules[host] = state.rules;
    } catch (err) {
      warnings.push(`host ${host}: its flows cannot be computed (${(err as Error).message.split('\n')[0]}); rules there are not named`);
    }
  }

  return {
    request,
    source,
    destination: to ? { kind: 'pod', pod: to } : { kind: 'service', service: (destination as { service: string }).service, vip: dstIp, backends: endpoints.filter((e) => e.service === (destination as { service: string }).service).map((e) => e.name) },
    network: { name: network.name, id: network.id, vni: network.vni, ...(network.gatewayIp ? { gatewayIp: network.gatewayIp, gatewayMac: network.gatewayMac } : {}) },
    hops: [{ host: source.host, bridge: BRIDGE, ...(reported!.vswitchdCtl ? { vswitchdCtl: reported!.vswitchdCtl } : {}), flow, arrival: { kind: 'pod', pod: source.name } }],
    hosts: traceHosts,
    endpoints,
    rules,
    tables: [...TABLES],
    warnings,
  };
}

type Destination = { kind: 'pod'; name: string } | { kind: 'service'; service: string; vip: string };

function resolveDestination(mesh: Mesh, input: TraceInput, network: NetworkView, pods: readonly Endpoint[], fail: (path: keyof TraceInput, message: string) => never): Destination {
  const withVip = Object.values(mesh.services).filter((s) => s.vip !== undefined);
  const accepted = () =>
    `expected a pod's name, a pod's address in network ${network.name}, or a Service VIP (${withVip.map((s) => `${s.name} ${s.vip}`).join(', ') || 'no service has a VIP'})`;
  const byName = mesh.endpoints[input.to];
  const service = isIPv4(input.to) ? withVip.find((s) => s.vip === input.to) : undefined;
  const byIp = isIPv4(input.to) ? pods.find((ep) => ep.address === input.to) : undefined;
  if (service) {
    if (!network.gatewayIp) fail('to', `${input.to} is the VIP of service ${service.name}, but network ${network.name} has no gateway: its pods have no route to a VIP`);
    return { kind: 'service', service: service.name, vip: input.to };
  }
  const ep = byName ?? byIp;
  if (!ep) fail('to', `"${input.to}" is none of these; ${accepted()}`);
  if (!ep!.network || !ep!.mac || !ep!.host) fail('to', `endpoint "${ep!.name}" is not a pod on an overlay network; ${accepted()}`);
  if (ep!.network !== network.name) fail('to', `pod "${ep!.name}" is on network ${ep!.network} and "${input.from}" on ${network.name}: networks never reach each other`);
  if (ep!.name === input.from) fail('to', `"${input.to}" is the source pod itself`);
  return { kind: 'pod', name: ep!.name };
}

export interface TracePacket {
  inPort: number;
  proto: TraceProtocol;
  dlSrc: string;
  dlDst: string;
  nwSrc: string;
  nwDst: string;
  ttl?: number;
  sport?: number;
  dport?: number;
  icmp?: { type: number; code: number };
  dpHash?: number;
  tunnel?: { id: number; src: string; dst: string };
}

/** The packet in ofproto/trace's flow syntax; TCP carries a SYN, ICMP is an echo request unless told. */
export function traceFlow(p: TracePacket): string {
  const fields = [
    `in_port=${p.inPort}`,
    ...(p.tunnel ? [`tun_id=0x${p.tunnel.id.toString(16)}`, `tun_src=${p.tunnel.src}`, `tun_dst=${p.tunnel.dst}`] : []),
    ...(p.dpHash !== undefined ? [`dp_hash=0x${p.dpHash.toString(16)}`] : []),
    p.proto,
    `dl_src=${p.dlSrc}`,
    `dl_dst=${p.dlDst}`,
    `nw_src=${p.nwSrc}`,
    `nw_dst=${p.nwDst}`,
    `nw_ttl=${p.ttl ?? TTL}`,
  ];
  // tp_src/tp_dst would do for TCP but not for UDP ("prerequisites not met"): the protocol's own names work for both.
  if (p.proto === 'icmp') fields.push(`icmp_type=${p.icmp?.type ?? 8}`, `icmp_code=${p.icmp?.code ?? 0}`);
  else fields.push(`${p.proto}_src=${p.sport ?? DEFAULT_SOURCE_PORT}`, `${p.proto}_dst=${p.dport}`, ...(p.proto === 'tcp' ? ['tcp_flags=syn'] : []));
  return fields.join(',');
}

/** A non-zero 32-bit FNV-1a hash: the dp_hash a trace gives a connection. */
export function connectionHash(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h || 1;
}

/** The pods' names for an error message; the first 20 of a large cluster. */
function podNames(mesh: Mesh): string {
  const names = Object.values(mesh.endpoints)
    .filter((ep) => ep.network && ep.host)
    .map((ep) => ep.name)
    .sort(compare);
  return names.length > 20 ? `${names.slice(0, 20).join(', ')}, … (${names.length} in all)` : names.join(', ');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
