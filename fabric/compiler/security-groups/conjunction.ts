import type { Action } from '../../openflow/codec';
import { flow, type PipelineFlow } from '../../pipeline';
import { oncePerObject } from '../../../src/memo';
import type { Alternative } from './clause-matches';
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
  clauses: readonly (readonly Alternative[])[];
}

type ConjunctionAction = Extract<Action, { type: 'conjunction' }>;

/** A clause alternative's flow as rules add their conjunctions to it. */
interface ClauseEntry {
  direction: Direction;
  alternative: Alternative;
  conjunctions: ConjunctionAction[];
}

/** A flow that is no clause, and its instructions as text to tell a duplicate from a conflict. */
interface PlainEntry {
  flow: PipelineFlow;
  text: string;
}

/** A flow's instructions as text, made once per flow: a flow is not changed once built. */
const instructionsText = oncePerObject((f: PipelineFlow) => JSON.stringify(f.instructions));

/**
 * A host's security-group flows, collected by identity (table, priority, match), since a
 * switch holds one flow per identity: a member, peer or port shared by several rules is
 * one flow carrying each rule's conjunction action. Collecting as rules are added, rather
 * than building every rule's flows and merging them, keeps a compile linear in the clause
 * alternatives with one flow object per flow that is sent. Clause alternatives are
 * collected by object (ClauseMatches hands out one per match), their text key is made once
 * per flow.
 */
export class SecurityFlowSet {
  private readonly clauses: Record<Direction, Map<Alternative, ClauseEntry>> = { egress: new Map(), ingress: new Map() };
  private readonly plain = new Map<string, PlainEntry>();

  addRule(rule: ConjunctiveRule): void {
    const { table, next, feature } = STAGES[rule.direction];
    const [members, ...rest] = rule.clauses;
    if (rest.length === 0) {
      for (const m of members) this.addFlow(rule.direction, Priority.DIRECT, m, flow(table, Priority.DIRECT).match(m.match).goto(next).build(feature));
      return;
    }
    const nClauses = rule.clauses.length;
    const entries = this.clauses[rule.direction];
    rule.clauses.forEach((alternatives, k) => {
      const action: ConjunctionAction = { type: 'conjunction', id: rule.conjId, clause: k + 1, nClauses };
      for (const alternative of alternatives) {
        const entry = entries.get(alternative);
        if (entry) entry.conjunctions.push(action);
        else entries.set(alternative, { direction: rule.direction, alternative, conjunctions: [action] });
      }
    });
    const conj: Alternative = { key: `conj_id=${rule.conjId}`, match: { conjId: rule.conjId } };
    this.addFlow(rule.direction, Priority.RULE, conj, flow(table, Priority.RULE).match(conj.match).goto(next).build(feature));
  }

  /**
   * A flow that is no clause, under `identity`'s match at `priority`. Two such flows of one
   * identity must be identical (two rules letting one member do anything); anything else is
   * a bug here, not bad input.
   */
  addFlow(direction: Direction, priority: number, identity: Alternative, f: PipelineFlow): void {
    const key = identityKey(direction, priority, identity);
    const text = instructionsText(f);
    const known = this.plain.get(key);
    if (!known) this.plain.set(key, { flow: f, text });
    else if (known.text !== text) throw conflict(key);
  }

  /**
   * Every flow, in table order, highest priority first, then by match, and each by its
   * identity key. A flow equal to the one of its key in `previous` (an earlier compile's
   * `byIdentity`) is that same object, so the flow sync need not encode it again.
   */
  flows(previous?: ReadonlyMap<string, PipelineFlow>): { flows: PipelineFlow[]; byIdentity: Map<string, PipelineFlow> } {
    const byIdentity = new Map<string, PipelineFlow>();
    for (const [key, entry] of this.plain) {
      const before = previous?.get(key);
      byIdentity.set(key, before && instructionsText(before) === entry.text ? before : entry.flow);
    }
    for (const entry of [...this.clauses.egress.values(), ...this.clauses.ingress.values()]) {
      const key = identityKey(entry.direction, Priority.RULE, entry.alternative);
      if (byIdentity.has(key)) throw conflict(key);
      const conjunctions = sortedUnique(entry.conjunctions);
      const before = previous?.get(key);
      byIdentity.set(key, before && sameConjunctions(before, conjunctions) ? before : clauseFlow(entry, conjunctions));
    }
    const flows = [...byIdentity]
      .sort(([a, fa], [b, fb]) => fa.tableId - fb.tableId || fb.priority - fa.priority || (a < b ? -1 : a > b ? 1 : 0))
      .map(([, f]) => f);
    return { flows, byIdentity };
  }
}

function identityKey(direction: Direction, priority: number, identity: Alternative): string {
  return `${direction}/${priority}/${identity.key}`;
}

/** One flow with every rule's conjunction for this alternative. */
function clauseFlow(entry: ClauseEntry, conjunctions: ConjunctionAction[]): PipelineFlow {
  const { table, feature } = STAGES[entry.direction];
  return flow(table, Priority.RULE).match(entry.alternative.match).apply(...conjunctions).build(feature);
}

/** Each rule's conjunction once, by rule and clause. */
function sortedUnique(conjunctions: ConjunctionAction[]): ConjunctionAction[] {
  return conjunctions.sort((x, y) => x.id - y.id || x.clause - y.clause).filter((c, i, all) => i === 0 || c.id !== all[i - 1].id || c.clause !== all[i - 1].clause);
}

/** Whether `f` is a clause flow with exactly these conjunctions. */
function sameConjunctions(f: PipelineFlow, conjunctions: readonly ConjunctionAction[]): boolean {
  const [only, ...more] = f.instructions;
  if (only?.type !== 'apply_actions' || more.length > 0 || only.actions.length !== conjunctions.length) return false;
  return only.actions.every((a, i) => a.type === 'conjunction' && a.id === conjunctions[i].id && a.clause === conjunctions[i].clause && a.nClauses === conjunctions[i].nClauses);
}

function conflict(key: string): Error {
  return new Error(`security groups built two different flows with one identity (direction/priority/match): ${key}`);
}
