import { OpenFlowEncodeError } from './errors';
import { FIELD_BY_NAME } from './fields';
import type { FieldName, FieldValue, RawOxm } from './match-types';
import { NX_VENDOR_ID, skipPadding } from './nicira';
import { readNicira, writeNicira, type NiciraAction } from './nicira-actions';
import { readEntry, writeEntry, writeRaw } from './oxm';
import { Port } from './ports';
import type { Reader } from './reader';
import type { Writer } from './writer';

/** OpenFlow 1.3 actions (`ofp_action_*`), plus the Nicira extensions OVS needs. */

export const ActionType = {
  OUTPUT: 0,
  COPY_TTL_OUT: 11,
  COPY_TTL_IN: 12,
  SET_MPLS_TTL: 15,
  DEC_MPLS_TTL: 16,
  PUSH_VLAN: 17,
  POP_VLAN: 18,
  PUSH_MPLS: 19,
  POP_MPLS: 20,
  SET_QUEUE: 21,
  GROUP: 22,
  SET_NW_TTL: 23,
  DEC_NW_TTL: 24,
  SET_FIELD: 25,
  PUSH_PBB: 26,
  POP_PBB: 27,
  EXPERIMENTER: 0xffff,
} as const;

export interface Output {
  type: 'output';
  port: number;
  /** Bytes to send to CONTROLLER; defaults to ControllerMaxLen.NO_BUFFER there, 0 elsewhere. */
  maxLen?: number;
}

/** A field and a value of its type: `{ field: 'tunDst', value: '192.168.0.10' }`. */
export type FieldAssignment = { [K in FieldName]: { field: K; value: FieldValue<K> } }[FieldName];

/** OFPAT_SET_FIELD. `raw` carries a field this codec has no name for. */
export type SetField = ({ type: 'set_field' } & FieldAssignment) | { type: 'set_field'; raw: RawOxm };

export type StandardAction =
  | Output
  | { type: 'copy_ttl_out' }
  | { type: 'copy_ttl_in' }
  | { type: 'set_mpls_ttl'; ttl: number }
  | { type: 'dec_mpls_ttl' }
  | { type: 'push_vlan'; ethertype?: number }
  | { type: 'pop_vlan' }
  | { type: 'push_mpls'; ethertype: number }
  | { type: 'pop_mpls'; ethertype: number }
  | { type: 'set_queue'; queueId: number }
  | { type: 'group'; groupId: number }
  | { type: 'set_nw_ttl'; ttl: number }
  | { type: 'dec_nw_ttl' }
  | SetField
  | { type: 'push_pbb'; ethertype: number }
  | { type: 'pop_pbb' };

/** An experimenter action this codec has no model for; `data` follows the experimenter id. */
export interface ExperimenterAction {
  type: 'experimenter';
  experimenter: number;
  data: Buffer;
}

export type Action = StandardAction | NiciraAction | ExperimenterAction;

/** Nested action lists (ct's) are bounded so hostile input cannot exhaust the stack. */
export const MAX_ACTION_DEPTH = 8;

export function writeActions(w: Writer, actions: readonly Action[] | undefined, what: string): void {
  if (actions === undefined) return;
  if (!Array.isArray(actions)) throw new OpenFlowEncodeError(what, 'expected an array of actions');
  for (let i = 0; i < actions.length; i++) writeAction(w, actions[i], what);
}

function writeAction(w: Writer, a: Action, what: string): void {
  const start = w.pos;
  const at = `${what}: ${a?.type}`;
  switch (a?.type) {
    case 'output':
      head(w, ActionType.OUTPUT);
      w.u32(a.port, `${at}.port`);
      w.u16(a.maxLen ?? (a.port === Port.CONTROLLER ? 0xffff : 0), `${at}.maxLen`);
      w.zeros(6);
      break;
    case 'copy_ttl_out':
    case 'copy_ttl_in':
    case 'dec_mpls_ttl':
    case 'pop_vlan':
    case 'dec_nw_ttl':
    case 'pop_pbb':
      head(w, BARE[a.type]);
      w.zeros(4);
      break;
    case 'set_mpls_ttl':
    case 'set_nw_ttl':
      head(w, a.type === 'set_mpls_ttl' ? ActionType.SET_MPLS_TTL : ActionType.SET_NW_TTL);
      w.u8(a.ttl, `${at}.ttl`);
      w.zeros(3);
      break;
    case 'push_vlan':
    case 'push_mpls':
    case 'pop_mpls':
    case 'push_pbb':
      head(w, ETHERTYPE[a.type]);
      w.u16(a.type === 'push_vlan' ? (a.ethertype ?? 0x8100) : a.ethertype, `${at}.ethertype`);
      w.zeros(2);
      break;
    case 'set_queue':
      head(w, ActionType.SET_QUEUE);
      w.u32(a.queueId, `${at}.queueId`);
      break;
    case 'group':
      head(w, ActionType.GROUP);
      w.u32(a.groupId, `${at}.groupId`);
      break;
    case 'set_field':
      head(w, ActionType.SET_FIELD);
      writeAssignment(w, a, `${at}`, false);
      w.pad8(start);
      break;
    case 'experimenter':
      head(w, ActionType.EXPERIMENTER);
      w.u32(a.experimenter, `${at}.experimenter`);
      w.bytes(a.data, `${at}.data`);
      if ((w.pos - start) % 8) throw new OpenFlowEncodeError(`${at}.data`, 'length must make the action a multiple of 8 bytes (data.length % 8 === 0)');
      break;
    default:
      head(w, ActionType.EXPERIMENTER);
      if (typeof a !== 'object' || a === null || !writeNicira(w, a as NiciraAction, at, writeActions)) {
        throw new OpenFlowEncodeError(what, `unknown action type ${JSON.stringify((a as { type?: unknown })?.type)}`);
      }
  }
  w.patch16(start + 2, w.pos - start, at);
}

function head(w: Writer, type: number): void {
  w.u16(type, 'action type');
  w.u16(0, 'action length');
}

const BARE = {
  copy_ttl_out: ActionType.COPY_TTL_OUT,
  copy_ttl_in: ActionType.COPY_TTL_IN,
  dec_mpls_ttl: ActionType.DEC_MPLS_TTL,
  pop_vlan: ActionType.POP_VLAN,
  dec_nw_ttl: ActionType.DEC_NW_TTL,
  pop_pbb: ActionType.POP_PBB,
} as const;

const ETHERTYPE = {
  push_vlan: ActionType.PUSH_VLAN,
  push_mpls: ActionType.PUSH_MPLS,
  pop_mpls: ActionType.POP_MPLS,
  push_pbb: ActionType.PUSH_PBB,
} as const;

/**
 * Writes the single OXM entry of set_field (OpenFlow 1.3 header) or reg_load2 (`nxm`:
 * the NXM header). A masked-out value would set nothing, which is refused.
 */
export function writeAssignment(w: Writer, a: FieldAssignment | { raw: RawOxm }, what: string, nxm: boolean): void {
  const before = w.pos;
  if ('raw' in a && a.raw !== undefined) {
    writeRaw(w, a.raw, `${what}.raw`);
    return;
  }
  const { field, value } = a as FieldAssignment;
  const spec = FIELD_BY_NAME.get(field);
  if (!spec) throw new OpenFlowEncodeError(`${what}.field`, `unknown field ${JSON.stringify(field)}`);
  writeEntry(w, spec, nxm ? spec.nxmHeader : spec.header, value, `${what}.value`);
  if (w.pos === before) throw new OpenFlowEncodeError(`${what}.value`, 'a zero mask sets nothing');
}

/** Reads the OXM entry of set_field or reg_load2, skipping the padding after it. */
export function readAssignment(r: Reader): FieldAssignment | { raw: RawOxm } {
  const entry = readEntry(r);
  skipPadding(r, 'field');
  return entry.spec === null ? { raw: entry.raw } : ({ field: entry.spec.name, value: entry.value } as FieldAssignment);
}

export function readActions(r: Reader, depth = 0): Action[] {
  if (depth > MAX_ACTION_DEPTH) r.fail(`action lists nested at most ${MAX_ACTION_DEPTH} deep`);
  const actions: Action[] = [];
  while (r.pos < r.end) actions.push(readAction(r, depth));
  return actions;
}

function fixed(r: Reader, len: number, want: number, name: string, at: number): void {
  if (len !== want) r.failAt(at, `${name} action of ${want} bytes`, `${len}`);
}

function readAction(r: Reader, depth: number): Action {
  const at = r.pos;
  const type = r.u16('action type');
  const len = r.u16('action length');
  if (len < 8 || len % 8) r.failAt(at + 2, 'action length that is a multiple of 8, at least 8', `${len}`);
  const outer = r.enter(len - 4, 'action');
  let a: Action;
  switch (type) {
    case ActionType.OUTPUT: {
      fixed(r, len, 16, 'output', at);
      const port = r.u32('output port');
      a = { type: 'output', port, maxLen: r.u16('output max_len') };
      r.skip(6, 'output padding');
      break;
    }
    case ActionType.COPY_TTL_OUT:
    case ActionType.COPY_TTL_IN:
    case ActionType.DEC_MPLS_TTL:
    case ActionType.POP_VLAN:
    case ActionType.DEC_NW_TTL:
    case ActionType.POP_PBB: {
      const name = BARE_NAME[type];
      fixed(r, len, 8, name, at);
      r.skip(4, 'padding');
      a = { type: name };
      break;
    }
    case ActionType.SET_MPLS_TTL:
    case ActionType.SET_NW_TTL: {
      fixed(r, len, 8, 'set ttl', at);
      a = { type: type === ActionType.SET_MPLS_TTL ? 'set_mpls_ttl' : 'set_nw_ttl', ttl: r.u8('ttl') };
      r.skip(3, 'padding');
      break;
    }
    case ActionType.PUSH_VLAN:
    case ActionType.PUSH_MPLS:
    case ActionType.POP_MPLS:
    case ActionType.PUSH_PBB: {
      const name = ETHERTYPE_NAME[type];
      fixed(r, len, 8, name, at);
      a = { type: name, ethertype: r.u16('ethertype') };
      r.skip(2, 'padding');
      break;
    }
    case ActionType.SET_QUEUE:
      fixed(r, len, 8, 'set_queue', at);
      a = { type: 'set_queue', queueId: r.u32('queue id') };
      break;
    case ActionType.GROUP:
      fixed(r, len, 8, 'group', at);
      a = { type: 'group', groupId: r.u32('group id') };
      break;
    case ActionType.SET_FIELD:
      a = { type: 'set_field', ...readAssignment(r) } as SetField;
      break;
    case ActionType.EXPERIMENTER: {
      const experimenter = r.u32('action experimenter');
      a = (experimenter === NX_VENDOR_ID ? readNicira(r, depth, readActions) : undefined) ?? {
        type: 'experimenter',
        experimenter,
        data: r.rest(),
      };
      break;
    }
    default:
      r.failAt(at, 'an OpenFlow 1.3 action type', `${type}`);
  }
  r.leave(outer, 'action');
  return a;
}

const BARE_NAME = {
  [ActionType.COPY_TTL_OUT]: 'copy_ttl_out',
  [ActionType.COPY_TTL_IN]: 'copy_ttl_in',
  [ActionType.DEC_MPLS_TTL]: 'dec_mpls_ttl',
  [ActionType.POP_VLAN]: 'pop_vlan',
  [ActionType.DEC_NW_TTL]: 'dec_nw_ttl',
  [ActionType.POP_PBB]: 'pop_pbb',
} as const;

const ETHERTYPE_NAME = {
  [ActionType.PUSH_VLAN]: 'push_vlan',
  [ActionType.PUSH_MPLS]: 'push_mpls',
  [ActionType.POP_MPLS]: 'pop_mpls',
  [ActionType.PUSH_PBB]: 'push_pbb',
} as const;
