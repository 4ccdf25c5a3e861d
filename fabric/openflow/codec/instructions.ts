import { readActions, writeActions, type Action } from './actions';
import { OpenFlowEncodeError } from './errors';
import type { Reader } from './reader';
import type { Writer } from './writer';

/** OpenFlow 1.3 instructions (`ofp_instruction_*`). */

export const InstructionType = {
  GOTO_TABLE: 1,
  WRITE_METADATA: 2,
  WRITE_ACTIONS: 3,
  APPLY_ACTIONS: 4,
  CLEAR_ACTIONS: 5,
  METER: 6,
  EXPERIMENTER: 0xffff,
} as const;

export type Instruction =
  | { type: 'goto_table'; tableId: number }
  | { type: 'write_metadata'; metadata: bigint; /** Default: all 64 bits. */ mask?: bigint }
  | { type: 'write_actions'; actions: Action[] }
  | { type: 'apply_actions'; actions: Action[] }
  | { type: 'clear_actions' }
  | { type: 'meter'; meterId: number }
  | { type: 'experimenter'; experimenter: number; data: Buffer };

const ALL_ONES = 0xffffffffffffffffn;

export function writeInstructions(w: Writer, list: readonly Instruction[] | undefined, what: string): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw new OpenFlowEncodeError(what, 'expected an array of instructions');
  for (const ins of list) {
    const start = w.pos;
    const at = `${what}: ${ins?.type}`;
    switch (ins?.type) {
      case 'goto_table':
        head(w, InstructionType.GOTO_TABLE);
        w.u8(ins.tableId, `${at}.tableId`);
        w.zeros(3);
        break;
      case 'write_metadata':
        head(w, InstructionType.WRITE_METADATA);
        w.zeros(4);
        w.u64(ins.metadata, `${at}.metadata`);
        w.u64(ins.mask ?? ALL_ONES, `${at}.mask`);
        break;
      case 'write_actions':
      case 'apply_actions':
        head(w, ins.type === 'write_actions' ? InstructionType.WRITE_ACTIONS : InstructionType.APPLY_ACTIONS);
        w.zeros(4);
        writeActions(w, ins.actions, `${at}.actions`);
        break;
      case 'clear_actions':
        head(w, InstructionType.CLEAR_ACTIONS);
        w.zeros(4);
        break;
      case 'meter':
        head(w, InstructionType.METER);
        w.u32(ins.meterId, `${at}.meterId`);
        break;
      case 'experimenter':
        head(w, InstructionType.EXPERIMENTER);
        w.u32(ins.experimenter, `${at}.experimenter`);
        w.bytes(ins.data, `${at}.data`);
        if ((w.pos - start) % 8) throw new OpenFlowEncodeError(`${at}.data`, 'data.length must be a multiple of 8');
        break;
      default:
        throw new OpenFlowEncodeError(what, `unknown instruction type ${JSON.stringify((ins as { type?: unknown })?.type)}`);
    }
    w.patch16(start + 2, w.pos - start, at);
  }
}

function head(w: Writer, type: number): void {
  w.u16(type, 'instruction type');
  w.u16(0, 'instruction length');
}

export function readInstructions(r: Reader): Instruction[] {
  const list: Instruction[] = [];
  while (r.pos < r.end) {
    const at = r.pos;
    const type = r.u16('instruction type');
    const len = r.u16('instruction length');
    if (len < 8 || len % 8) r.failAt(at + 2, 'instruction length that is a multiple of 8, at least 8', `${len}`);
    const outer = r.enter(len - 4, 'instruction');
    const exact = (n: number, name: string) => {
      if (len !== n) r.failAt(at, `${name} instruction of ${n} bytes`, `${len}`);
    };
    switch (type) {
      case InstructionType.GOTO_TABLE:
        exact(8, 'goto_table');
        list.push({ type: 'goto_table', tableId: r.u8('goto_table table_id') });
        r.skip(3, 'goto_table padding');
        break;
      case InstructionType.WRITE_METADATA: {
        exact(24, 'write_metadata');
        r.skip(4, 'write_metadata padding');
        const metadata = r.u64('metadata');
        list.push({ type: 'write_metadata', metadata, mask: r.u64('metadata mask') });
        break;
      }
      case InstructionType.WRITE_ACTIONS:
      case InstructionType.APPLY_ACTIONS:
        r.skip(4, 'instruction padding');
        list.push({ type: type === InstructionType.WRITE_ACTIONS ? 'write_actions' : 'apply_actions', actions: readActions(r) });
        break;
      case InstructionType.CLEAR_ACTIONS:
        exact(8, 'clear_actions');
        r.skip(4, 'clear_actions padding');
        list.push({ type: 'clear_actions' });
        break;
      case InstructionType.METER:
        exact(8, 'meter');
        list.push({ type: 'meter', meterId: r.u32('meter id') });
        break;
      case InstructionType.EXPERIMENTER: {
        const experimenter = r.u32('instruction experimenter');
        list.push({ type: 'experimenter', experimenter, data: r.rest() });
        break;
      }
      default:
        r.failAt(at, 'an OpenFlow 1.3 instruction type', `${type}`);
    }
    r.leave(outer, 'instruction');
  }
  return list;
}
