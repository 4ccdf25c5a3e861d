import type { Match, RegLoad } from '../openflow/codec';

/**
 * Named register fields. Every table after Classifier relies on them instead of
 * re-deriving where a packet came from.
 *
 *   reg0  bits  0..15  NetworkId      the packet's network (1..65535; 0: not classified)
 *         bits 16..17  PacketSource   1 = a local pod's port, 2 = the tunnel
 *         bits 18..31  (free)
 *   reg1  bits  0..31  TargetOfport   the port Output sends to, chosen by L2Forwarding
 *   reg2..reg15        (free; security groups and service LB will claim theirs here)
 */

export type RegName = 'reg0' | 'reg1' | 'reg2' | 'reg3' | 'reg4' | 'reg5' | 'reg6' | 'reg7' | 'reg8' | 'reg9' | 'reg10' | 'reg11' | 'reg12' | 'reg13' | 'reg14' | 'reg15';

export interface RegField {
  readonly name: string;
  readonly reg: RegName;
  /** First bit, counted from the least significant. */
  readonly ofs: number;
  readonly nbits: number;
}

function field(name: string, reg: RegName, ofs: number, nbits: number): RegField {
  return Object.freeze({ name, reg, ofs, nbits });
}

export const NetworkId = field('NetworkId', 'reg0', 0, 16);
export const PacketSource = field('PacketSource', 'reg0', 16, 2);
export const TargetOfport = field('TargetOfport', 'reg1', 0, 32);

/** Values of PacketSource. */
export const Source = { LocalPod: 1, Tunnel: 2 } as const;

/** Every named field; no two overlap (checked by the tests). */
export const REG_FIELDS: readonly RegField[] = [NetworkId, PacketSource, TargetOfport];

function bits(f: RegField): number {
  return f.nbits === 32 ? 0xffffffff : ((2 ** f.nbits - 1) * 2 ** f.ofs) >>> 0;
}

function checkValue(f: RegField, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** f.nbits) {
    throw new RangeError(`${f.name} is ${f.nbits} bits wide: ${value} does not fit`);
  }
}

/**
 * `match` narrowed to packets whose field `f` holds `value`; fields of one register
 * combine into one masked match, and a register matched in full loses its mask.
 */
export function matchReg(match: Match, f: RegField, value: number): Match {
  checkValue(f, value);
  const prior = match[f.reg];
  const priorValue = prior === undefined ? 0 : typeof prior === 'number' ? prior : prior.value;
  const priorMask = prior === undefined ? 0 : typeof prior === 'number' ? 0xffffffff : prior.mask;
  const mask = bits(f);
  if ((priorMask & mask) !== 0) throw new RangeError(`${f.name} is matched twice`);
  const v = (priorValue | (value * 2 ** f.ofs)) >>> 0;
  const m = (priorMask | mask) >>> 0;
  return { ...match, [f.reg]: m === 0xffffffff ? v : { value: v, mask: m } };
}

/** The action that stores `value` in field `f`. */
export function loadReg(f: RegField, value: number): RegLoad {
  checkValue(f, value);
  return { type: 'reg_load', dst: { field: f.reg, ofs: f.ofs, nbits: f.nbits }, value: BigInt(value) };
}
