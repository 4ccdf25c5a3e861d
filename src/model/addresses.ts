import { isIP } from 'node:net';

/** IPv4 addresses and CIDRs as the model checks them: pure, no I/O. */

export function isIPv4(text: string): boolean {
  return isIP(text) === 4;
}

export function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export interface Cidr {
  network: number;
  prefixLength: number;
  contains(ip: string): boolean;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(text);
  if (!m || !isIPv4(m[1]) || Number(m[2]) > 32) return undefined;
  const prefixLength = Number(m[2]);
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  const network = (ipv4ToNumber(m[1]) & mask) >>> 0;
  return { network, prefixLength, contains: (ip) => isIPv4(ip) && ((ipv4ToNumber(ip) & mask) >>> 0) === network };
}

const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** A unicast MAC in lowercase colon form. */
export function isUnicastMac(text: string): boolean {
  return MAC_PATTERN.test(text) && (parseInt(text.slice(0, 2), 16) & 1) === 0;
}
