import { readInstructions, writeInstructions, type Instruction } from '../instructions';
import { readMatch, writeMatch } from '../match';
import type { Match } from '../match-types';
import { Group, NO_BUFFER, Port } from '../ports';
import type { Reader } from '../reader';
import type { WithDefaults } from '../types';
import { wireValue, type Writer } from '../writer';

export const FlowModCommand = { add: 0, modify: 1, modify_strict: 2, delete: 3, delete_strict: 4 } as const;
export type FlowModCommand = keyof typeof FlowModCommand;
const COMMAND_NAMES = Object.keys(FlowModCommand) as FlowModCommand[];

export const FlowModFlags = {
  SEND_FLOW_REM: 1 << 0,
  CHECK_OVERLAP: 1 << 1,
  RESET_COUNTS: 1 << 2,
  NO_PKT_COUNTS: 1 << 3,
  NO_BYT_COUNTS: 1 << 4,
} as const;

/** Priority of a flow mod that does not set one (OFP_DEFAULT_PRIORITY). */
export const DEFAULT_PRIORITY = 0x8000;

/**
 * OFPT_FLOW_MOD. For modify and delete, `cookie`/`cookieMask` select the flows touched;
 * deletes also filter on `outPort`/`outGroup` (ANY = no filter) and may use table ALL.
 */
export interface FlowMod {
  type: 'flow_mod';
  xid: number;
  command: FlowModCommand;
  cookie: bigint;
  cookieMask: bigint;
  tableId: number;
  idleTimeout: number;
  hardTimeout: number;
  priority: number;
  bufferId: number;
  outPort: number;
  outGroup: number;
  /** `FlowModFlags` bits. */
  flags: number;
  match: Match;
  instructions: Instruction[];
}

export type FlowModInput = WithDefaults<
  FlowMod,
  'cookie' | 'cookieMask' | 'tableId' | 'idleTimeout' | 'hardTimeout' | 'priority' | 'bufferId' | 'outPort' | 'outGroup' | 'flags' | 'match' | 'instructions'
>;

export function writeFlowMod(w: Writer, m: FlowModInput): void {
  const command = wireValue(FlowModCommand, m.command, 'flow_mod.command');
  w.u64(m.cookie ?? 0n, 'flow_mod.cookie');
  w.u64(m.cookieMask ?? 0n, 'flow_mod.cookieMask');
  w.u8(m.tableId ?? 0, 'flow_mod.tableId');
  w.u8(command, 'flow_mod.command');
  w.u16(m.idleTimeout ?? 0, 'flow_mod.idleTimeout');
  w.u16(m.hardTimeout ?? 0, 'flow_mod.hardTimeout');
  w.u16(m.priority ?? DEFAULT_PRIORITY, 'flow_mod.priority');
  w.u32(m.bufferId ?? NO_BUFFER, 'flow_mod.bufferId');
  w.u32(m.outPort ?? Port.ANY, 'flow_mod.outPort');
  w.u32(m.outGroup ?? Group.ANY, 'flow_mod.outGroup');
  w.u16(m.flags ?? 0, 'flow_mod.flags');
  w.zeros(2);
  writeMatch(w, m.match, 'flow_mod.match');
  writeInstructions(w, m.instructions, 'flow_mod.instructions');
}

export function readFlowMod(r: Reader, xid: number): FlowMod {
  const cookie = r.u64('cookie');
  const cookieMask = r.u64('cookie_mask');
  const tableId = r.u8('table_id');
  const commandAt = r.pos;
  const command = COMMAND_NAMES[r.u8('command')];
  if (command === undefined) r.failAt(commandAt, 'flow_mod command 0..4', `${r.buf[commandAt]}`);
  const idleTimeout = r.u16('idle_timeout');
  const hardTimeout = r.u16('hard_timeout');
  const priority = r.u16('priority');
  const bufferId = r.u32('buffer_id');
  const outPort = r.u32('out_port');
  const outGroup = r.u32('out_group');
  const flags = r.u16('flags');
  r.skip(2, 'padding');
  const match = readMatch(r);
  const instructions = readInstructions(r);
  return {
    type: 'flow_mod',
    xid,
    command,
    cookie,
    cookieMask,
    tableId,
    idleTimeout,
    hardTimeout,
    priority,
    bufferId,
    outPort,
    outGroup,
    flags,
    match,
    instructions,
  };
}
