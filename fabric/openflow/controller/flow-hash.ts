/**
 * The content hash in cookies: the first `bits` (32 to 48) bits of 64 bits of MurmurHash3
 * (x86, 32-bit) over a flow's encoding, from two seeds. Not cryptographic — flows are ours,
 * and a collision only costs a rehash with the next pair of seeds (`salt`) — but four
 * times faster here than SHA-1 through node:crypto, which matters at 100,000 flows a sync.
 * Fixed forever: a restarted controller must compute the cookies it installed before.
 */
export function flowHash(b: Uint8Array, start: number, end: number, bits: number, salt = 0): number {
  const hi = murmur3(b, start, end, 2 * salt);
  const lo = murmur3(b, start, end, 2 * salt + 1);
  return hi * 2 ** (bits - 32) + Math.floor(lo / 2 ** (64 - bits));
}

/** MurmurHash3, x86 32-bit variant, of b[start, end). */
export function murmur3(b: Uint8Array, start: number, end: number, seed: number): number {
  let h = seed | 0;
  let p = start;
  for (; p + 4 <= end; p += 4) {
    h ^= scramble(b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (p < end) {
    let tail = 0;
    for (let shift = 0; p < end; p++, shift += 8) tail |= b[p] << shift;
    h ^= scramble(tail);
  }
  h ^= end - start;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function scramble(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}
