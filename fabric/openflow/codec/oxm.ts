import { ADDRESS_SIZE, formatMaskedAddress, parseMaskedAddress, type AddressKind } from './address';
import { OpenFlowEncodeError } from './errors';
import { FIELD_BY_EXPERIMENTER, FIELD_BY_HEADER, headerKey, type FieldSpec } from './fields';
import type { MaskableBigint, MaskableNumber, RawOxm } from './match-types';
import type { Reader } from './reader';
import type { Writer } from './writer';

/**
 * One OXM/NXM entry: a 32-bit header (class, field, has-mask bit, payload length), an
 * experimenter id for class 0xffff, then the value and, if masked, the mask. Shared by
 * matches, `set_field` and `reg_load2`.
 */

const HAS_MASK = 0x100;
const FULL_64 = (1n << 64n) - 1n;
const FULL_128 = (1n << 128n) - 1n;
const scratch = new Uint8Array(32);

function fullMask(bits: number): number {
  return bits === 32 ? 0xffffffff : (1 << bits) - 1;
}

function uint(w: Writer, size: number, v: number): void {
  if (size === 1) w.u8(v, 'oxm');
  else if (size === 2) w.u16(v, 'oxm');
  else if (size === 3) {
    w.u8(v >>> 16, 'oxm');
    w.u16(v & 0xffff, 'oxm');
  } else w.u32(v, 'oxm');
}

function big(w: Writer, size: number, v: bigint): void {
  if (size === 16) w.u64(v >> 64n, 'oxm');
  w.u64(BigInt.asUintN(64, v), 'oxm');
}

function putHeader(w: Writer, spec: FieldSpec, header: number, masked: boolean): void {
  const experimenter = header >>> 16 === 0xffff;
  w.u32(masked ? ((header & ~0x1ff) | HAS_MASK | (spec.size * 2 + (experimenter ? 4 : 0))) >>> 0 : header, 'oxm header');
  if (experimenter) w.u32(spec.experimenter, 'oxm experimenter');
}

/**
 * Writes `value` for `spec` with `header` (spec.header or spec.nxmHeader). A mask of all
 * ones is written as no mask and a mask of zero as nothing at all, as OVS does; masked
 * values are written with the bits outside the mask cleared.
 */
export function writeEntry(w: Writer, spec: FieldSpec, header: number, value: unknown, what: string): void {
  const size = spec.size;
  switch (spec.kind) {
    case 'u8':
    case 'u16':
    case 'u24':
    case 'u32': {
      const full = fullMask(size * 8);
      let v: number;
      let m = full;
      if (typeof value === 'number') v = value;
      else if (spec.maskable && isMasked(value) && typeof value.value === 'number' && typeof value.mask === 'number') {
        v = value.value;
        m = value.mask;
      } else throw new OpenFlowEncodeError(what, spec.maskable ? `expected a number or { value, mask } numbers` : 'expected a number');
      if (!inRange(v, full) || !inRange(m, full)) throw new OpenFlowEncodeError(what, `value and mask must fit in ${size * 8} bits`);
      if (m === 0) return;
      const masked = m !== full;
      putHeader(w, spec, header, masked);
      uint(w, size, masked ? (v & m) >>> 0 : v);
      if (masked) uint(w, size, m);
      return;
    }
    case 'u64':
    case 'u128': {
      const full = size === 16 ? FULL_128 : FULL_64;
      let v: bigint;
      let m = full;
      if (typeof value === 'bigint') v = value;
      else if (isMasked(value) && typeof value.value === 'bigint' && typeof value.mask === 'bigint') {
        v = value.value;
        m = value.mask;
      } else throw new OpenFlowEncodeError(what, 'expected a bigint or { value, mask } bigints');
      if (v < 0n || v > full || m < 0n || m > full) throw new OpenFlowEncodeError(what, `value and mask must fit in ${size * 8} bits`);
      if (m === 0n) return;
      const masked = m !== full;
      putHeader(w, spec, header, masked);
      big(w, size, masked ? v & m : v);
      if (masked) big(w, size, m);
      return;
    }
    default: {
      const kind = spec.kind as AddressKind;
      let masked = parseMaskedAddress(kind, value as string, scratch, what);
      if (masked) {
        let ones = true;
        let zeros = true;
        for (let i = size; i < size * 2; i++) {
          if (scratch[i] !== 0xff) ones = false;
          if (scratch[i] !== 0) zeros = false;
          scratch[i - size] &= scratch[i];
        }
        if (zeros) return;
        if (ones) masked = false;
        else if (!spec.maskable) throw new OpenFlowEncodeError(what, 'this field cannot be masked');
      }
      putHeader(w, spec, header, masked);
      w.bytes(scratch.subarray(0, masked ? size * 2 : size), what);
    }
  }
}

function isMasked(v: unknown): v is { value: unknown; mask: unknown } {
  return typeof v === 'object' && v !== null && 'value' in v && 'mask' in v;
}

function inRange(v: number, max: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= max;
}

export type Entry = { spec: FieldSpec; value: unknown } | { spec: null; raw: RawOxm };

function readUint(r: Reader, size: number, what: string): number {
  if (size === 1) return r.u8(what);
  if (size === 2) return r.u16(what);
  if (size === 3) return (r.u8(what) << 16) | r.u16(what);
  return r.u32(what);
}

function readBig(r: Reader, size: number, what: string): bigint {
  const hi = r.u64(what);
  return size === 16 ? (hi << 64n) | r.u64(what) : hi;
}

/** Reads one entry. Unknown fields come back raw; known ones must have their exact size. */
export function readEntry(r: Reader): Entry {
  const at = r.pos;
  const h = r.u32('oxm header');
  const hasMask = (h & HAS_MASK) !== 0;
  let len = h & 0xff;
  const cls = h >>> 16;
  let spec: FieldSpec | undefined;
  let experimenter: number | undefined;
  if (cls === 0xffff) {
    if (len < 4) r.failAt(at, 'experimenter OXM with a payload of at least 4 bytes', `${len}`);
    experimenter = r.u32('oxm experimenter');
    len -= 4;
    spec = FIELD_BY_EXPERIMENTER.get(experimenter)?.get((h >>> 9) & 0x7f);
  } else {
    spec = FIELD_BY_HEADER.get(headerKey(h));
  }
  if (!spec) {
    if (hasMask && len % 2) r.failAt(at, 'masked OXM with an even payload length', `${len}`);
    const half = hasMask ? len / 2 : len;
    const raw: RawOxm = { oxmClass: cls, field: (h >>> 9) & 0x7f, value: Buffer.from(r.bytes(half, 'oxm value')) };
    if (experimenter !== undefined) raw.experimenter = experimenter;
    if (hasMask) raw.mask = Buffer.from(r.bytes(half, 'oxm mask'));
    return { spec: null, raw };
  }
  const size = spec.size;
  if (len !== (hasMask ? size * 2 : size)) r.failAt(at, `${spec.name} of ${size} bytes${spec.maskable ? ` (${size * 2} masked)` : ''}`, `${len} bytes`);
  if (hasMask && !spec.maskable) r.failAt(at, `${spec.name} without a mask`);
  switch (spec.kind) {
    case 'u8':
    case 'u16':
    case 'u24':
    case 'u32': {
      const value = readUint(r, size, 'oxm value');
      const v: MaskableNumber = hasMask ? { value, mask: readUint(r, size, 'oxm mask') } : value;
      return { spec, value: v };
    }
    case 'u64':
    case 'u128': {
      const value = readBig(r, size, 'oxm value');
      const v: MaskableBigint = hasMask ? { value, mask: readBig(r, size, 'oxm mask') } : value;
      return { spec, value: v };
    }
    default: {
      const kind = spec.kind as AddressKind;
      const start = r.pos;
      r.skip(hasMask ? size * 2 : size, 'oxm value');
      return { spec, value: formatMaskedAddress(kind, r.buf, start, hasMask ? start + ADDRESS_SIZE[kind] : -1) };
    }
  }
}

/** Raw entries are written back as received. */
export function writeRaw(w: Writer, raw: RawOxm, what: string): void {
  const exp = raw.oxmClass === 0xffff ? 4 : 0;
  if (!(raw.value instanceof Uint8Array) || (raw.mask !== undefined && raw.mask.length !== raw.value.length)) {
    throw new OpenFlowEncodeError(what, 'raw OXM needs a value Buffer and a mask of the same length');
  }
  const len = raw.value.length * (raw.mask ? 2 : 1) + exp;
  if (len > 0xff) throw new OpenFlowEncodeError(what, 'raw OXM payload longer than 255 bytes');
  if ((raw.field & 0x7f) !== raw.field) throw new OpenFlowEncodeError(what, 'raw OXM field must be 0..127');
  w.u16(raw.oxmClass, what);
  w.u8((raw.field << 1) | (raw.mask ? 1 : 0), what);
  w.u8(len, what);
  if (exp) w.u32(raw.experimenter ?? 0, what);
  w.bytes(raw.value, what);
  if (raw.mask) w.bytes(raw.mask, what);
}
