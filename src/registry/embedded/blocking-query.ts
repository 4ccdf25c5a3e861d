import type { QueryOptions } from '../registry';
import type { ChangeFeed } from './change-feed';

/**
 * Consul's blocking queries: with `index`, the query returns once its result's index
 * differs from `index` (it grew, or went backwards after a reset), or when the wait is
 * over — then with the same index. Without `index` it returns at once.
 */

export const DEFAULT_WAIT_MS = 5 * 60_000;
export const MAX_WAIT_MS = 10 * 60_000;

/** The wait Consul applies: default 5 min, at most 10 min, plus up to 1/16 random jitter. */
export function effectiveWaitMs(waitMs: number | undefined, random = Math.random): number {
  const wait = Math.min(waitMs === undefined || waitMs <= 0 ? DEFAULT_WAIT_MS : waitMs, MAX_WAIT_MS);
  return wait + Math.floor(random() * (wait / 16));
}

/**
 * Waits as a blocking query does and returns the index to answer with; the caller then
 * reads the value once. `index` is re-evaluated on every wake-up, so it must be cheap.
 */
export async function blockingQuery(feed: ChangeFeed, read: { topics: readonly string[]; index(): number }, q: QueryOptions | undefined): Promise<number> {
  let index = atLeastOne(read.index());
  if (!q?.index) return index;
  const deadline = Date.now() + effectiveWaitMs(q.waitMs);
  while (index === q.index) {
    const left = deadline - Date.now();
    if (left <= 0 || !(await feed.next(read.topics, left, q.signal))) return atLeastOne(read.index());
    index = atLeastOne(read.index());
  }
  return index;
}

/** Consul never answers with index 0: clients take 0 as "no blocking support". */
function atLeastOne(index: number): number {
  return Math.max(1, index);
}
