import type { Mesh } from '../../src/model/mesh';
import { portRangeOf, ruleOf, type PortRange } from '../../src/model/security-group';
import { indexSecurityGroups } from '../../src/model/security-group-members';
import { SecurityGroupPriority, type CompiledRule, type RuleIdentity } from '../compiler/security-groups';
import { describeExport, describePeer, describeTraffic } from '../compiler/security-groups/describe';
import type { FlowCounters } from '../openflow/controller';
import { tableId } from '../pipeline';

/**
 * Per-rule hit counts: how many packets each security-group rule let through — new
 * connections (and their retransmitted first packets): replies and established traffic
 * pass above the rules. Pure: the model, each host's compiled rules (hostState) and the
 * counters of its EgressSecurity and IngressSecurity flows (FlowSync.flowStats) in; the
 * controller does the reading (src/daemon/fabric-controller.ts).
 *
 * A conjunctive rule's hits are the packet count of its `conj_id=N` flow. A rule that
 * needs no conjunction (`direct`) is counted on its members' DIRECT-priority flows; two
 * such rules of one member share those flows, so each shows their sum (`sharedWith`).
 */

export interface RuleStat extends RuleIdentity {
  description: string;
  /** Packets summed over the counted hosts; null when nothing could be counted. */
  hits: number | null;
  /** Hosts where the rule has flows, and its packets there. */
  byHost: Record<string, number>;
  /** Other rules counted on the same flows (direct rules of a common member), by label. */
  sharedWith?: string[];
}

export interface SecurityGroupStats {
  /** False when no counter could be read (no OpenFlow controller, no switch connected). */
  available: boolean;
  /** Why hits are not available, or not complete. */
  reason?: string;
  counted: string[];
  /** Hosts whose counters are not in the sums, with why. */
  missing: { host: string; reason: string }[];
  rules: RuleStat[];
}

/** One host's compiled rules and the counters of its two security tables. */
export interface HostCounters {
  host: string;
  rules: readonly CompiledRule[];
  counters: readonly FlowCounters[];
}

export function ruleKey(r: RuleIdentity): string {
  return `${r.kind}/${r.group}/${r.direction}/${r.index}`;
}

/** How a rule is named within its group, as the resource spells it: `ingress[0]`, `exports[1] egress`; a tenant's: `ingress`. */
export function ruleLabel(r: RuleIdentity): string {
  if (r.kind === 'tenant') return r.direction;
  if (r.kind === 'export') return `exports[${r.index}] ${r.direction}`;
  return `${r.direction}[${r.index}]`;
}

/** Each compiled rule's packets on one host, by ruleKey. */
export function ruleHits(rules: readonly CompiledRule[], counters: readonly FlowCounters[]): Map<string, { packets: number; sharedWith: string[] }> {
  const hits = new Map<string, { packets: number; sharedWith: string[] }>();
  const table = (r: CompiledRule) => tableId(r.direction === 'egress' ? 'EgressSecurity' : 'IngressSecurity');
  const memberPort = (c: FlowCounters, r: CompiledRule) => {
    const m = r.direction === 'egress' ? c.match.inPort : c.match.reg1;
    return typeof m === 'number' ? m : undefined;
  };
  for (const rule of rules) {
    const mine = rule.direct
      ? counters.filter((c) => c.tableId === table(rule) && c.priority === SecurityGroupPriority.DIRECT && rule.ofports.includes(memberPort(c, rule) ?? -1))
      : counters.filter((c) => c.tableId === table(rule) && c.match.conjId === rule.conjId);
    const sharedWith = rule.direct ? rules.filter((o) => o !== rule && o.direct && o.direction === rule.direction && o.ofports.some((p) => rule.ofports.includes(p))).map((o) => `${o.group} ${ruleLabel(o)}`) : [];
    hits.set(ruleKey(rule), { packets: mine.reduce((sum, c) => sum + Number(c.packets), 0), sharedWith });
  }
  return hits;
}

/**
 * Every rule of the mesh's groups and tenants, with its hits summed over `hosts`. A rule
 * with flows on no counted host has 0 hits (it let nothing through there); with nothing
 * counted at all, hits are null. Rows: groups by name, each rule in resource order
 * (ingress, egress, exports as their ingress and — where compiled — egress halves), then
 * tenants.
 */
export function securityGroupStats(mesh: Mesh, hosts: readonly HostCounters[], missing: SecurityGroupStats['missing'], unavailable?: string): SecurityGroupStats {
  const compiled = new Map<string, CompiledRule>();
  const totals = new Map<string, { byHost: Record<string, number>; sharedWith: Set<string> }>();
  for (const h of hosts) {
    for (const [key, hit] of ruleHits(h.rules, h.counters)) {
      const t = totals.get(key) ?? { byHost: {}, sharedWith: new Set<string>() };
      t.byHost[h.host] = hit.packets;
      hit.sharedWith.forEach((s) => t.sharedWith.add(s));
      totals.set(key, t);
    }
    for (const r of h.rules) if (!compiled.has(ruleKey(r))) compiled.set(ruleKey(r), r);
  }
  const available = unavailable === undefined && hosts.length > 0;
  const rules = modelRules(mesh, compiled).map((r): RuleStat => {
    const t = totals.get(ruleKey(r));
    const hits = available ? Object.values(t?.byHost ?? {}).reduce((a, b) => a + b, 0) : null;
    return { ...r, hits, byHost: t?.byHost ?? {}, ...(t?.sharedWith.size ? { sharedWith: [...t.sharedWith].sort() } : {}) };
  });
  const reason = unavailable ?? (hosts.length === 0 ? 'no host’s br-int is connected to this control plane’s OpenFlow controller' : missing.length ? `not counted: ${missing.map((m) => `host ${m.host} (${m.reason})`).join(', ')}` : undefined);
  return { available, ...(reason ? { reason } : {}), counted: hosts.map((h) => h.host), missing, rules };
}

/** The rules the mesh defines, described as the compiler describes them (its own text when some host compiled the rule). */
function modelRules(mesh: Mesh, compiled: ReadonlyMap<string, CompiledRule>): (RuleIdentity & { description: string })[] {
  const out: (RuleIdentity & { description: string })[] = [];
  const add = (identity: RuleIdentity, fallback: string, always = true) => {
    const c = compiled.get(ruleKey(identity));
    if (c || always) out.push({ ...identity, description: c?.description ?? fallback });
  };
  const groups = Object.values(mesh.securityGroups).sort((a, b) => compare(a.name, b.name));
  for (const g of groups) {
    for (const direction of ['ingress', 'egress'] as const) {
      g[direction]?.forEach((raw, index) => {
        const r = ruleOf(raw);
        const ports = r.ports?.map((p) => portRangeOf(p)).filter((p): p is PortRange => !('error' in p));
        const traffic = describeTraffic({ protocol: r.protocol, ...(ports ? { ports } : {}), ...(r.icmp ? { icmp: r.icmp } : {}) });
        add({ kind: 'rule', group: g.name, direction, index }, `group ${g.name} ${direction}[${index}]: ${traffic} ${direction === 'ingress' ? 'from' : 'to'} ${r.peers.map(describePeer).join(', ')}`);
      });
    }
    g.exports?.forEach((exp, index) => {
      add({ kind: 'export', group: g.name, direction: 'ingress', index }, `group ${g.name} exports[${index}]: ${describeExport(exp)}, into the exported endpoints`);
      // The egress half exists only for target members that are egress-isolated.
      add({ kind: 'export', group: g.name, direction: 'egress', index }, '', false);
    });
  }
  for (const tenant of indexSecurityGroups(mesh).tenants.keys()) add({ kind: 'tenant', group: tenant, direction: 'ingress', index: 0 }, `tenant ${tenant}: ingress from its own endpoints`);
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
