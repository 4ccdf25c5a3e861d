/**
 * Reconnect delays: the first retry after `minMs`, doubling on each failure up to
 * `maxMs`, and back to `minMs` once a connection succeeds. No jitter: each agent talks
 * to its own local ovsdb-server, so there is no herd to spread out.
 */
export class Backoff {
  private failures = 0;

  constructor(
    readonly minMs: number,
    readonly maxMs: number,
  ) {}

  next(): number {
    return Math.min(this.maxMs, this.minMs * 2 ** this.failures++);
  }

  reset(): void {
    this.failures = 0;
  }
}
