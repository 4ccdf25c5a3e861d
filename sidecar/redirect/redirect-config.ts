import { isIPv4, isIPv6 } from 'node:net';

/**
 * What the redirect leaves alone. The same parsers read `loom redirect` flags and the pod
 * annotations the injector copies into them, so a value the webhook accepted can never be
 * refused later by the init container.
 */
export interface RedirectConfig {
  /** The proxy's own connections are never captured (they would loop back into it). */
  proxyUid: number;
  excludeInboundPorts: number[];
  excludeOutboundPorts: number[];
  /** Canonical `address/prefix`, IPv4 or IPv6. */
  excludeOutboundCidrs: string[];
  /** Other UIDs whose outbound connections bypass the proxy. */
  excludeOutboundUids: number[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Why one item of a list is not acceptable, e.g. "is not a port". */
interface ItemError {
  error: string;
}

function list<T>(text: string, what: string, example: string, one: (item: string) => T | ItemError): Parsed<T[]> {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const values: T[] = [];
  for (const item of items) {
    const v = one(item);
    if (typeof v === 'object' && v !== null && 'error' in v) return { ok: false, message: `"${item}" ${v.error}; expected comma-separated ${what}, e.g. ${example}` };
    if (!values.includes(v as T)) values.push(v as T);
  }
  return { ok: true, value: values };
}

export function parsePortList(text: string): Parsed<number[]> {
  return list(text, 'ports 1-65535', '8080,9090', (item) => {
    const n = /^\d{1,5}$/.test(item) ? Number(item) : NaN;
    return n >= 1 && n <= 65535 ? n : { error: 'is not a port' };
  });
}

function uid(item: string): number | ItemError {
  const n = /^\d{1,10}$/.test(item) ? Number(item) : NaN;
  return n >= 0 && n <= 0xfffffffe ? n : { error: 'is not a UID' };
}

export function parseUid(text: string): Parsed<number> {
  const v = uid(text.trim());
  return typeof v === 'number' ? { ok: true, value: v } : { ok: false, message: `"${text}" ${v.error}; expected a numeric UID, e.g. 1337` };
}

export function parseUidList(text: string): Parsed<number[]> {
  return list(text, 'numeric UIDs', '1000,1001', uid);
}

export function parseCidrList(text: string): Parsed<string[]> {
  return list(text, 'IPv4 or IPv6 addresses or CIDRs', '10.0.0.0/8,169.254.169.254', canonicalCidr);
}

export function cidrFamily(cidr: string): 4 | 6 {
  return cidr.includes(':') ? 6 : 4;
}

/** `10.0.0.0/8` as iptables-save and nft print it back, or why it is not a CIDR. */
function canonicalCidr(item: string): string | ItemError {
  const [address, prefixText, ...rest] = item.split('/');
  const v4 = isIPv4(address);
  if (rest.length > 0 || (!v4 && !isIPv6(address))) return { error: 'is not an IP address or CIDR' };
  const bits = v4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return { error: `has a prefix length outside 0-${bits}` };
  const value = v4 ? ipv4Value(address) : ipv6Value(address);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if ((value & hostMask) !== 0n) {
    const network = value & ~hostMask;
    return { error: `has host bits set (the network is ${v4 ? ipv4Text(network) : ipv6Text(network)}/${prefix})` };
  }
  return `${v4 ? ipv4Text(value) : ipv6Text(value)}/${prefix}`;
}

function ipv4Value(a: string): bigint {
  return a.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv4Text(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
}

function ipv6Value(a: string): bigint {
  // The URL parser expands and validates IPv6 (including embedded IPv4) for us.
  const canonical = new URL(`http://[${a}]/`).hostname.slice(1, -1);
  const [head, tail = ''] = canonical.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = canonical.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function ipv6Text(v: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((v >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
