/**
 * Encoded answers of reads, by request (path and query without `index`/`wait`), kept
 * while the read's index is unchanged. Every read's index covers everything its answer
 * depends on, so an entry with the current index is the answer: the 1,000 blocking
 * queries one change wakes encode it once, and repeated polls are not re-encoded.
 */

export interface CachedAnswer {
  index: number;
  status: 200 | 404;
  type?: string;
  body?: string | Buffer;
}

export class ResponseCache {
  private readonly entries = new Map<string, CachedAnswer>();

  constructor(private readonly maxEntries = 1024) {}

  /** The request's identity: `/v1/health/service/web?passing=&tag=v1`, parameters sorted. */
  static key(url: string): string {
    const parsed = new URL(url, 'http://registry');
    parsed.searchParams.delete('index');
    parsed.searchParams.delete('wait');
    parsed.searchParams.sort();
    return `${parsed.pathname}?${parsed.searchParams}`;
  }

  get(key: string, index: number): CachedAnswer | undefined {
    const hit = this.entries.get(key);
    return hit && hit.index === index ? hit : undefined;
  }

  set(key: string, answer: CachedAnswer): void {
    this.entries.delete(key);
    this.entries.set(key, answer);
    // Maps iterate in insertion order: the first key is the least recently stored.
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
