import { OpenFlowEncodeError } from './errors';

/**
 * Text forms of addresses in match fields and actions: `aa:bb:cc:dd:ee:ff`,
 * `10.0.0.1`, `2001:db8::1`, each optionally followed by `/mask` (an address of the same
 * family) or, for IP addresses, `/prefix-length`. Parsers write the value and then the
 * mask (all ones when none was given) into a caller's scratch array, so encoding does
 * not allocate.
 */

const HEX = '0123456789abcdef';

function bad(what: string, text: unknown, form: string): never {
  throw new OpenFlowEncodeError(what, `${JSON.stringify(text)} is not ${form}`);
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses `s[from, to)` as a MAC address into `out[at..at+6)`; false if it is not one. */
function macInto(s: string, from: number, to: number, out: Uint8Array, at: number): boolean {
  if (to - from !== 17) return false;
  for (let i = 0; i < 6; i++) {
    const p = from + i * 3;
    const hi = hexDigit(s.charCodeAt(p));
    const lo = hexDigit(s.charCodeAt(p + 1));
    if (hi < 0 || lo < 0 || (i < 5 && s.charCodeAt(p + 2) !== 58)) return false;
    out[at + i] = (hi << 4) | lo;
  }
  return true;
}

/** Parses `s[from, to)` as dotted-quad IPv4 into `out[at..at+4)`. */
function ipv4Into(s: string, from: number, to: number, out: Uint8Array, at: number): boolean {
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = from; i <= to; i++) {
    const c = i === to ? 46 : s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 3) return false;
      out[at + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      value = value * 10 + (c - 48);
      digits++;
      if (value > 255) return false;
    } else {
      return false;
    }
  }
  return part === 4;
}

/** Parses `s[from, to)` as IPv6 text (RFC 4291 section 2.2, no zone) into `out[at..at+16)`. */
function ipv6Into(s: string, from: number, to: number, out: Uint8Array, at: number): boolean {
  const groups: number[] = [];
  let gap = -1;
  let i = from;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
  }
  while (i < to) {
    let j = i;
    let value = 0;
    while (j < to && j - i < 5) {
      const d = hexDigit(s.charCodeAt(j));
      if (d < 0) break;
      value = (value << 4) | d;
      j++;
    }
    if (j < to && s.charCodeAt(j) === 46) {
      // Trailing dotted quad: the last 32 bits.
      const quad = new Uint8Array(4);
      if (!ipv4Into(s, i, to, quad, 0)) return false;
      groups.push((quad[0] << 8) | quad[1], (quad[2] << 8) | quad[3]);
      break;
    }
    if (j === i || j - i > 4) return false;
    groups.push(value);
    i = j;
    if (i === to) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (s.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = groups.length;
      i++;
    } else if (i === to) {
      return false;
    }
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return false;
  const zeros = 8 - groups.length;
  for (let g = 0, k = 0; g < 8; g++) {
    const v = gap >= 0 && g >= gap && g < gap + zeros ? 0 : groups[k++];
    out[at + g * 2] = v >>> 8;
    out[at + g * 2 + 1] = v & 0xff;
  }
  return true;
}

function prefixInto(s: string, from: number, to: number, size: number, out: Uint8Array, at: number): boolean {
  if (to === from || to - from > 3) return false;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
    n = n * 10 + (c - 48);
  }
  if (n > size * 8) return false;
  for (let b = 0; b < size; b++) {
    const bits = Math.min(8, Math.max(0, n - b * 8));
    out[at + b] = (0xff00 >> bits) & 0xff;
  }
  return true;
}

export type AddressKind = 'mac' | 'ipv4' | 'ipv6';
export const ADDRESS_SIZE: Record<AddressKind, number> = { mac: 6, ipv4: 4, ipv6: 16 };
const FORM: Record<AddressKind, string> = {
  mac: 'a MAC address (aa:bb:cc:dd:ee:ff, optionally /mask)',
  ipv4: 'an IPv4 address (10.0.0.1, optionally /prefix or /mask)',
  ipv6: 'an IPv6 address (2001:db8::1, optionally /prefix or /mask)',
};

function addressInto(kind: AddressKind, s: string, from: number, to: number, out: Uint8Array, at: number): boolean {
  return kind === 'mac' ? macInto(s, from, to, out, at) : kind === 'ipv4' ? ipv4Into(s, from, to, out, at) : ipv6Into(s, from, to, out, at);
}

/**
 * Parses an address with an optional mask into `out`: the value at 0, the mask at `size`.
 * Returns true if a mask was written (even an all-ones one).
 */
export function parseMaskedAddress(kind: AddressKind, text: string, out: Uint8Array, what: string): boolean {
  if (typeof text !== 'string') bad(what, text, FORM[kind]);
  const size = ADDRESS_SIZE[kind];
  const slash = text.indexOf('/');
  const end = slash < 0 ? text.length : slash;
  if (!addressInto(kind, text, 0, end, out, 0)) bad(what, text, FORM[kind]);
  if (slash < 0) return false;
  const ok =
    (kind !== 'mac' && prefixInto(text, slash + 1, text.length, size, out, size)) ||
    addressInto(kind, text, slash + 1, text.length, out, size);
  if (!ok) bad(what, text, FORM[kind]);
  return true;
}

export function formatMac(b: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    const v = b[at + i];
    s += (i ? ':' : '') + HEX[v >> 4] + HEX[v & 15];
  }
  return s;
}

export function formatIpv4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

export function formatIpv6(b: Uint8Array, at: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[at + i * 2] << 8) | b[at + i * 2 + 1]);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIpv4(b, at + 12)}`;
  }
  // RFC 5952: compress the longest run of two or more zero groups, the first on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => g.slice(from, to).map((v) => v.toString(16)).join(':');
  return best < 0 ? hex(0, 8) : `${hex(0, best)}::${hex(best + bestLen, 8)}`;
}

export function formatAddress(kind: AddressKind, b: Uint8Array, at: number): string {
  return kind === 'mac' ? formatMac(b, at) : kind === 'ipv4' ? formatIpv4(b, at) : formatIpv6(b, at);
}

/** Length of the prefix if the mask is contiguous leading ones, else -1. */
function prefixLength(b: Uint8Array, at: number, size: number): number {
  let n = 0;
  let i = 0;
  while (i < size && b[at + i] === 0xff) {
    n += 8;
    i++;
  }
  if (i < size) {
    const v = b[at + i];
    const ones = Math.clz32(~(v << 24));
    if (((0xff00 >> ones) & 0xff) !== v) return -1;
    n += ones;
    for (i++; i < size; i++) if (b[at + i] !== 0) return -1;
  }
  return n;
}

/** The text form of a value and optional mask: no suffix for an all-ones mask. */
export function formatMaskedAddress(kind: AddressKind, b: Uint8Array, at: number, maskAt: number): string {
  const size = ADDRESS_SIZE[kind];
  const value = formatAddress(kind, b, at);
  if (maskAt < 0) return value;
  const prefix = prefixLength(b, maskAt, size);
  if (prefix === size * 8) return value;
  return `${value}/${prefix >= 0 && kind !== 'mac' ? prefix : formatAddress(kind, b, maskAt)}`;
}
