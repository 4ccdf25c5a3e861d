import { isIPv4, isIPv6 } from 'node:net';

/**
 * IPv4 and IPv6 addresses as `bigint`s, so one set of pool arithmetic (offsets, sizes,
 * containment) serves both families. Pure, no I/O.
 */

export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  value: bigint;
}

export const FAMILY_BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

/**
 * Parses dotted-quad IPv4 or RFC 4291 IPv6 text; undefined for anything else. Leading
 * zeros in IPv4 octets (`010.0.0.1`, octal to some parsers) and IPv6 zone ids
 * (`fe80::1%eth0`, which name an interface, not an address) are refused.
 */
export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { family: 4, value: ipv4Value(text) };
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let tail: bigint[] = [];
  let head = text;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4Value(dotted[2]);
    tail = [v4 >> 16n, v4 & 0xffffn];
    head = dotted[1].endsWith('::') ? dotted[1] : dotted[1].slice(0, -1);
  }
  const [left, right] = head.split('::') as [string, string | undefined];
  const groups = (part: string | undefined): bigint[] => (part ? part.split(':').map((g) => BigInt(`0x${g}`)) : []);
  const before = groups(left);
  const after = [...groups(right), ...tail];
  const zeros = right === undefined ? [] : new Array<bigint>(8 - before.length - after.length).fill(0n);
  return { family: 6, value: [...before, ...zeros, ...after].reduce((v, g) => (v << 16n) | g, 0n) };
}

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((v, octet) => (v << 8n) | BigInt(octet), 0n);
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run as `::`). */
export function formatIp({ family, value }: IpAddress): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best.length < 2) return hex(groups);
  return `${hex(groups.slice(0, best.start))}::${hex(groups.slice(best.start + best.length))}`;
}

export interface CidrText {
  address: IpAddress;
  prefixLength: number;
}

/** `ADDRESS/PREFIX` with a prefix length the family allows; host bits are the caller's to judge. */
export function parseCidr(text: string): CidrText | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const address = m ? parseIp(m[1]) : undefined;
  if (!m || !address) return undefined;
  const prefixLength = Number(m[2]);
  return prefixLength <= FAMILY_BITS[address.family] ? { address, prefixLength } : undefined;
}

/** Whether `ip` lies inside `cidr` (same family, same leading prefixLength bits). */
export function cidrContains(cidr: CidrText, ip: IpAddress): boolean {
  if (cidr.address.family !== ip.family) return false;
  const hostBits = BigInt(FAMILY_BITS[ip.family] - cidr.prefixLength);
  return cidr.address.value >> hostBits === ip.value >> hostBits;
}
