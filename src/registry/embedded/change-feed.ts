/**
 * Wake-ups for blocking queries. Writers publish the topics a transaction touched
 * (`services`, `service:echo`, `kv`, …); a waiter sleeps on the topics its query reads
 * and is woken by the first publish to any of them — so one change wakes exactly the
 * queries that might see it, and each re-evaluates its own index.
 */
export class ChangeFeed {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private count = 0;

  /** Resolves true on a change to one of `topics`, false at the timeout or on `wakeAll`. */
  next(topics: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      this.count++;
      let done = false;
      const waiter: Waiter = (changed) => {
        if (done) return;
        done = true;
        this.count--;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        for (const topic of topics) this.remove(topic, waiter);
        if (changed === 'aborted') reject(signal!.reason);
        else resolve(changed);
      };
      const onAbort = () => waiter('aborted');
      const timer = setTimeout(() => waiter(false), Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
      for (const topic of topics) {
        let set = this.waiters.get(topic);
        if (!set) this.waiters.set(topic, (set = new Set()));
        set.add(waiter);
      }
    });
  }

  publish(topics: Iterable<string>): void {
    const woken = new Set<Waiter>();
    for (const topic of topics) for (const waiter of this.waiters.get(topic) ?? []) woken.add(waiter);
    for (const waiter of woken) waiter(true);
  }

  /** Ends every wait (as a timeout would): used when the registry shuts down. */
  wakeAll(): void {
    const all = new Set<Waiter>();
    for (const set of this.waiters.values()) for (const waiter of set) all.add(waiter);
    for (const waiter of all) waiter(false);
  }

  /** Waits in progress. */
  waiting(): number {
    return this.count;
  }

  private remove(topic: string, waiter: Waiter): void {
    const set = this.waiters.get(topic);
    if (!set) return;
    set.delete(waiter);
    if (set.size === 0) this.waiters.delete(topic);
  }
}

type Waiter = (changed: boolean | 'aborted') => void;
