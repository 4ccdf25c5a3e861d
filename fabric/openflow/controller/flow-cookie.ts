import { InvalidOptionError } from './errors';

/**
 * Cookies record who owns a flow and what it is: the high `ownerBits` hold the owner, the
 * rest (the "hash part", 32 to 48 bits) the first bits of a hash of the flow's encoding
 * (flowHash of the FLOW_MOD that adds it, with xid and cookie 0).
 * A switch's flows of one owner are then one dump by cookie mask, and comparing desired
 * with installed flows is comparing sets of hash parts — no need to read back matches and
 * actions, which OVS returns normalized. Flows of other owners (another feature,
 * `ovs-ofctl` by hand with cookie 0) are never matched.
 *
 * Hash parts are plain numbers (at most 48 bits, exact in a double): large flow sets are
 * compared without bigint arithmetic.
 */
export class CookieSpace {
  /** The owner's bits in place: the `cookie` of a flow-stats or delete filter. */
  readonly prefix: bigint;
  /** Selects the owner bits: the `cookieMask` of that filter. */
  readonly mask: bigint;
  readonly hashBits: number;
  private readonly hashMask: bigint;

  constructor(
    readonly owner: number,
    readonly ownerBits = 16,
  ) {
    if (!Number.isInteger(ownerBits) || ownerBits < 16 || ownerBits > 32) {
      throw new InvalidOptionError('ownerBits', `${ownerBits} is not an integer 16..32 (the rest of the 64 bits, 32 to 48, identify the flow)`);
    }
    if (!Number.isInteger(owner) || owner < 1 || owner >= 2 ** ownerBits) {
      throw new InvalidOptionError('owner', `${owner} is not an integer 1..${2 ** ownerBits - 1} (0 would claim flows added without a cookie)`);
    }
    this.hashBits = 64 - ownerBits;
    this.hashMask = (1n << BigInt(this.hashBits)) - 1n;
    this.prefix = BigInt(owner) << BigInt(this.hashBits);
    this.mask = ((1n << BigInt(ownerBits)) - 1n) << BigInt(this.hashBits);
  }

  /** The cookie of this owner's flow with hash part `hash`. */
  cookie(hash: number): bigint {
    return this.prefix | BigInt(hash);
  }

  /** The hash part of one of this owner's cookies. */
  hashPart(cookie: bigint): number {
    return Number(cookie & this.hashMask);
  }

  /** Writes `cookie(hash)` big-endian at `at`, without going through a bigint. */
  writeCookie(b: Buffer, at: number, hash: number): void {
    const high = 2 ** 32;
    b.writeUInt32BE(this.owner * 2 ** (this.hashBits - 32) + Math.floor(hash / high), at);
    b.writeUInt32BE(hash % high, at + 4);
  }

  owns(cookie: bigint): boolean {
    return (cookie & this.mask) === this.prefix;
  }
}
