import Redis from 'ioredis';
import { LoomError, describeCause } from '../errors';
import { rootLogger, type Logger } from '../log';
import { checkReferences, emptyMesh, type Mesh } from '../model/mesh';
import { CorruptStateError } from './file-state-store';
import { COMMIT } from './redis-state-scripts';
import { notifyListeners, StoredMeshSchema, type ChangeListener, type StateStore } from './state-store';

export interface RedisStateStoreOptions {
  /** `redis://host:port/db`; the store opens its own connections and quits them on `close()`. */
  url?: string;
  /** A connection to share instead; `close()` leaves it open (the store still opens its own subscriber, a duplicate). */
  client?: Redis;
  /** Prepended to every key and channel, so several clusters can share one Redis. Default `loom:`. */
  keyPrefix?: string;
  log?: Logger;
}

/** Another instance committed since this one last looked; nothing was changed. Retry on `current()`. */
export class StateConflictError extends LoomError {
  constructor(
    /** The revision this instance based its commit on. */
    readonly expectedRevision: number,
    /** The revision stored in Redis when the commit was refused. */
    readonly storedRevision: number,
  ) {
    super(`state changed concurrently: this commit was based on revision ${expectedRevision} but revision ${storedRevision} is stored; nothing was changed, retry on the new state`);
  }
}

/** The client with the commit script defined on it (run by EVALSHA, loaded on NOSCRIPT). */
interface ScriptedRedis extends Redis {
  loomStateCommit(key: string, expected: string, mesh: string, channel: string): Promise<[number, number]>;
}

/**
 * The mesh in Redis, shared by several control-plane instances: one hash `<prefix>state`
 * with `format`, `revision` and `mesh` (JSON). `commit` is optimistic: a Lua script writes
 * only if the stored revision is still the one this instance last saw, else it throws
 * StateConflictError (after catching up, so the caller can retry on `current()`). Every
 * commit publishes its revision on `<prefix>state:changes`; the other instances reload,
 * validate like the file store, and tell their listeners. A missed message is caught up
 * whenever the subscriber (re)connects, by comparing revisions.
 */
export class RedisStateStore implements StateStore {
  private readonly listeners = new Set<ChangeListener>();
  private readonly redis: ScriptedRedis;
  private readonly key: string;
  private readonly channel: string;
  private readonly log: Logger;
  private mesh: Mesh = emptyMesh();
  private rev = 0;
  private syncing: Promise<void> = Promise.resolve();
  /** The last stored revision refused as invalid, so it is logged once, not on every look. */
  private refused: number | undefined;
  private closed = false;

  static async open(options: RedisStateStoreOptions): Promise<RedisStateStore> {
    const log = (options.log ?? rootLogger).child({ component: 'state', backend: 'redis' });
    const owned = !options.client;
    const client = options.client ?? watched(new Redis(options.url ?? 'redis://127.0.0.1:6379', { lazyConnect: true }), log, options.url);
    const subscriber = watched(client.duplicate({ lazyConnect: true }), log, options.url);
    const store = new RedisStateStore(client, subscriber, owned, options.keyPrefix ?? 'loom:', log);
    try {
      if (owned) await client.connect();
      await subscriber.connect();
      // Subscribe before the first read, so no commit falls between the two.
      await subscriber.subscribe(store.channel);
      const loaded = store.parse(await client.hgetall(store.key));
      if ('problem' in loaded) throw new CorruptStateError(`Redis key ${store.key} is not a Loom state: ${loaded.problem}; delete it to start empty`);
      store.mesh = loaded.mesh;
      store.rev = loaded.revision;
    } catch (err) {
      subscriber.disconnect();
      if (owned) client.disconnect();
      throw err;
    }
    subscriber.on('message', (channel: string, message: string) => {
      // Its own commits come back too; a revision already held needs no reload.
      if (channel === store.channel && !(Number(message) <= store.rev)) store.sync();
    });
    // ioredis resubscribes after a reconnect; whatever was published meanwhile is caught up here.
    subscriber.on('ready', () => store.sync());
    return store;
  }

  private constructor(
    client: Redis,
    private readonly subscriber: Redis,
    private readonly ownsClient: boolean,
    keyPrefix: string,
    log: Logger,
  ) {
    this.redis = client as ScriptedRedis;
    this.redis.defineCommand('loomStateCommit', { numberOfKeys: 1, lua: COMMIT });
    this.key = `${keyPrefix}state`;
    this.channel = `${keyPrefix}state:changes`;
    this.log = log.child({ key: this.key });
  }

  current(): Mesh {
    return this.mesh;
  }

  revision(): number {
    return this.rev;
  }

  async commit(mesh: Mesh): Promise<void> {
    if (this.closed) throw new LoomError('the state store is closed');
    const expected = this.rev;
    const [ok, revision] = await this.redis.loomStateCommit(this.key, String(expected), JSON.stringify(mesh), this.channel);
    if (!ok) {
      // Catch up first, so the caller retries on the state that won.
      this.sync();
      await this.syncing;
      throw new StateConflictError(expected, revision);
    }
    this.apply(mesh, revision);
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.syncing;
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Reloads if Redis holds a newer revision; looks never overlap. */
  private sync(): void {
    this.syncing = this.syncing
      .then(async () => {
        if (this.closed) return;
        const loaded = this.parse(await this.redis.hgetall(this.key));
        if ('problem' in loaded) {
          if (loaded.revision !== undefined && loaded.revision <= this.rev) return;
          if (this.refused === undefined || loaded.revision !== this.refused) {
            this.log.error({ revision: loaded.revision, localRevision: this.rev, problem: loaded.problem }, 'refused an invalid state from Redis; keeping the last valid one');
          }
          this.refused = loaded.revision;
          return;
        }
        this.apply(loaded.mesh, loaded.revision);
      })
      .catch((err: unknown) => {
        this.log.warn({ err: describeCause(err) }, 'could not reload the state from Redis; will retry on the next change or reconnect');
      });
  }

  /** Takes a newer revision (never an older one: a commit's reply can arrive after a later change was loaded). */
  private apply(mesh: Mesh, revision: number): void {
    if (revision <= this.rev) return;
    this.mesh = mesh;
    this.rev = revision;
    notifyListeners(this.listeners, mesh, revision, this.log);
  }

  private parse(fields: Record<string, string>): { mesh: Mesh; revision: number } | { problem: string; revision?: number } {
    if (Object.keys(fields).length === 0) return { mesh: emptyMesh(), revision: 0 };
    const revision = /^\d+$/.test(fields.revision ?? '') ? Number(fields.revision) : undefined;
    if (fields.format !== '1') return { problem: `format is ${JSON.stringify(fields.format)}, not "1"`, revision };
    if (revision === undefined) return { problem: `revision ${JSON.stringify(fields.revision)} is not a whole number` };
    let json: unknown;
    try {
      json = JSON.parse(fields.mesh ?? '');
    } catch (err) {
      return { problem: `mesh is not JSON: ${(err as Error).message}`, revision };
    }
    const parsed = StoredMeshSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { problem: `mesh${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}`, revision };
    }
    const problems = checkReferences(parsed.data);
    if (problems.length > 0) return { problem: `mesh is inconsistent: ${problems[0].resource}: ${problems[0].message}`, revision };
    return { mesh: parsed.data, revision };
  }
}

/** Logs a lost connection once per outage (without a listener ioredis prints every failed reconnect). */
function watched(redis: Redis, log: Logger, url: string | undefined): Redis {
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message, url }, 'state store lost its Redis connection; reconnecting');
    down = true;
  });
  redis.on('ready', () => (down = false));
  return redis;
}
