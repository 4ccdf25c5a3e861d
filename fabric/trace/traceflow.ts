import { explainHop, type Balancing, type ExplainedHop, type RuleRef } from './explain-trace';
import { flowFields, parseOfprotoTrace } from './parse-trace';
import { traceFlow, type TraceHop, type TracePlan, type TraceProtocol } from './trace-plan';

/**
 * The whole trace of a plan (trace-plan.ts): the first hop on the source pod's host, and,
 * when OVS sends the packet into the tunnel, the next hop on the host it goes to — the
 * packet as it left (after the service LB's DNAT and the L3 rewrite), arriving from the
 * tunnel with the network's VNI. Each hop is traced by `run` (ovs-appctl ofproto/trace on
 * that host: run-ofproto-trace.ts, or captured text in tests) and explained
 * (explain-trace.ts). A hop whose host cannot be reached from here is reported as such,
 * never guessed.
 */

export type HopRun = { text: string } | { unreachable: string };

export type RunHop = (hop: TraceHop) => Promise<HopRun>;

export type HopResult = ({ traced: true; raw: string } & ExplainedHop) | { traced: false; host: string; flow: string; unreachable: string };

export type VerdictKind = 'delivered' | 'dropped' | 'controller' | 'not-traced' | 'unknown';

export interface TraceResult {
  /** `p (host a, 10.1.0.2) → q (host b, 10.1.0.3) tcp/80`. */
  summary: string;
  hops: HopResult[];
  verdict: { kind: VerdictKind; host?: string; text: string; allowedBy: (RuleRef & { host: string })[]; balanced?: Balancing };
  warnings: string[];
}

/** More hops than this is a loop: the pipeline never sends tunnel traffic back into the tunnel. */
const MAX_HOPS = 4;

export async function traceflow(plan: TracePlan, run: RunHop): Promise<TraceResult> {
  const hops: HopResult[] = [];
  let hop: TraceHop | undefined = plan.hops[0];
  while (hop && hops.length < MAX_HOPS) {
    const ran = await run(hop);
    if ('unreachable' in ran) {
      hops.push({ traced: false, host: hop.host, flow: hop.flow, unreachable: ran.unreachable });
      break;
    }
    const explained = explainHop(plan, hop, parseOfprotoTrace(ran.text));
    hops.push({ traced: true, raw: ran.text, ...explained });
    hop = explained.outcome.kind === 'tunnel' ? nextHop(plan, explained) : undefined;
  }
  return { summary: summaryOf(plan), hops, verdict: verdictOf(plan, hops), warnings: plan.warnings };
}

/**
 * The hop after `from` sent the packet into the tunnel: on the host whose underlay
 * address it was sent to, arriving on that host's tunnel port with the VNI and the
 * addresses it left with. Undefined when no reported host has that address.
 */
export function nextHop(plan: TracePlan, from: ExplainedHop): TraceHop | undefined {
  if (from.outcome.kind !== 'tunnel') return undefined;
  const to = plan.hosts.find((h) => h.name === (from.outcome as { host?: string }).host);
  const source = plan.hosts.find((h) => h.name === from.host);
  if (!to?.tunnelOfport || !source) return undefined;
  const f = flowFields(from.finalFlow);
  const proto = (['tcp', 'udp', 'icmp'] as const).find((p) => f.has(p)) ?? plan.request.proto;
  const port = (name: string) => {
    const v = f.get(`tp_${name}`) ?? f.get(`${proto}_${name}`);
    return v === undefined ? undefined : Number(v);
  };
  const vni = from.vni ?? plan.network.vni;
  return {
    host: to.name,
    bridge: plan.hops[0].bridge,
    ...(to.vswitchdCtl ? { vswitchdCtl: to.vswitchdCtl } : {}),
    flow: traceFlow({
      inPort: to.tunnelOfport,
      tunnel: { id: vni, src: source.underlayIp, dst: to.underlayIp },
      proto: proto as TraceProtocol,
      dlSrc: f.get('dl_src')!,
      dlDst: f.get('dl_dst')!,
      nwSrc: f.get('nw_src')!,
      nwDst: f.get('nw_dst')!,
      ttl: Number(f.get('nw_ttl') ?? 64),
      sport: port('src'),
      dport: port('dst'),
      ...(proto === 'icmp' ? { icmp: { type: Number(f.get('icmp_type') ?? 8), code: Number(f.get('icmp_code') ?? 0) } } : {}),
    }),
    arrival: { kind: 'tunnel', from: from.host, vni },
  };
}

function summaryOf(plan: TracePlan): string {
  const { source: s, destination: d, request: r } = plan;
  const to = d.kind === 'pod' ? `${d.pod.name} (host ${d.pod.host}, ${d.pod.ip})` : `service ${d.service} (VIP ${d.vip})`;
  const what = r.proto === 'icmp' ? 'icmp echo request' : `${r.proto}/${r.dport} from port ${r.sport}`;
  return `${s.name} (host ${s.host}, ${s.ip}) → ${to} ${what}`;
}

function verdictOf(plan: TracePlan, hops: readonly HopResult[]): TraceResult['verdict'] {
  const traced = hops.filter((h): h is Extract<HopResult, { traced: true }> => h.traced);
  const allowedBy = traced.flatMap((h) => h.steps.flatMap((s) => (s.verdict === 'allowed' ? (s.rules ?? []).map((r) => ({ ...r, host: h.host })) : [])));
  const balanced = traced.map((h) => h.balanced).find(Boolean);
  const common = { allowedBy, ...(balanced ? { balanced } : {}) };
  const last = hops[hops.length - 1];
  if (!last) return { kind: 'unknown', text: 'nothing was traced', ...common };
  if (!last.traced) return { kind: 'not-traced', host: last.host, text: `not traced on host ${last.host}: ${last.unreachable}`, ...common };
  const o = last.outcome;
  switch (o.kind) {
    case 'delivered': {
      const pod = plan.endpoints.find((e) => e.name === o.pod);
      return { kind: 'delivered', host: last.host, text: `delivered to pod ${o.pod}${pod ? ` (${pod.ip})` : ''} on host ${last.host}`, ...common };
    }
    case 'dropped': {
      const by = o.cause === 'security-groups' ? 'by security groups' : o.cause === 'spoof-guard' ? 'by the spoof guard' : `in ${o.table}`;
      return { kind: 'dropped', host: last.host, text: `dropped on host ${last.host} ${by}: ${o.reason}`, ...common };
    }
    case 'controller':
      return { kind: 'controller', host: last.host, text: `sent to the controller from ${o.table} on host ${last.host}: ${o.reason}`, ...common };
    case 'tunnel':
      return { kind: 'unknown', host: last.host, text: `sent into the tunnel to ${o.host ? `host ${o.host}` : o.underlayIp}, ${o.host ? 'which did not report its tunnel port' : 'which is no reported host'}`, ...common };
    case 'output':
      return { kind: 'unknown', host: last.host, text: `output to port ${o.port} on host ${last.host}, which is no pod of network ${plan.network.name}`, ...common };
    case 'unfinished':
      return { kind: 'unknown', host: last.host, text: `on host ${last.host}: ${o.reason}`, ...common };
  }
}
