import { readActions, writeActions, type Action } from '../actions';
import { OpenFlowEncodeError } from '../errors';
import { Group, Port } from '../ports';
import type { Reader } from '../reader';
import { wireValue, type Writer } from '../writer';

export const GroupModCommand = { add: 0, modify: 1, delete: 2 } as const;
export type GroupModCommand = keyof typeof GroupModCommand;
const COMMAND_NAMES = Object.keys(GroupModCommand) as GroupModCommand[];

/** all: every bucket; select: one by weight; indirect: the single bucket; fast_failover: the first live one. */
export const GroupType = { all: 0, select: 1, indirect: 2, fast_failover: 3 } as const;
export type GroupType = keyof typeof GroupType;
const TYPE_NAMES = Object.keys(GroupType) as GroupType[];

export interface Bucket {
  /** Share of traffic in a select group; 0 elsewhere. */
  weight?: number;
  /** Port/group whose liveness decides a fast-failover bucket; ANY elsewhere. */
  watchPort?: number;
  watchGroup?: number;
  actions: Action[];
}

/** OFPT_GROUP_MOD. Deleting `Group.ALL` removes every group. */
export interface GroupMod {
  type: 'group_mod';
  xid: number;
  command: GroupModCommand;
  groupType: GroupType;
  groupId: number;
  buckets: Bucket[];
}
export type GroupModInput = Omit<GroupMod, 'buckets' | 'groupType'> & { buckets?: Bucket[]; groupType?: GroupType };

export function writeBuckets(w: Writer, buckets: readonly Bucket[] | undefined, what: string): void {
  if (buckets === undefined) return;
  if (!Array.isArray(buckets)) throw new OpenFlowEncodeError(what, 'expected an array of buckets');
  buckets.forEach((b, i) => {
    const at = `${what}[${i}]`;
    const start = w.pos;
    w.u16(0, at);
    w.u16(b.weight ?? 0, `${at}.weight`);
    w.u32(b.watchPort ?? Port.ANY, `${at}.watchPort`);
    w.u32(b.watchGroup ?? Group.ANY, `${at}.watchGroup`);
    w.zeros(4);
    writeActions(w, b.actions, `${at}.actions`);
    w.patch16(start, w.pos - start, at);
  });
}

export function readBuckets(r: Reader): Bucket[] {
  const buckets: Bucket[] = [];
  while (r.pos < r.end) {
    const at = r.pos;
    const len = r.u16('bucket length');
    if (len < 16) r.failAt(at, 'bucket length of at least 16', `${len}`);
    const outer = r.enter(len - 2, 'bucket');
    const weight = r.u16('bucket weight');
    const watchPort = r.u32('bucket watch_port');
    const watchGroup = r.u32('bucket watch_group');
    r.skip(4, 'bucket padding');
    buckets.push({ weight, watchPort, watchGroup, actions: readActions(r) });
    r.leave(outer, 'bucket');
  }
  return buckets;
}

export function writeGroupType(w: Writer, t: GroupType | undefined, what: string): void {
  w.u8(wireValue(GroupType, t ?? 'all', what), what);
}

export function readGroupType(r: Reader): GroupType {
  const at = r.pos;
  const t = TYPE_NAMES[r.u8('group type')];
  if (t === undefined) r.failAt(at, 'group type 0..3', `${r.buf[at]}`);
  return t;
}

export function writeGroupMod(w: Writer, m: GroupModInput): void {
  w.u16(wireValue(GroupModCommand, m.command, 'group_mod.command'), 'group_mod.command');
  writeGroupType(w, m.groupType, 'group_mod.groupType');
  w.zeros(1);
  w.u32(m.groupId, 'group_mod.groupId');
  writeBuckets(w, m.buckets, 'group_mod.buckets');
}

export function readGroupMod(r: Reader, xid: number): GroupMod {
  const at = r.pos;
  const command = COMMAND_NAMES[r.u16('group_mod command')];
  if (command === undefined) r.failAt(at, 'group_mod command 0..2', `${r.buf.readUInt16BE(at)}`);
  const groupType = readGroupType(r);
  r.skip(1, 'padding');
  const groupId = r.u32('group_id');
  return { type: 'group_mod', xid, command, groupType, groupId, buckets: readBuckets(r) };
}
