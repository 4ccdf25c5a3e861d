import type { Mesh } from '../../../src/model/mesh';
import { CtState } from '../../openflow/codec';
import { flow, planHost, type HostView, type PipelineFlow } from '../../pipeline';
import { ClauseMatches, type Alternative } from './clause-matches';
import { conjunctionIds } from './conjunction-ids';
import { SecurityFlowSet } from './conjunction';
import { ruleKey, securityPolicy, type RuleIdentity } from './policy';
import { Priority, STAGES, type Direction } from './stages';

/**
 * One rule as compiled on one host: how to map its flows' statistics and a trace back to
 * the resource (`group web ingress[0]: tcp 80 from group frontend`).
 */
export interface CompiledRule extends RuleIdentity {
  /**
   * The rule's conjunction id, the same on every host and kept while the rule is: the
   * packet count of the `conj_id=N` flow in the direction's table is the rule's hits.
   */
  conjId: number;
  /**
   * True when the rule needed no conjunction (any protocol, from or to anywhere): there is
   * no `conj_id` flow, and its hits are counted on the DIRECT-priority flow of each member
   * port (`ip,in_port=P` for egress, `ip,reg1=P` for ingress), shared with any other such
   * rule of that member.
   */
  direct: boolean;
  /** The pods here the rule applies to, by OpenFlow port. */
  ofports: number[];
  description: string;
}

export interface SecurityGroupFlows {
  /** EgressSecurity and IngressSecurity flows above the pipeline's priority-0 pass-through, owned by Feature.EgressSecurity / IngressSecurity. */
  flows: PipelineFlow[];
  /** One per rule that has flows here. */
  rules: CompiledRule[];
  /** The flows by identity (table, priority, match) as a key: what a later compile reuses (see `previous`). */
  byIdentity: ReadonlyMap<string, PipelineFlow>;
}

/**
 * The security-group flows of one host: pure, from the model and the host's view
 * (`hostViewFromMesh`; throws InvalidViewError for an invalid view, like hostFlows). The
 * mesh is expected to be valid (applyResources checked it); anything it cannot resolve
 * allows nothing rather than everything.
 *
 * Count per direction: 2 (+est, +rel) + one drop per isolated pod here, when any, plus per
 * rule m + p + q + 1 (members here, peer addresses, port prefixes, the conj_id flow; a
 * clause that matches everything counts 0), less flows rules share; a rule down to its
 * members is m flows.
 *
 * `previous`: this host's last result. Flows that come out equal to one there are that
 * same object (what the flow sync then does not encode again), and a result equal to it is
 * `previous` itself; nothing else depends on it.
 */
export function securityGroupFlows(mesh: Mesh, view: HostView, previous?: SecurityGroupFlows): SecurityGroupFlows {
  const policy = securityPolicy(mesh, planHost(view));
  const ids = conjunctionIds(policy.keys);
  const matches = new ClauseMatches();
  const flows = new SecurityFlowSet();
  const rules: CompiledRule[] = [];
  for (const rule of policy.rules) {
    const conjId = ids.get(ruleKey(rule))!;
    const clauses = [rule.members.map((m) => matches.member(rule.direction, m)), matches.peers(rule.direction, rule.peers), matches.traffic(rule.traffic)].filter((c) => c !== undefined);
    if (clauses.some((c) => c.length === 0)) continue;
    flows.addRule({ conjId, direction: rule.direction, clauses });
    const { kind, group, direction, index, description } = rule;
    rules.push({ kind, group, direction, index, conjId, direct: clauses.length === 1, ofports: rule.members.map((m) => m.ofport).sort((a, b) => a - b), description });
  }
  for (const direction of ['egress', 'ingress'] as const) {
    addIsolation(flows, direction, policy.isolated[direction].map((m) => matches.member(direction, m)));
  }
  const result = { ...flows.flows(previous?.byIdentity), rules };
  return previous && unchanged(previous, result) ? previous : result;
}

function unchanged(previous: SecurityGroupFlows, now: SecurityGroupFlows): boolean {
  return now.flows.length === previous.flows.length && now.flows.every((f, i) => f === previous.flows[i]) && JSON.stringify(now.rules) === JSON.stringify(previous.rules);
}

/** Replies and related packets pass; isolated pods' other IPv4 is dropped below the rules. */
function addIsolation(flows: SecurityFlowSet, direction: Direction, isolated: readonly Alternative[]): void {
  if (isolated.length === 0) return;
  const { table, next, feature } = STAGES[direction];
  for (const [name, bit] of [['est', CtState.est], ['rel', CtState.rel]] as const) {
    const state = { key: `ct_state=+${name}+trk`, match: { ctState: { value: CtState.trk | bit, mask: CtState.trk | bit } } };
    flows.addFlow(direction, Priority.ESTABLISHED, state, flow(table, Priority.ESTABLISHED).match(state.match).goto(next).build(feature));
  }
  for (const m of isolated) flows.addFlow(direction, Priority.ISOLATED, m, flow(table, Priority.ISOLATED).match(m.match).build(feature));
}
