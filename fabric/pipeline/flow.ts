import { Port, type Action, type FieldAssignment, type Instruction, type Match } from '../openflow/codec';
import { loadReg, matchReg, type RegField } from './registers';
import { tableId, tableName, type TableName } from './tables';

/**
 * Who owns a flow. The controller can sync each feature as its own cookie owner, so
 * replacing one feature's flows never touches another's. Each extension-point table's
 * pass-through flow belongs to the feature that will fill the table: when security groups
 * or service load balancing arrive, their flows replace it under the same owner.
 */
export const Feature = {
  Overlay: 'overlay',
  Conntrack: 'conntrack',
  ServiceLB: 'service-lb',
  EgressSecurity: 'egress-security',
  IngressSecurity: 'ingress-security',
} as const;
export type Feature = (typeof Feature)[keyof typeof Feature];

/**
 * One flow as desired state: what a FLOW_MOD add carries, less the cookie (the
 * controller's flow sync derives it from the content and the owner). Its identity on a
 * switch is (tableId, priority, match). Assignable to the controller's `Flow`.
 */
export interface PipelineFlow {
  readonly feature: Feature;
  readonly tableId: number;
  readonly priority: number;
  readonly match: Match;
  readonly instructions: Instruction[];
}

/**
 * A fluent, immutable flow builder: every call returns a new builder, so partial flows
 * can be shared and extended. `build` checks what OpenFlow would refuse later (a
 * `goto_table` that does not go forward).
 */
export class FlowBuilder {
  private constructor(
    private readonly table: TableName,
    private readonly prio: number,
    private readonly fields: Match,
    private readonly actions: readonly Action[],
    private readonly next: TableName | undefined,
  ) {}

  static in(table: TableName, priority: number): FlowBuilder {
    tableId(table);
    if (!Number.isInteger(priority) || priority < 0 || priority > 0xffff) throw new RangeError(`priority ${priority} is not 0..65535`);
    return new FlowBuilder(table, priority, {}, [], undefined);
  }

  /** Adds match fields (later keys win). */
  match(fields: Match): FlowBuilder {
    return new FlowBuilder(this.table, this.prio, { ...this.fields, ...fields }, this.actions, this.next);
  }

  /** Matches register field `f` holding `value`. */
  matchReg(f: RegField, value: number): FlowBuilder {
    return new FlowBuilder(this.table, this.prio, matchReg(this.fields, f, value), this.actions, this.next);
  }

  /** Appends actions to the flow's apply-actions list. */
  apply(...actions: Action[]): FlowBuilder {
    return new FlowBuilder(this.table, this.prio, this.fields, [...this.actions, ...actions], this.next);
  }

  loadReg(f: RegField, value: number): FlowBuilder {
    return this.apply(loadReg(f, value));
  }

  setField(assignment: FieldAssignment): FlowBuilder {
    return this.apply({ type: 'set_field', ...assignment });
  }

  output(port: number, maxLen?: number): FlowBuilder {
    return this.apply(maxLen === undefined ? { type: 'output', port } : { type: 'output', port, maxLen });
  }

  /** A PACKET_IN carrying the first `maxLen` bytes; the switch keeps no buffer. */
  toController(maxLen: number): FlowBuilder {
    return this.output(Port.CONTROLLER, maxLen);
  }

  goto(table: TableName): FlowBuilder {
    return new FlowBuilder(this.table, this.prio, this.fields, this.actions, table);
  }

  build(feature: Feature): PipelineFlow {
    const id = tableId(this.table);
    const instructions: Instruction[] = [];
    if (this.actions.length > 0) instructions.push({ type: 'apply_actions', actions: [...this.actions] });
    if (this.next !== undefined) {
      const next = tableId(this.next);
      if (next <= id) throw new RangeError(`${this.table} cannot go to ${this.next}: goto_table must go to a later table (${tableName(next)} is ${next}, ${this.table} is ${id})`);
      instructions.push({ type: 'goto_table', tableId: next });
    }
    return { feature, tableId: id, priority: this.prio, match: { ...this.fields }, instructions };
  }
}

/** Starts a flow in `table` at `priority`. */
export function flow(table: TableName, priority: number): FlowBuilder {
  return FlowBuilder.in(table, priority);
}
