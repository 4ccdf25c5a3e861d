import type { Logger } from '../../../src/log';
import type { GroupDesc } from '../codec';
import { groupForm, type DesiredGroups } from './desired-groups';
import { describeGroup } from './describe';
import type { OpenFlowError, RejectedGroup } from './errors';
import type { Outgoing } from './outgoing';
import type { SwitchConnection } from './switch-connection';

/** What a sync did to the switch's groups. */
export interface GroupChanges {
  added: number;
  modified: number;
  deleted: number;
  /** Desired groups, now all on the switch. */
  groups: number;
}

/**
 * The group changes of one sync, to go into the flow bundle around the flow changes:
 * `before` (adds and modifies) ahead of them, so new flows can use new groups; `after`
 * (deletes) behind the flow deletes, because OVS deletes the flows that use a deleted group.
 */
export interface GroupPlan {
  before: Outgoing[];
  after: Outgoing[];
  changes: GroupChanges;
  /** Position in the desired set of each `before` message's group. */
  readonly beforeIndex: readonly number[];
  readonly afterIds: readonly number[];
  /** The desired groups, and the switch's groups the plan was made from. */
  readonly desired: DesiredGroups;
  readonly from: Forms;
}

/** Group id → form (see groupForm) of each group on a switch. */
type Forms = ReadonlyMap<number, Buffer>;

/**
 * The group half of a switch's sync, for the FlowSync that owns the switch's groups (they
 * have no cookie, so there is no telling whose a group is: all of them are ours). The
 * switch's groups are read whole (GROUP_DESC) and compared with the desired ones by form;
 * the read is skipped while the result of the last sync on this connection can be trusted,
 * as for flows, and the periodic check reads them every time (there is no count to ask for).
 *
 * OVS re-encodes groups from its own model. If it holds a group just written in a form
 * other than the one sent (an action it normalizes), the read-back after the sync records
 * that form as equivalent, so the group is not rewritten at every sync and check.
 */
export class GroupSync {
  /** Forms on the switch, known since the last sync; undefined when something may have changed them. */
  private installed: Forms | undefined;
  /** Desired form (hex) → the form OVS reports for it, where the two differ. */
  private readonly equivalent = new Map<string, Buffer>();

  constructor(
    private readonly id: string,
    private readonly log: Logger,
  ) {}

  /** Something may have changed the switch's groups (a reconnect, a promotion, an unfinished sync): read them at the next sync. */
  forget(): void {
    this.installed = undefined;
  }

  /** Reads the switch's groups unless they are known, and plans the changes that make them `desired`. */
  async plan(conn: SwitchConnection, desired: DesiredGroups, timeoutMs: number): Promise<GroupPlan> {
    const from = this.installed ?? (await this.read(conn, timeoutMs));
    const before: Outgoing[] = [];
    const beforeIndex: number[] = [];
    const changes: GroupChanges = { added: 0, modified: 0, deleted: 0, groups: desired.size };
    for (let i = 0; i < desired.size; i++) {
      const on = from.get(desired.groups[i].groupId);
      if (on && this.same(desired.form(i), on)) continue;
      before.push(desired.message(i, on ? 'modify' : 'add'));
      beforeIndex.push(i);
      changes[on ? 'modified' : 'added']++;
    }
    const afterIds = [...from.keys()].filter((id) => desired.indexOf(id) < 0);
    const after = afterIds.map((groupId): Outgoing => ({ type: 'group_mod', command: 'delete', groupId }));
    changes.deleted = after.length;
    // Unknown while the changes are in flight: `unchanged()` or `applied()` says what holds after.
    this.installed = undefined;
    return { before, after, changes, beforeIndex, afterIds, desired, from };
  }

  /** The plan was not applied (its bundle was refused, or had nothing to do): the switch holds what the plan was made from. */
  unchanged(plan: GroupPlan | undefined): void {
    if (plan) this.installed = plan.from;
  }

  /**
   * The plan's bundle was committed. When it changed groups, reads them back and learns
   * the forms OVS keeps for the groups just written. Returns false if the switch does not
   * hold exactly the desired groups (someone changed them meanwhile: sync again).
   */
  async applied(conn: SwitchConnection, plan: GroupPlan | undefined, timeoutMs: number): Promise<boolean> {
    if (!plan) return true;
    if (plan.before.length === 0 && plan.after.length === 0) {
      this.installed = plan.from;
      return true;
    }
    const { desired } = plan;
    const now = await this.read(conn, timeoutMs);
    this.installed = now;
    const written = new Set(plan.beforeIndex);
    let exact = now.size === desired.size;
    for (let i = 0; i < desired.size; i++) {
      const on = now.get(desired.groups[i].groupId);
      if (on && this.same(desired.form(i), on)) continue;
      // Only a group this sync wrote may differ because of OVS; another differing was changed behind our back.
      if (!on || !written.has(i)) exact = false;
      else {
        this.log.debug({ switch: this.id, group: desired.groups[i].groupId }, 'OVS holds the group in another form than sent; taking that form as equal');
        this.equivalent.set(desired.form(i).toString('hex'), on);
      }
    }
    this.forgetStaleForms(desired);
    return exact;
  }

  /** For the periodic check: whether the switch's groups differ from `desired` (always read, a GROUP_DESC request). */
  async drifted(conn: SwitchConnection, desired: DesiredGroups, timeoutMs: number): Promise<boolean> {
    const on = await this.read(conn, timeoutMs);
    if (on.size !== desired.size) return true;
    for (let i = 0; i < desired.size; i++) {
      const form = on.get(desired.groups[i].groupId);
      if (!form || !this.same(desired.form(i), form)) return true;
    }
    return false;
  }

  /** The groups a refused bundle's errors are about; the plan's `after` messages start at `afterOffset` in the bundle. */
  rejected(plan: GroupPlan | undefined, errors: readonly OpenFlowError[], afterOffset: number): RejectedGroup[] {
    if (!plan) return [];
    const { desired } = plan;
    return errors.flatMap((error): RejectedGroup[] => {
      const at = error.index ?? -1;
      if (at >= 0 && at < plan.before.length) {
        const index = plan.beforeIndex[at];
        const g = desired.groups[index];
        return [{ index, groupId: g.groupId, description: describeGroup(g), error }];
      }
      const groupId = plan.afterIds[at - afterOffset];
      return groupId === undefined ? [] : [{ index: undefined, groupId, description: `group_id=${groupId}`, error }];
    });
  }

  private same(desired: Buffer, on: Buffer): boolean {
    return desired.equals(on) || (this.equivalent.size > 0 && this.equivalent.get(desired.toString('hex'))?.equals(on) === true);
  }

  /** Keeps learned forms for the current desired groups only, so they do not pile up as groups change. */
  private forgetStaleForms(desired: DesiredGroups): void {
    if (this.equivalent.size === 0) return;
    const current = new Set(Array.from({ length: desired.size }, (_, i) => desired.form(i).toString('hex')));
    for (const key of this.equivalent.keys()) if (!current.has(key)) this.equivalent.delete(key);
  }

  private async read(conn: SwitchConnection, timeoutMs: number): Promise<Forms> {
    const groups: GroupDesc[] = await conn.dumpGroups({ timeoutMs });
    return new Map(groups.map((g) => [g.groupId, groupForm(g)]));
  }
}
