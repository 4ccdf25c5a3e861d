/**
 * Echo keepalive of one connection: `probe()` (send an echo request) after `intervalMs`
 * without receiving anything, `onSilent()` once nothing at all has arrived for `intervalMs +
 * timeoutMs`. Any traffic counts, not only echo replies: a switch busy streaming a reply
 * is alive.
 */
export class Keepalive {
  private lastReceived = performance.now();
  private lastProbe = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly probe: () => void,
    private readonly onSilent: (silentMs: number) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), Math.max(10, Math.min(this.intervalMs, this.timeoutMs) / 4));
    this.timer.unref();
  }

  received(): void {
    this.lastReceived = performance.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = performance.now();
    const silent = now - this.lastReceived;
    if (silent >= this.intervalMs + this.timeoutMs) {
      this.stop();
      this.onSilent(Math.round(silent));
    } else if (silent >= this.intervalMs && now - this.lastProbe >= this.intervalMs) {
      this.lastProbe = now;
      this.probe();
    }
  }
}
