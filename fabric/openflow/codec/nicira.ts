import type { Reader } from './reader';
import type { Writer } from './writer';

/**
 * Nicira (OVS) extension actions are experimenter actions with vendor 0x00002320 and a
 * 16-bit subtype; their layouts follow OVS's `nx_action_*` structures.
 */

export const NX_VENDOR_ID = 0x00002320;

export const NxActionSubtype = {
  RESUBMIT: 1,
  REG_MOVE: 6,
  REG_LOAD: 7,
  NOTE: 8,
  RESUBMIT_TABLE: 14,
  CONTROLLER: 20,
  DEC_TTL_CNT_IDS: 21,
  REG_LOAD2: 33,
  CONJUNCTION: 34,
  CT: 35,
  NAT: 36,
  CONTROLLER2: 37,
  CT_CLEAR: 43,
  RESUBMIT_TABLE_CT: 44,
} as const;

/** Writes vendor and subtype after the action's type and length. */
export function nxHead(w: Writer, subtype: number): void {
  w.u32(NX_VENDOR_ID, 'vendor');
  w.u16(subtype, 'subtype');
}

/** Fails unless the action that started at `at` (and ends the window) is `want` bytes. */
export function fixedLength(r: Reader, want: number, name: string, at: number): void {
  if (r.end - at !== want) r.failAt(at, `${name} action of ${want} bytes`, `${r.end - at}`);
}

/** Steps over zero padding after variable-length content, which is always less than 8 bytes. */
export function skipPadding(r: Reader, after: string): void {
  if (r.end - r.pos >= 8) r.fail(`only padding after the ${after}`, `${r.end - r.pos} bytes`);
  r.pos = r.end;
}
