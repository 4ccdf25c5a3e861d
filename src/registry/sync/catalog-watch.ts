import { describeCause } from '../../errors';
import type { Logger } from '../../log';
import type { Registry, ServiceInstance } from '../registry';

/**
 * Follows the whole catalog with blocking queries, as Consul's own tools do: one on the
 * service list, one per service on its health. Each change is reported as a complete
 * catalog (service → instances), coalesced over `coalesceMs`, so a health change
 * reaches the listener within one blocking-query round trip plus that delay.
 *
 * An outage never empties the catalog: a failed query keeps the last answer and retries
 * with exponential backoff (100 ms doubling to 30 s, with jitter); a service is dropped
 * only when the registry answers without it. The first report waits until every
 * service has answered once, so it is never a partial catalog.
 */

export type Catalog = Record<string, ServiceInstance[]>;

export interface CatalogWatchOptions {
  log: Logger;
  /** Changes within this window are reported together; default 20 ms. */
  coalesceMs?: number;
  /** Blocking-query wait; default the registry's (5 min). */
  waitMs?: number;
  backoff?: { baseMs: number; maxMs: number };
}

export interface CatalogWatch {
  /** Resolves with the first complete catalog. */
  ready: Promise<Catalog>;
  close(): void;
}

const DEFAULT_BACKOFF = { baseMs: 100, maxMs: 30_000 };

export function watchCatalog(registry: Registry, onChange: (catalog: Catalog) => void, opts: CatalogWatchOptions): CatalogWatch {
  const log = opts.log.child({ component: 'catalog-watch' });
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const root = new AbortController();
  const catalog = new Map<string, ServiceInstance[]>();
  const loops = new Map<string, AbortController>();
  /** Services whose first answer has not arrived: the first report waits for them. */
  const pending = new Set<string>();
  let listed = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveReady!: (c: Catalog) => void;
  const ready = new Promise<Catalog>((resolve) => (resolveReady = resolve));
  let reported = false;

  const snapshot = (): Catalog => Object.fromEntries([...catalog.keys()].sort().map((k) => [k, catalog.get(k)!]));
  const changed = () => {
    if (!listed || pending.size > 0 || root.signal.aborted) return;
    if (!reported) {
      reported = true;
      const first = snapshot();
      resolveReady(first);
      onChange(first);
      return;
    }
    timer ??= setTimeout(() => {
      timer = undefined;
      if (!root.signal.aborted) onChange(snapshot());
    }, opts.coalesceMs ?? 20);
  };

  /** Runs blocking queries forever: `query(index)` → next index; failures back off. */
  const follow = async (what: string, signal: AbortSignal, query: (index: number | undefined) => Promise<number>) => {
    let index: number | undefined;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const next = await query(index);
        // An index that went backwards means the registry's state was reset: start over.
        index = next < (index ?? 0) ? undefined : next;
        if (failures > 0) log.info({ what, after: failures }, 'registry answers again');
        failures = 0;
      } catch (err) {
        if (signal.aborted) return;
        failures++;
        const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
        if (failures === 1) log.warn({ what, err: describeCause(err) }, 'registry query failed; keeping the last known catalog and retrying');
        await sleep(delay, signal);
      }
    }
  };

  const startService = (name: string) => {
    const controller = new AbortController();
    const onClose = () => controller.abort();
    root.signal.addEventListener('abort', onClose, { once: true });
    controller.signal.addEventListener('abort', () => root.signal.removeEventListener('abort', onClose), { once: true });
    loops.set(name, controller);
    pending.add(name);
    void follow(`health of ${name}`, controller.signal, async (index) => {
      const r = await registry.instances(name, { index, waitMs: opts.waitMs, signal: controller.signal });
      if (controller.signal.aborted) return r.index;
      if (index === undefined || r.index !== index) {
        catalog.set(name, r.value);
        pending.delete(name);
        changed();
      }
      return r.index;
    });
  };

  void follow('service list', root.signal, async (index) => {
    const r = await registry.services({ index, waitMs: opts.waitMs, signal: root.signal });
    if (root.signal.aborted) return r.index;
    const names = new Set(Object.keys(r.value));
    for (const name of names) if (!loops.has(name)) startService(name);
    let removed = false;
    for (const [name, controller] of loops) {
      if (names.has(name)) continue;
      controller.abort();
      loops.delete(name);
      pending.delete(name);
      removed = catalog.delete(name) || removed;
    }
    listed = true;
    if (removed || names.size === 0) changed();
    return r.index;
  });

  return {
    ready,
    close() {
      root.abort();
      clearTimeout(timer);
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
