import type { Action, FieldAssignment } from './actions';
import { readAssignment, writeAssignment } from './actions';
import { readController, readController2, writeController, writeController2, type Controller2, type NxController } from './controller-actions';
import { readCt, readNat, writeCt, writeNat, type Ct, type Nat } from './conntrack-actions';
import { OpenFlowEncodeError } from './errors';
import type { RawOxm } from './match-types';
import { fixedLength, nxHead, NxActionSubtype, skipPadding } from './nicira';
import { portFrom16, portTo16, Port } from './ports';
import type { Reader } from './reader';
import { ofsNbits, readSubfield, subfieldHeader, type Subfield } from './subfield';
import type { Writer } from './writer';

/** The Nicira actions OVS pipelines use, and the dispatch of every modelled subtype. */

/** `table` of resubmit meaning "the current table". */
const RESUBMIT_CURRENT_TABLE = 0xff;

export interface Resubmit {
  type: 'resubmit';
  /** The in_port the lookup sees; default Port.IN_PORT (unchanged). */
  inPort?: number;
  /** Table to look up in; absent means the current table. */
  table?: number;
  /** Look up with the conntrack original-direction tuple (resubmit(,T,ct)). */
  ct?: boolean;
}

/** Loads `value` into a bit range (NXAST_REG_LOAD, `load:0x2->NXM_OF_ARP_OP[]`). */
export interface RegLoad {
  type: 'reg_load';
  dst: Subfield;
  value: bigint;
}

/** Sets a field, optionally under a mask, as one OXM entry (NXAST_REG_LOAD2). */
export type RegLoad2 = ({ type: 'reg_load2' } & FieldAssignment) | { type: 'reg_load2'; raw: RawOxm };

/** Copies bits between fields (NXAST_REG_MOVE); src and dst have the same nbits. */
export interface RegMove {
  type: 'reg_move';
  src: Subfield;
  dst: Subfield;
}

/** Opaque bytes kept with the flow; the wire adds zero padding that decodes as part of `data`. */
export interface Note {
  type: 'note';
  data: Buffer;
}

/** One clause of a conjunctive match: `conjunction(id, clause/nClauses)`, clause counted from 1. */
export interface Conjunction {
  type: 'conjunction';
  id: number;
  clause: number;
  nClauses: number;
}

export type NiciraAction =
  | Resubmit
  | RegLoad
  | RegLoad2
  | RegMove
  | Note
  | Conjunction
  | Ct
  | Nat
  | { type: 'ct_clear' }
  | NxController
  | Controller2
  | { type: 'dec_ttl_cnt_ids'; controllerIds: number[] };

type WriteList = (w: Writer, actions: readonly Action[] | undefined, what: string) => void;
type ReadList = (r: Reader, depth: number) => Action[];

/**
 * Writes the part after type and length; returns false for a type that is not Nicira.
 * The caller patches the length.
 */
export function writeNicira(w: Writer, a: NiciraAction, what: string, writeList: WriteList): boolean {
  const start = w.pos - 4;
  switch (a.type) {
    case 'resubmit':
      nxHead(w, a.ct ? NxActionSubtype.RESUBMIT_TABLE_CT : NxActionSubtype.RESUBMIT_TABLE);
      w.u16(portTo16(a.inPort ?? Port.IN_PORT, `${what}.inPort`), `${what}.inPort`);
      w.u8(a.table ?? RESUBMIT_CURRENT_TABLE, `${what}.table`);
      w.zeros(3);
      return true;
    case 'reg_load': {
      nxHead(w, NxActionSubtype.REG_LOAD);
      const header = subfieldHeader(a.dst, `${what}.dst`);
      w.u16(ofsNbits(a.dst, `${what}.dst`), `${what}.dst`);
      w.u32(header, `${what}.dst`);
      if (typeof a.value !== 'bigint' || a.value < 0n || a.value >> BigInt(a.dst.nbits) !== 0n) {
        throw new OpenFlowEncodeError(`${what}.value`, `expected a bigint that fits in ${a.dst.nbits} bits`);
      }
      w.u64(a.value, `${what}.value`);
      return true;
    }
    case 'reg_load2':
      nxHead(w, NxActionSubtype.REG_LOAD2);
      writeAssignment(w, a, what, true);
      w.pad8(start);
      return true;
    case 'reg_move': {
      nxHead(w, NxActionSubtype.REG_MOVE);
      const src = subfieldHeader(a.src, `${what}.src`);
      const dst = subfieldHeader(a.dst, `${what}.dst`);
      if (a.src.nbits !== a.dst.nbits) throw new OpenFlowEncodeError(what, 'src and dst must have the same nbits');
      w.u16(a.src.nbits, `${what}.src.nbits`);
      w.u16(a.src.ofs, `${what}.src.ofs`);
      w.u16(a.dst.ofs, `${what}.dst.ofs`);
      w.u32(src, `${what}.src`);
      w.u32(dst, `${what}.dst`);
      return true;
    }
    case 'note':
      nxHead(w, NxActionSubtype.NOTE);
      w.bytes(a.data, `${what}.data`);
      w.pad8(start);
      return true;
    case 'conjunction':
      nxHead(w, NxActionSubtype.CONJUNCTION);
      if (!(a.clause >= 1 && a.clause <= a.nClauses && a.nClauses >= 2 && a.nClauses <= 64)) {
        throw new OpenFlowEncodeError(what, 'clause must be 1..nClauses and nClauses 2..64');
      }
      w.u8(a.clause - 1, `${what}.clause`);
      w.u8(a.nClauses, `${what}.nClauses`);
      w.u32(a.id, `${what}.id`);
      return true;
    case 'ct':
      writeCt(w, a, what, writeList);
      return true;
    case 'nat':
      writeNat(w, a, what);
      w.pad8(start);
      return true;
    case 'ct_clear':
      nxHead(w, NxActionSubtype.CT_CLEAR);
      w.zeros(6);
      return true;
    case 'controller':
      writeController(w, a, what);
      return true;
    case 'controller2':
      writeController2(w, a, what);
      return true;
    case 'dec_ttl_cnt_ids':
      nxHead(w, NxActionSubtype.DEC_TTL_CNT_IDS);
      if (!Array.isArray(a.controllerIds)) throw new OpenFlowEncodeError(`${what}.controllerIds`, 'expected an array');
      w.u16(a.controllerIds.length, `${what}.controllerIds`);
      w.zeros(4);
      for (const id of a.controllerIds) w.u16(id, `${what}.controllerIds`);
      w.pad8(start);
      return true;
    default:
      return false;
  }
}

/**
 * Reads a Nicira action whose type, length and vendor have been read (the window ends
 * with the action). Returns undefined, consuming nothing, for subtypes without a model.
 */
export function readNicira(r: Reader, depth: number, readList: ReadList): NiciraAction | undefined {
  const at = r.pos - 8;
  if (r.end - r.pos < 2) return undefined;
  const subtype = (r.buf[r.pos] << 8) | r.buf[r.pos + 1];
  r.pos += 2;
  switch (subtype) {
    case NxActionSubtype.RESUBMIT:
    case NxActionSubtype.RESUBMIT_TABLE:
    case NxActionSubtype.RESUBMIT_TABLE_CT: {
      fixedLength(r, 16, 'resubmit', at);
      const inPort = portFrom16(r.u16('resubmit in_port'));
      const table = r.u8('resubmit table');
      r.skip(3, 'resubmit padding');
      const a: Resubmit = { type: 'resubmit', inPort };
      // NXAST_RESUBMIT predates the table byte; it always means the current table.
      if (subtype !== NxActionSubtype.RESUBMIT && table !== RESUBMIT_CURRENT_TABLE) a.table = table;
      if (subtype === NxActionSubtype.RESUBMIT_TABLE_CT) a.ct = true;
      return a;
    }
    case NxActionSubtype.REG_LOAD: {
      fixedLength(r, 24, 'reg_load', at);
      const on = r.u16('reg_load ofs_nbits');
      const headerAt = r.pos;
      const dst = readSubfield(r, r.u32('reg_load dst'), on >>> 6, (on & 0x3f) + 1, headerAt);
      return { type: 'reg_load', dst, value: r.u64('reg_load value') };
    }
    case NxActionSubtype.REG_LOAD2:
      return { type: 'reg_load2', ...readAssignment(r) } as RegLoad2;
    case NxActionSubtype.REG_MOVE: {
      fixedLength(r, 24, 'reg_move', at);
      const nbits = r.u16('reg_move n_bits');
      const srcOfs = r.u16('reg_move src_ofs');
      const dstOfs = r.u16('reg_move dst_ofs');
      const srcAt = r.pos;
      const src = r.u32('reg_move src');
      const dst = r.u32('reg_move dst');
      if (nbits < 1) r.failAt(at + 10, 'reg_move n_bits of at least 1', '0');
      return { type: 'reg_move', src: readSubfield(r, src, srcOfs, nbits, srcAt), dst: readSubfield(r, dst, dstOfs, nbits, srcAt + 4) };
    }
    case NxActionSubtype.NOTE:
      return { type: 'note', data: r.rest() };
    case NxActionSubtype.CONJUNCTION: {
      fixedLength(r, 16, 'conjunction', at);
      const clause = r.u8('conjunction clause') + 1;
      const nClauses = r.u8('conjunction n_clauses');
      return { type: 'conjunction', id: r.u32('conjunction id'), clause, nClauses };
    }
    case NxActionSubtype.CT:
      return readCt(r, at, depth, readList);
    case NxActionSubtype.NAT:
      return readNat(r);
    case NxActionSubtype.CT_CLEAR:
      fixedLength(r, 16, 'ct_clear', at);
      r.skip(6, 'ct_clear padding');
      return { type: 'ct_clear' };
    case NxActionSubtype.CONTROLLER:
      fixedLength(r, 16, 'controller', at);
      return readController(r);
    case NxActionSubtype.CONTROLLER2:
      return readController2(r);
    case NxActionSubtype.DEC_TTL_CNT_IDS: {
      const n = r.u16('dec_ttl n_controllers');
      r.skip(4, 'dec_ttl padding');
      const controllerIds: number[] = [];
      for (let i = 0; i < n; i++) controllerIds.push(r.u16('dec_ttl controller id'));
      skipPadding(r, 'controller ids');
      return { type: 'dec_ttl_cnt_ids', controllerIds };
    }
    default:
      r.pos -= 2;
      return undefined;
  }
}
