import type { Mesh } from '../../../src/model/mesh';
import { CtState, type Match } from '../../openflow/codec';
import { flow, planHost, type HostView, type PipelineFlow } from '../../pipeline';
import { memberMatch, peerMatches, trafficMatches } from './clause-matches';
import { conjunctionIds } from './conjunction-ids';
import { mergeFlows, ruleFlows } from './conjunction';
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
 */
export function securityGroupFlows(mesh: Mesh, view: HostView): SecurityGroupFlows {
  const policy = securityPolicy(mesh, planHost(view));
  const ids = conjunctionIds(policy.keys);
  const flows: PipelineFlow[] = [];
  const rules: CompiledRule[] = [];
  for (const rule of policy.rules) {
    const conjId = ids.get(ruleKey(rule))!;
    const clauses = [rule.members.map((m) => memberMatch(rule.direction, m)), peerMatches(rule.direction, rule.peers), trafficMatches(rule.traffic)].filter((c) => c !== undefined);
    if (clauses.some((c) => c.length === 0)) continue;
    flows.push(...ruleFlows({ conjId, direction: rule.direction, clauses }));
    const { kind, group, direction, index, description } = rule;
    rules.push({ kind, group, direction, index, conjId, direct: clauses.length === 1, ofports: rule.members.map((m) => m.ofport).sort((a, b) => a - b), description });
  }
  for (const direction of ['egress', 'ingress'] as const) flows.push(...isolationFlows(direction, policy.isolated[direction].map((m) => memberMatch(direction, m))));
  return { flows: mergeFlows(flows), rules };
}

/** Replies and related packets pass; isolated pods' other IPv4 is dropped below the rules. */
function isolationFlows(direction: Direction, isolated: readonly Match[]): PipelineFlow[] {
  if (isolated.length === 0) return [];
  const { table, next, feature } = STAGES[direction];
  const state = (bit: number) => ({ ctState: { value: CtState.trk | bit, mask: CtState.trk | bit } });
  return [
    flow(table, Priority.ESTABLISHED).match(state(CtState.est)).goto(next).build(feature),
    flow(table, Priority.ESTABLISHED).match(state(CtState.rel)).goto(next).build(feature),
    ...isolated.map((m) => flow(table, Priority.ISOLATED).match(m).build(feature)),
  ];
}
