import { createHash } from 'node:crypto';

/**
 * Session affinity by client IP without per-client state (the codec has no `learn`
 * action): the low bits of the client's address pick a slot, and each slot is one flow
 * that sends to one backend.
 *
 * How many slots: at least SLOTS_PER_BACKEND per backend, rounded up to a power of two so
 * that a bit mask selects a slot — fewer than 8 flows per backend. Every backend gets one
 * slot and the rest go by weight (largest remainder), so equal backends' shares of client
 * addresses differ by one slot at most (within 25%). Clients of one network usually have
 * consecutive addresses, which the low bits spread evenly.
 *
 * Which slots: filled Maglev-style. Each backend has its own order of preference over the
 * slots (an offset and an odd stride from a hash of its name: a permutation, as the count
 * is a power of two), and backends take turns claiming their next free preference until
 * their share is met. While the slot count stays, removing a backend leaves most of the
 * others' slots (and clients) where they were.
 */
export const SLOTS_PER_BACKEND = 4;

/** The backend of each slot (slot = client address & (length - 1)); one slot for one backend, none for none. */
export function affinitySlots(backends: readonly { name: string; weight: number }[]): string[] {
  const sorted = [...backends].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (sorted.length <= 1) return sorted.map((b) => b.name);
  let size = 1;
  while (size < SLOTS_PER_BACKEND * sorted.length) size *= 2;
  const quotas = shares(sorted.map((b) => b.weight), size);
  const order = sorted.map((b) => preference(b.name, size));
  const tried = sorted.map(() => 0);
  const table = new Array<string | undefined>(size).fill(undefined);
  let filled = 0;
  while (filled < size) {
    for (let i = 0; i < sorted.length && filled < size; i++) {
      if (quotas[i] === 0) continue;
      let slot: number;
      do slot = (order[i].offset + tried[i]++ * order[i].stride) % size;
      while (table[slot] !== undefined);
      table[slot] = sorted[i].name;
      quotas[i]--;
      filled++;
    }
  }
  return table as string[];
}

/** One slot each, the rest in proportion to `weights` (largest remainder, earlier first on ties). */
function shares(weights: readonly number[], size: number): number[] {
  const rest = size - weights.length;
  const total = weights.reduce((sum, w) => sum + w, 0);
  const exact = weights.map((w) => (rest * w) / total);
  const quotas = exact.map((x) => 1 + Math.floor(x));
  let left = size - quotas.reduce((sum, q) => sum + q, 0);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left-- <= 0) break;
    quotas[i]++;
  }
  return quotas;
}

function preference(name: string, size: number): { offset: number; stride: number } {
  const digest = createHash('sha256').update(name).digest();
  return { offset: digest.readUInt32BE(0) % size, stride: (digest.readUInt32BE(4) % size) | 1 };
}
