import type { Action, Match } from '../../openflow/codec';
import { flow, type PipelineFlow } from '../../pipeline';
import { Priority, STAGES, type Direction } from './stages';

/**
 * One rule as a conjunctive match: a flow per alternative of each clause (members, peers,
 * traffic), each with `conjunction(id, k/n)`, and one `conj_id=id` flow that lets the packet
 * on. OVS lets a packet through the `conj_id` flow when it matched some flow of every
 * clause, so P peers and Q port prefixes cost P + Q flows, not P × Q.
 *
 * OVS needs at least two clauses. Clauses that match everything are left out beforehand
 * (clause-matches.ts), so a rule may be down to its members alone: it then allows
 * everything they send or receive, with one plain flow per member at DIRECT priority.
 */
export interface ConjunctiveRule {
  conjId: number;
  direction: Direction;
  /** Members first; each clause lists alternatives, none empty. */
  clauses: readonly (readonly Match[])[];
}

export function ruleFlows(rule: ConjunctiveRule): PipelineFlow[] {
  const { table, next, feature } = STAGES[rule.direction];
  const [members, ...rest] = rule.clauses;
  if (rest.length === 0) return members.map((m) => flow(table, Priority.DIRECT).match(m).goto(next).build(feature));
  const n = rule.clauses.length;
  return [
    ...rule.clauses.flatMap((alternatives, k) =>
      alternatives.map((m) => flow(table, Priority.RULE).match(m).apply({ type: 'conjunction', id: rule.conjId, clause: k + 1, nClauses: n }).build(feature)),
    ),
    flow(table, Priority.RULE).match({ conjId: rule.conjId }).goto(next).build(feature),
  ];
}

/**
 * Flows with the same (table, priority, match) as one flow: a switch holds one flow per
 * identity, so a member, peer or port shared by several rules is one flow carrying each
 * rule's conjunction action (the controller refuses duplicates). Flows that are not
 * clauses must be identical to merge; anything else is a bug here, not bad input.
 */
export function mergeFlows(flows: readonly PipelineFlow[]): PipelineFlow[] {
  const byIdentity = new Map<string, PipelineFlow>();
  for (const f of flows) {
    const id = `${f.tableId}/${f.priority}/${matchKey(f.match)}`;
    const prior = byIdentity.get(id);
    if (!prior) byIdentity.set(id, f);
    else byIdentity.set(id, merged(prior, f));
  }
  return [...byIdentity.entries()].sort(([a, fa], [b, fb]) => fa.tableId - fb.tableId || fb.priority - fa.priority || (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f);
}

function merged(a: PipelineFlow, b: PipelineFlow): PipelineFlow {
  const conjunctions = (f: PipelineFlow) => {
    const [only, ...more] = f.instructions;
    return only?.type === 'apply_actions' && more.length === 0 && only.actions.every((x) => x.type === 'conjunction') ? only.actions : undefined;
  };
  const ca = conjunctions(a);
  const cb = conjunctions(b);
  if (ca && cb) {
    const actions = new Map<string, Action>([...ca, ...cb].map((x) => [JSON.stringify(x), x]));
    const sorted = [...actions.values()].sort((x, y) => (x.type === 'conjunction' && y.type === 'conjunction' ? x.id - y.id || x.clause - y.clause : 0));
    return { ...a, instructions: [{ type: 'apply_actions', actions: sorted }] };
  }
  if (JSON.stringify(a.instructions) === JSON.stringify(b.instructions)) return a;
  throw new Error(`security groups built two different flows with one identity: table ${a.tableId}, priority ${a.priority}, ${matchKey(a.match)}`);
}

/** The match as text with sorted keys: equal for equal matches, whatever order they were built in. */
function matchKey(m: Match): string {
  return JSON.stringify(Object.keys(m).sort().map((k) => [k, m[k as keyof Match]]));
}
