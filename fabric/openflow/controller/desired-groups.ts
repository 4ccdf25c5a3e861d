import { encode, Group as GroupId, type Action, type Bucket, type GroupModCommand, type GroupType } from '../codec';
import type { Flow } from './desired-flows';
import { describeGroup } from './describe';
import { InvalidGroupsError } from './errors';
import type { Outgoing } from './outgoing';

/**
 * A group as desired state: what `ovs-ofctl -O OpenFlow13 add-group` takes. Groups carry no
 * cookie, so unlike flows they cannot be told apart by owner: the one FlowSync that owns a
 * switch's groups makes it hold exactly these.
 */
export interface Group {
  groupId: number;
  groupType: GroupType;
  buckets: Bucket[];
}

/** How many desired ids an error lists before leaving the rest out. */
const IDS_SHOWN = 8;

/**
 * A group as bytes: its GROUP_MOD (add, xid 0), which holds type, id and buckets. The
 * switch's GROUP_DESC entry for a group re-encodes to the same bytes when the switch holds
 * the same group, so comparing groups is comparing forms.
 */
export function groupForm(g: Group): Buffer {
  return encode({ type: 'group_mod', xid: 0, command: 'add', groupId: g.groupId, groupType: g.groupType, buckets: g.buckets });
}

/**
 * One switch's desired groups, checked and encoded once. Building it checks the whole set
 * before anything is sent and reports every problem at once: ids outside 0..0xffffff00 or
 * used twice, groups that cannot be encoded, and flows or buckets using a group that is
 * not in the set — OVS accepts a bucket's `group:N` for a missing N, and deleting a group
 * deletes the flows that use it, so either would leave the switch off the desired state.
 */
export class DesiredGroups {
  private constructor(
    readonly groups: readonly Group[],
    private readonly forms: readonly Buffer[],
    private readonly byId: ReadonlyMap<number, number>,
  ) {}

  static build(groups: readonly Group[], flows: readonly Flow[]): DesiredGroups {
    if (!Array.isArray(groups as unknown)) throw new InvalidGroupsError([`groups: expected an array of groups, got ${typeof groups}`]);
    const problems: string[] = [];
    const byId = new Map<number, number>();
    const forms: Buffer[] = [];
    groups.forEach((g, i) => {
      if (typeof g !== 'object' || g === null) {
        problems.push(`groups[${i}]: expected a group ({ groupId, groupType, buckets }), got ${g === null ? 'null' : typeof g}`);
        return;
      }
      const id = g.groupId;
      if (!Number.isInteger(id) || id < 0 || id > GroupId.MAX) {
        problems.push(`groups[${i}].groupId: ${id} is not an integer 0..${GroupId.MAX} (larger ids are OpenFlow's ALL and ANY)`);
        return;
      }
      if (byId.has(id)) problems.push(`groups[${i}].groupId: ${id} is also groups[${byId.get(id)}]'s (one group per id)`);
      else byId.set(id, i);
      try {
        forms[i] = groupForm(g);
      } catch (err) {
        problems.push(`groups[${i}] (${describeGroup(g)}): ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    const known = describeIds([...byId.keys()]);
    const checkUses = (actions: readonly Action[] | undefined, where: string) => {
      for (const a of actions ?? []) if (a.type === 'group' && !byId.has(a.groupId)) problems.push(`${where}: group:${a.groupId} is not a desired group (${known})`);
    };
    // Only groups that encode have buckets worth looking into.
    groups.forEach((g, i) => forms[i] && g.buckets?.forEach((b, j) => checkUses(b.actions, `groups[${i}].buckets[${j}]`)));
    flows.forEach((f, i) => f.instructions?.forEach((ins) => (ins.type === 'apply_actions' || ins.type === 'write_actions') && checkUses(ins.actions, `flows[${i}]`)));
    if (problems.length) throw new InvalidGroupsError(problems);
    return new DesiredGroups(groups, forms, byId);
  }

  get size(): number {
    return this.groups.length;
  }

  /** The position of the group with this id, or -1. */
  indexOf(groupId: number): number {
    return this.byId.get(groupId) ?? -1;
  }

  form(i: number): Buffer {
    return this.forms[i];
  }

  /** The GROUP_MOD that adds group `i`, or makes an existing group with its id into it. */
  message(i: number, command: Extract<GroupModCommand, 'add' | 'modify'>): Outgoing {
    const g = this.groups[i];
    return { type: 'group_mod', command, groupId: g.groupId, groupType: g.groupType, buckets: g.buckets };
  }
}

function describeIds(ids: readonly number[]): string {
  if (ids.length === 0) return 'no groups are desired';
  const shown = ids.slice(0, IDS_SHOWN).join(', ');
  return `desired group ids: ${shown}${ids.length > IDS_SHOWN ? `, … (${ids.length} in all)` : ''}`;
}
