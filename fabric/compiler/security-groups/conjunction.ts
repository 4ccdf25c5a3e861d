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
  // Grouped first and merged once per identity: a flow shared by many rules would make pairwise merging quadratic.
  const byIdentity = new Map<string, PipelineFlow[]>();
  for (const f of flows) {
    const id = `${f.tableId}/${f.priority}/${matchKey(f.match)}`;
    const same = byIdentity.get(id);
    if (same) same.push(f);
    else byIdentity.set(id, [f]);
  }
  return [...byIdentity.entries()]
    .map(([id, same]) => [id, same.length === 1 ? same[0] : merged(same)] as const)
    .sort(([a, fa], [b, fb]) => fa.tableId - fb.tableId || fb.priority - fa.priority || (a < b ? -1 : a > b ? 1 : 0))
    .map(([, f]) => f);
}

/** Conjunction-only flows of one identity become one flow with all their conjunctions; any other duplicate must be identical. */
function merged(same: readonly PipelineFlow[]): PipelineFlow {
  const [first] = same;
  const conjunctions = same.map(conjunctionsOf);
  if (conjunctions.every((c) => c !== undefined)) {
    const actions = new Map<string, ConjunctionAction>();
    for (const c of conjunctions.flat()) actions.set(`${c!.id}/${c!.clause}/${c!.nClauses}`, c!);
    const sorted = [...actions.values()].sort((x, y) => x.id - y.id || x.clause - y.clause);
    return { ...first, instructions: [{ type: 'apply_actions', actions: sorted }] };
  }
  const text = JSON.stringify(first.instructions);
  if (same.every((f) => JSON.stringify(f.instructions) === text)) return first;
  throw new Error(`security groups built two different flows with one identity: table ${first.tableId}, priority ${first.priority}, ${matchKey(first.match)}`);
}

type ConjunctionAction = Extract<Action, { type: 'conjunction' }>;

/** The flow's actions when it carries nothing but conjunctions. */
function conjunctionsOf(f: PipelineFlow): ConjunctionAction[] | undefined {
  const [only, ...more] = f.instructions;
  return only?.type === 'apply_actions' && more.length === 0 && only.actions.every((x) => x.type === 'conjunction') ? (only.actions as ConjunctionAction[]) : undefined;
}

/** The match as text with sorted keys: equal for equal matches, whatever order they were built in. */
function matchKey(m: Match): string {
  return JSON.stringify(Object.keys(m).sort().map((k) => [k, m[k as keyof Match]]));
}
