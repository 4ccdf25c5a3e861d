/**
 * Hashes (integers below 2^48: cookie hash parts, flow keys) → flow positions, for sets
 * of 100,000. A Map spent more time on these than hashing the flows did; this is open
 * addressing over typed arrays, sized once for `capacity` entries (load at most 1/2).
 */
export class HashIndex {
  private readonly keys: Float64Array;
  private readonly values: Int32Array;
  private readonly mask: number;
  private count = 0;

  constructor(private readonly capacity: number) {
    let slots = 16;
    while (slots < 2 * capacity) slots *= 2;
    this.keys = new Float64Array(slots);
    this.values = new Int32Array(slots).fill(-1);
    this.mask = slots - 1;
  }

  /** Every value of `hashes` → its position. Later duplicates are not indexed. */
  static of(hashes: ArrayLike<number>): HashIndex {
    const index = new HashIndex(hashes.length);
    for (let i = 0; i < hashes.length; i++) if (!index.has(hashes[i])) index.set(hashes[i], i);
    return index;
  }

  get size(): number {
    return this.count;
  }

  /** The value stored for `key`, or -1. */
  get(key: number): number {
    for (let i = key & this.mask; ; i = (i + 1) & this.mask) {
      const v = this.values[i];
      if (v === -1 || this.keys[i] === key) return v;
    }
  }

  has(key: number): boolean {
    return this.get(key) !== -1;
  }

  /** Adds `key` → `value` (≥ 0), also when the key is already there. */
  set(key: number, value: number): void {
    this.addUnless(key, value, () => false);
  }

  /**
   * Adds `key` → `value` unless a value already stored under `key` passes `same`; returns
   * that value, or -1 when added. For keys that are hashes of something `same` compares.
   */
  addUnless(key: number, value: number, same: (stored: number) => boolean): number {
    let i = key & this.mask;
    for (; this.values[i] !== -1; i = (i + 1) & this.mask) if (this.keys[i] === key && same(this.values[i])) return this.values[i];
    if (this.count >= this.capacity) throw new RangeError(`HashIndex holds at most ${this.capacity} keys`);
    this.keys[i] = key;
    this.values[i] = value;
    this.count++;
    return -1;
  }

  forEachKey(fn: (key: number) => void): void {
    for (let i = 0; i < this.values.length; i++) if (this.values[i] !== -1) fn(this.keys[i]);
  }
}
