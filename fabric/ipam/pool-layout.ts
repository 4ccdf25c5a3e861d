import { formatIp, FAMILY_BITS, parseCidr, parseIp, type IpFamily } from '../../src/net/ip-address';
import { InvalidAddressError, InvalidPoolError } from './ipam-errors';
import type { PoolSpec } from './ipam';
import { generatedMac } from '../../src/net/mac-address';

/**
 * A network's pool worked out from its spec: addresses are offsets from the network
 * address, so both backends (and the Redis script, which has only doubles) search and
 * index small integers instead of address text, for IPv4 and IPv6 alike. Pure, no I/O.
 */

/**
 * Free addresses are searched among the first 2^32 offsets at most: an IPv6 /64 never
 * fills that, and offsets stay exact in the doubles of Redis's Lua. Static IPs may lie
 * anywhere in the CIDR.
 */
export const MAX_SEARCHED = 2n ** 32n;

export type ExclusionReason = 'network address' | 'broadcast address' | 'subnet-router anycast address' | 'gateway' | 'reserved';

export class PoolLayout {
  /** Canonical JSON of the normalized spec: stored with the pool, and equal for equal pools. */
  readonly key: string;
  readonly family: IpFamily;
  readonly size: bigint;
  /** Offsets searched for a free address: 0 ≤ offset < searched. */
  readonly searched: number;
  /** Offsets never handed out, with why. */
  readonly excluded: ReadonlyMap<bigint, ExclusionReason>;
  /** The excluded offsets the search would otherwise reach. */
  readonly searchExcluded: readonly number[];
  /** How many addresses the search can hand out: the size a full pool reports. */
  readonly assignable: number;

  private constructor(
    readonly spec: Readonly<Required<Omit<PoolSpec, 'gateway'>>> & Pick<PoolSpec, 'gateway'>,
    readonly base: bigint,
    readonly prefixLength: number,
    excluded: Map<bigint, ExclusionReason>,
  ) {
    this.key = JSON.stringify({ network: spec.network, cidr: spec.cidr, gateway: spec.gateway, reserved: spec.reserved });
    this.family = spec.cidr.includes(':') ? 6 : 4;
    this.size = 1n << BigInt(FAMILY_BITS[this.family] - prefixLength);
    this.searched = Number(this.size < MAX_SEARCHED ? this.size : MAX_SEARCHED);
    this.excluded = excluded;
    this.searchExcluded = [...excluded.keys()].filter((o) => o < BigInt(this.searched)).map(Number).sort((a, b) => a - b);
    this.assignable = this.searched - this.searchExcluded.length;
  }

  /** Validates and normalizes a spec; throws `InvalidPoolError` naming the field. */
  static fromSpec(spec: PoolSpec): PoolLayout {
    const network = spec.network;
    if (typeof network !== 'string' || network === '') throw new InvalidPoolError(String(network), 'network', String(network), 'expected a non-empty network name');
    const cidr = parseCidr(spec.cidr);
    if (!cidr) throw new InvalidPoolError(network, 'cidr', spec.cidr, 'expected ADDRESS/PREFIX such as 10.244.0.0/16 or fd00:10::/64');
    const { family } = cidr.address;
    const bits = FAMILY_BITS[family];
    const hostBits = BigInt(bits - cidr.prefixLength);
    const base = (cidr.address.value >> hostBits) << hostBits;
    const canonicalCidr = `${formatIp({ family, value: base })}/${cidr.prefixLength}`;
    if (base !== cidr.address.value) throw new InvalidPoolError(network, 'cidr', spec.cidr, `host bits are set; did you mean ${canonicalCidr}?`);
    const size = 1n << hostBits;

    const excluded = new Map<bigint, ExclusionReason>();
    // Point-to-point /31 (RFC 3021) and IPv6 /127 (RFC 6164) links use both addresses.
    if (family === 4 && cidr.prefixLength <= 30) excluded.set(0n, 'network address').set(size - 1n, 'broadcast address');
    if (family === 6 && cidr.prefixLength <= 126) excluded.set(0n, 'subnet-router anycast address');
    const offsetIn = (field: 'gateway' | 'reserved', text: string): bigint => {
      const ip = parseIp(text);
      if (!ip) throw new InvalidPoolError(network, field, text, `expected an IPv${family} address in ${canonicalCidr}`);
      const offset = ip.value - base;
      if (ip.family !== family || offset < 0n || offset >= size) throw new InvalidPoolError(network, field, text, `outside ${canonicalCidr}`);
      return offset;
    };
    let gateway: string | undefined;
    if (spec.gateway !== undefined) {
      const offset = offsetIn('gateway', spec.gateway);
      const clash = excluded.get(offset);
      if (clash) throw new InvalidPoolError(network, 'gateway', spec.gateway, `is the ${clash} of ${canonicalCidr}; expected a host address in it`);
      excluded.set(offset, 'gateway');
      gateway = formatIp({ family, value: base + offset });
    }
    const reserved = new Set<bigint>();
    for (const text of spec.reserved ?? []) {
      const offset = offsetIn('reserved', text);
      reserved.add(offset);
      if (!excluded.has(offset)) excluded.set(offset, 'reserved');
    }
    const normalized = { network, cidr: canonicalCidr, gateway, reserved: [...reserved].sort((a, b) => (a < b ? -1 : 1)).map((o) => formatIp({ family, value: base + o })) };
    const layout = new PoolLayout(normalized, base, cidr.prefixLength, excluded);
    if (layout.assignable === 0) throw new InvalidPoolError(network, 'cidr', spec.cidr, 'leaves no address to hand out once the gateway and reserved addresses are taken out');
    return layout;
  }

  /** A layout read back from the backend, which stored `key`. */
  static fromKey(key: string): PoolLayout {
    return PoolLayout.fromSpec(JSON.parse(key) as PoolSpec);
  }

  get cidr(): string {
    return this.spec.cidr;
  }

  ipAt(offset: bigint): string {
    return formatIp({ family: this.family, value: this.base + offset });
  }

  macAt(offset: bigint): string {
    return generatedMac(this.base + offset);
  }

  /** The offset of a static IP; throws `InvalidAddressError` for one this pool never hands out. */
  offsetOf(text: string): bigint {
    const ip = parseIp(text);
    const refuse = (reason: string) => new InvalidAddressError(this.spec.network, 'IP', text, reason, this.accepted());
    if (!ip) throw refuse('not an IPv4 or IPv6 address');
    const offset = ip.value - this.base;
    if (ip.family !== this.family || offset < 0n || offset >= this.size) throw refuse(`outside ${this.cidr}`);
    const reason = this.excluded.get(offset);
    if (reason) throw refuse(`is the ${reason === 'reserved' ? 'reserved address' : reason} of the pool`);
    return offset;
  }

  private accepted(): string {
    const kept = [...new Set(this.excluded.values())].map((reason) => (reason === 'gateway' ? `the gateway ${this.spec.gateway}` : reason === 'reserved' ? `${this.spec.reserved.length} reserved address(es)` : `the ${reason}`));
    return `an IPv${this.family} address in ${this.cidr}` + (kept.length ? ` except ${kept.join(', ')}` : '');
  }
}
