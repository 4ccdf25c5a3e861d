import type { CompiledRule } from '../compiler/security-groups';
import { SecurityGroupPriority } from '../compiler/security-groups';
import { flowFields, type ParsedTrace, type TraceStep } from './parse-trace';
import type { TraceEndpoint, TraceHop, TracePlan } from './trace-plan';

/**
 * One host's ofproto/trace read in the model's terms: each table the packet went through
 * named (the plan's table list), what happened there said with pods, networks, services and
 * security-group rules (by conj_id, or the member port of a rule that needs no
 * conjunction), and how the packet left the host: delivered to a pod, into the tunnel
 * towards a host, dropped (where and why), or to the controller. Pure.
 *
 * What a flow means is read from its table, priority and actions, the way the pipeline
 * and the compilers build them (fabric/pipeline, fabric/compiler); a flow this does not
 * recognise is shown as OVS printed it.
 */

export interface RuleRef {
  kind: CompiledRule['kind'];
  group: string;
  direction: CompiledRule['direction'];
  index: number;
  description: string;
}

export interface ExplainedStep {
  /** The pipeline's name for the table, or `table N`. */
  table: string;
  tableId: number;
  priority?: number;
  /** The flow's match as OVS printed it. */
  match: string;
  /** What happened here, in the model's terms. */
  text: string;
  /** Security tables: the rules that let the packet through (several when a member's rules share one flow). */
  rules?: RuleRef[];
  verdict?: 'allowed' | 'dropped';
}

export type DropCause = 'security-groups' | 'spoof-guard' | 'invalid' | 'no-backend' | 'unknown-destination' | 'classifier' | 'other';

export type HopOutcome =
  | { kind: 'delivered'; pod: string; ofport: number }
  | { kind: 'tunnel'; host?: string; underlayIp: string; vni?: number }
  | { kind: 'dropped'; table: string; cause: DropCause; reason: string }
  | { kind: 'controller'; table: string; reason: string }
  | { kind: 'output'; port: number }
  | { kind: 'unfinished'; reason: string };

export interface Balancing {
  service?: string;
  vip: string;
  /** The backend's pod name, when it is one of the network's. */
  backend?: string;
  ip: string;
  /** `group`: a select group's bucket (the trace's dp_hash chose it); `affinity`: the client address's slot. */
  how: 'group' | 'affinity';
  bucket?: number;
}

export interface ExplainedHop {
  host: string;
  flow: string;
  steps: ExplainedStep[];
  outcome: HopOutcome;
  balanced?: Balancing;
  /** The packet as it left (the last pass's final flow): what the next hop receives. */
  finalFlow: string;
  /** `set_field:…->tun_id` of the last pass: the VNI the packet was sent with. */
  vni?: number;
}

const LOAD_REG1 = /^load:0x([0-9a-f]+)->NXM_NX_REG1\[\]$/;
const OUTPUT = /^output:(\d+)$/;
const NAT_DST = /nat\(dst=([0-9.]+)/;
const TUN_DST = /^set_field:([0-9.]+)->tun_dst$/;
const TUN_ID = /^set_field:0x([0-9a-f]+)->tun_id$/;
const GROUP = /^group:(\d+)$/;
const SET_MAC = /^set_field:([0-9a-f:]{17})->(eth_src|eth_dst)$/;
const BUCKET = /^using bucket (\d+)$/;

export function explainHop(plan: TracePlan, hop: TraceHop, trace: ParsedTrace): ExplainedHop {
  const host = plan.hosts.find((h) => h.name === hop.host);
  const here = plan.endpoints.filter((e) => e.host === hop.host && e.ofport !== undefined);
  const byPort = (port: number) => here.find((e) => e.ofport === port);
  const byIp = (ip: string | undefined) => plan.endpoints.find((e) => e.ip === ip);
  const rules = plan.rules[hop.host] ?? [];
  const tableName = (id: number) => plan.tables[id] ?? `table ${id}`;
  const sender = hop.arrival.kind === 'pod' ? plan.endpoints.find((e) => e.name === (hop.arrival as { pod: string }).pod) : undefined;

  const steps: ExplainedStep[] = [];
  let target: TraceEndpoint | undefined;
  let balanced: Balancing | undefined;
  let tunnelTo: string | undefined;
  let vni: number | undefined;
  let last: { step: TraceStep; explained: ExplainedStep; passIndex: number } | undefined;

  trace.passes.forEach((pass, passIndex) => {
    const packet = flowFields(pass.flow);
    const next = trace.passes[passIndex + 1];
    for (const step of pass.steps) {
      if (step.bridge !== hop.bridge) continue;
      const table = tableName(step.tableId);
      const base = { table, tableId: step.tableId, ...(step.priority !== undefined ? { priority: step.priority } : {}), match: step.match };
      const say = (text: string, extra: Partial<ExplainedStep> = {}): ExplainedStep => ({ ...base, text, ...extra });
      const has = (prefix: string) => step.actions.some((a) => a.startsWith(prefix));
      const passes = has('goto_table:');
      for (const a of step.actions) {
        const reg1 = LOAD_REG1.exec(a);
        if (reg1) target = byPort(parseInt(reg1[1], 16));
        const tun = TUN_DST.exec(a);
        if (tun) tunnelTo = tun[1];
        const id = TUN_ID.exec(a);
        if (id) vni = parseInt(id[1], 16);
      }
      let explained: ExplainedStep;
      if (step.priority === undefined) {
        explained = say('no flow matched: dropped', { verdict: 'dropped' });
      } else {
        switch (table) {
          case 'Classifier':
            if (!passes) explained = say(`dropped: port ${packet.get('in_port')} is neither a pod's nor the tunnel with a known VNI`, { verdict: 'dropped' });
            else if (/(^|,)tun_id=/.test(step.match)) explained = say(`from the tunnel (VNI ${parseInt(/tun_id=0x([0-9a-f]+)/.exec(step.match)?.[1] ?? '0', 16)}): network ${plan.network.name}`);
            else explained = say(`from ${podName(byPort(Number(packet.get('in_port'))), `port ${packet.get('in_port')}`)}: network ${plan.network.name}`);
            break;
          case 'SpoofGuard':
            explained = passes ? say(`source MAC and IP are ${podName(byPort(Number(packet.get('in_port'))), "the port's pod")}'s`) : say("dropped: the source MAC or IP is not the sending pod's own (spoof guard)", { verdict: 'dropped' });
            break;
          case 'ArpResponder':
            explained = say(passes ? 'not ARP' : step.actions.includes('IN_PORT') ? 'ARP request answered on the port it came from' : 'ARP: not answered');
            break;
          case 'Conntrack': {
            const state = next?.ctState;
            const translated = next?.nat ? `; NAT: ${describeNat(next.nat)}` : '';
            explained = say(`tracked in network ${plan.network.name}'s zone: ${state ? describeCtState(state) : 'state not simulated'}${translated}`);
            break;
          }
          case 'ConntrackState':
            if (/\+inv/.test(step.match)) explained = say('dropped: conntrack marks the packet invalid', { verdict: 'dropped' });
            else if (step.actions.some((a) => a === `goto_table:${plan.tables.indexOf('L2Forwarding')}`)) explained = say('from the tunnel: straight to L2Forwarding (the sending host balanced it and applied its egress rules)');
            else explained = say('valid');
            break;
          case 'ServiceLB':
            explained = explainServiceLb(step, packet, plan, byIp, say, (b) => (balanced = b));
            break;
          case 'EgressSecurity':
          case 'IngressSecurity': {
            const direction = table === 'EgressSecurity' ? 'egress' : 'ingress';
            const member = direction === 'egress' ? (portOf(step.match, 'in_port') !== undefined ? byPort(portOf(step.match, 'in_port')!) : sender) : target;
            explained = explainSecurity(step, direction, member, packet, rules, byIp, say);
            break;
          }
          case 'L3Rewrite': {
            const dst = /set_field:([0-9a-f:]+)->eth_dst/.exec(step.actions.join(' '))?.[1];
            explained = dst ? say(`to the gateway MAC for ${podName(plan.endpoints.find((e) => e.mac === dst), dst)}'s address: MACs rewritten as a router would`) : say('addressed to a MAC in the network: nothing to route');
            break;
          }
          case 'L2Forwarding':
            if (has('CONTROLLER')) explained = say(`unknown destination MAC ${packet.get('dl_dst')}: sent to the controller`);
            else if (tunnelTo) {
              const to = plan.hosts.find((h) => h.underlayIp === tunnelTo);
              explained = say(`to ${podName(plan.endpoints.find((e) => e.mac === packet.get('dl_dst')), packet.get('dl_dst') ?? '?')} on host ${to?.name ?? tunnelTo}: through the tunnel${vni !== undefined ? ` (VNI ${vni})` : ''}`);
            } else if (target && passes) explained = say(`to ${podName(target)} (port ${target.ofport}) on this host`);
            else if (!passes) explained = say(`dropped: no pod of network ${plan.network.name} has MAC ${packet.get('dl_dst')}`, { verdict: 'dropped' });
            else explained = say(step.actions.join(', '));
            break;
          case 'ConntrackCommit':
            explained = say(has('ct(commit') ? 'new connection committed: its replies will pass as established' : 'not a new connection: nothing to commit');
            break;
          case 'Output': {
            const out = step.actions.map((a) => OUTPUT.exec(a)).find(Boolean);
            const port = out ? Number(out[1]) : undefined;
            if (port === undefined) explained = say('dropped: no output port', { verdict: 'dropped' });
            else if (port === host?.tunnelOfport) explained = say(`into the tunnel to host ${plan.hosts.find((h) => h.underlayIp === tunnelTo)?.name ?? '?'} (${tunnelTo ?? '?'})`);
            else explained = say(`out of port ${port}: ${podName(byPort(port), 'no known pod')}`);
            break;
          }
          default:
            explained = say(step.actions.join(', ') || 'drop');
        }
      }
      steps.push(explained);
      last = { step, explained, passIndex };
      // Later tables see the packet as this one rewrote it (L3Rewrite's MACs).
      for (const a of step.actions) {
        const mac = SET_MAC.exec(a);
        if (mac) packet.set(mac[2] === 'eth_dst' ? 'dl_dst' : 'dl_src', mac[1]);
      }
    }
  });

  const finalPass = trace.passes[trace.passes.length - 1];
  const outcome = outcomeOf(last, finalPass.datapathActions, plan, host?.tunnelOfport, byPort, tunnelTo, vni);
  return { host: hop.host, flow: hop.flow, steps, outcome, ...(balanced ? { balanced } : {}), finalFlow: finalPass.finalFlow, ...(vni !== undefined ? { vni } : {}) };
}

function outcomeOf(
  last: { step: TraceStep; explained: ExplainedStep; passIndex: number } | undefined,
  datapathActions: string,
  plan: TracePlan,
  tunnelOfport: number | undefined,
  byPort: (port: number) => TraceEndpoint | undefined,
  tunnelTo: string | undefined,
  vni: number | undefined,
): HopOutcome {
  if (!last) return { kind: 'unfinished', reason: `no flow of the host's br-int was traced (datapath actions: ${datapathActions})` };
  const { step, explained } = last;
  if (/recirc\(0x[0-9a-f]+\)\s*$/.test(datapathActions) && step.actions.some((a) => GROUP.test(a))) {
    return { kind: 'unfinished', reason: `the trace stops at the select group of ${explained.table}: OVS picks its bucket by a hash it does not simulate without dp_hash` };
  }
  const output = step.actions.map((a) => OUTPUT.exec(a)).find(Boolean);
  if (output) {
    const port = Number(output[1]);
    if (port === tunnelOfport) {
      const to = plan.hosts.find((h) => h.underlayIp === tunnelTo);
      return { kind: 'tunnel', ...(to ? { host: to.name } : {}), underlayIp: tunnelTo ?? '?', ...(vni !== undefined ? { vni } : {}) };
    }
    const pod = byPort(port);
    return pod ? { kind: 'delivered', pod: pod.name, ofport: port } : { kind: 'output', port };
  }
  if (step.actions.some((a) => a.startsWith('CONTROLLER'))) return { kind: 'controller', table: explained.table, reason: explained.text };
  if (step.actions.some((a) => a.startsWith('goto_table:'))) return { kind: 'unfinished', reason: `the trace ends in ${explained.table}, which sends the packet on (datapath actions: ${datapathActions})` };
  return { kind: 'dropped', table: explained.table, cause: dropCause(explained.table), reason: explained.text.replace(/^dropped: /, '') };
}

function dropCause(table: string): DropCause {
  switch (table) {
    case 'EgressSecurity':
    case 'IngressSecurity':
      return 'security-groups';
    case 'SpoofGuard':
      return 'spoof-guard';
    case 'ConntrackState':
      return 'invalid';
    case 'ServiceLB':
      return 'no-backend';
    case 'L2Forwarding':
      return 'unknown-destination';
    case 'Classifier':
      return 'classifier';
    default:
      return 'other';
  }
}

type Say = (text: string, extra?: Partial<ExplainedStep>) => ExplainedStep;

function explainServiceLb(step: TraceStep, packet: Map<string, string>, plan: TracePlan, byIp: (ip: string | undefined) => TraceEndpoint | undefined, say: Say, balanced: (b: Balancing) => void): ExplainedStep {
  const vip = packet.get('nw_dst') ?? '?';
  const service = plan.destination.kind === 'service' && plan.destination.vip === vip ? plan.destination.service : undefined;
  const what = `VIP ${vip}${service ? ` (service ${service})` : ''}`;
  const nat = step.actions.map((a) => NAT_DST.exec(a)).find(Boolean);
  if (nat) {
    const group = step.actions.map((a) => GROUP.exec(a)).find(Boolean);
    const bucket = step.notes.map((n) => BUCKET.exec(n)).find(Boolean);
    const backend = byIp(nat[1]);
    balanced({ ...(service ? { service } : {}), vip, ...(backend ? { backend: backend.name } : {}), ip: nat[1], how: group ? 'group' : 'affinity', ...(bucket ? { bucket: Number(bucket[1]) } : {}) });
    const how = group ? `select group ${group[1]}, bucket ${bucket?.[1] ?? '?'} (this trace's dp_hash chose it; the datapath hashes each real connection)` : 'by the client address (ClientIP affinity)';
    return say(`new connection to ${what}: balanced to ${podName(backend, nat[1])} (${nat[1]}), ${how}`);
  }
  if (step.actions.some((a) => GROUP.test(a))) return say(`new connection to ${what}: to a select group, whose bucket this trace could not follow`);
  if (step.priority === 0) return say('not to a VIP');
  if (!step.actions.some((a) => a.startsWith('goto_table:'))) return say(`dropped: ${what} has no serving backend in network ${plan.network.name}, or the packet does not start a connection`, { verdict: 'dropped' });
  return say(step.actions.join(', '));
}

function explainSecurity(
  step: TraceStep,
  direction: 'egress' | 'ingress',
  member: TraceEndpoint | undefined,
  packet: Map<string, string>,
  rules: readonly CompiledRule[],
  byIp: (ip: string | undefined) => TraceEndpoint | undefined,
  say: Say,
): ExplainedStep {
  const ref = (r: CompiledRule): RuleRef => ({ kind: r.kind, group: r.group, direction: r.direction, index: r.index, description: r.description });
  const who = podName(member, 'the pod');
  if (step.conjId !== undefined) {
    const rule = rules.find((r) => r.conjId === step.conjId && r.direction === direction);
    if (!rule) return say(`allowed by conjunction ${step.conjId}, which is no ${direction} rule compiled for this host`, { verdict: 'allowed' });
    return say(`allowed by ${rule.description}`, { verdict: 'allowed', rules: [ref(rule)] });
  }
  switch (step.priority) {
    case SecurityGroupPriority.ESTABLISHED:
      return say(`allowed: ${/\+rel/.test(step.match) ? 'related to' : 'part of'} a connection that was allowed when it began (ct_state ${/ct_state=(\S+?)(,|$)/.exec(step.match)?.[1] ?? '?'})`, { verdict: 'allowed' });
    case SecurityGroupPriority.DIRECT: {
      const port = member?.ofport;
      const direct = rules.filter((r) => r.direct && r.direction === direction && port !== undefined && r.ofports.includes(port));
      if (direct.length === 0) return say(`allowed by a rule for ${who} that needs no conjunction`, { verdict: 'allowed' });
      return say(`allowed by ${direct.map((r) => r.description).join('; ')}`, { verdict: 'allowed', rules: direct.map(ref) });
    }
    case SecurityGroupPriority.ISOLATED: {
      const peerIp = packet.get(direction === 'ingress' ? 'nw_src' : 'nw_dst');
      const peer = byIp(peerIp);
      const groups = member ? (direction === 'ingress' ? member.groups : member.egressGroups) : [];
      const isolation = [groups.length ? `group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}` : '', direction === 'ingress' && member?.tenant ? `tenant ${member.tenant}` : ''].filter(Boolean).join(' and ');
      const by = direction === 'egress' ? `, which ${groups.length > 1 ? 'have' : 'has'} egress rules` : '';
      return say(
        `dropped: ${who} is in ${isolation || 'a group'}${by}; no ${direction} rule ${groups.length + (member?.tenant ? 1 : 0) > 1 ? 'of theirs' : `of ${isolation || 'it'}`} allows ${describePacket(packet)} ${direction === 'ingress' ? 'from' : 'to'} ${peerIp ?? '?'}${peer ? ` (pod ${peer.name})` : ''}`,
        { verdict: 'dropped' },
      );
    }
    case 0:
      return say(direction === 'ingress' ? `${who} is in no group or tenant: ingress is open` : `${who} is in no group with egress rules: egress is open`);
    default:
      return say(step.actions.join(', ') || 'drop');
  }
}

/** `tcp/80`, `udp/53`, `icmp type 8` — from a flow's fields. */
export function describePacket(packet: Map<string, string>): string {
  if (packet.has('icmp')) return `icmp type ${packet.get('icmp_type') ?? '?'}`;
  const proto = packet.has('tcp') ? 'tcp' : packet.has('udp') ? 'udp' : (packet.get('nw_proto') ?? 'ip');
  const port = packet.get('tp_dst') ?? packet.get(`${proto}_dst`);
  return port === undefined ? proto : `${proto}/${port}`;
}

function describeCtState(state: string): string {
  const flags = new Set(state.split('|'));
  if (flags.has('inv')) return 'invalid';
  if (flags.has('new')) return 'a new connection';
  if (flags.has('rel')) return 'related to a known connection';
  if (flags.has('est')) return 'an established connection';
  return state;
}

function describeNat(nat: { initial: string; modified: string }): string {
  const before = flowFields(nat.initial);
  const after = flowFields(nat.modified);
  const changes = [...after].filter(([k, v]) => before.get(k) !== v).map(([k, v]) => `${k} ${before.get(k)} → ${v}`);
  return changes.join(', ') || 'nothing changed';
}

function portOf(match: string, field: string): number | undefined {
  const v = flowFields(match).get(field);
  return v === undefined ? undefined : Number(v);
}

function podName(e: TraceEndpoint | undefined, otherwise = '?'): string {
  return e ? `pod ${e.name}` : otherwise;
}
