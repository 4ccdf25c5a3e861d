import { EventEmitter } from 'node:events';
import { rootLogger, type Logger } from '../../src/log';
import { isIdentifier } from './datum';
import { type SessionOptions, JsonRpcSession } from './jsonrpc-session';
import { DisconnectedError } from './jsonrpc-errors';
import { OvsdbError, OvsdbProtocolError } from './ovsdb-error';
import type { WireOperation } from './operations';
import { type DatabaseSchema, parseSchema } from './schema';
import type { TableUpdates1, TableUpdates2, WireMonitorRequests } from './table-updates';
import { checkTransactResults } from './transact-result';

export interface OvsdbClientOptions extends SessionOptions {
  /** How long `connect` keeps trying before it gives up. Default 10000. */
  connectTimeoutMs?: number;
}

export interface OvsdbClientEvents {
  /** A connection is up: `epoch` 1 first, then one more per reconnect. Monitors do not survive a reconnect; locks are requested again. */
  connect: [epoch: number];
  /** The connection ended; every monitor ended and every lock was released with it. */
  disconnect: [error: Error];
  update: [monitorId: string, updates: TableUpdates1];
  update2: [monitorId: string, updates: TableUpdates2];
  update3: [monitorId: string, lastTxnId: string, updates: TableUpdates2];
  /** A lock requested earlier (or given back after a steal) is now held. */
  locked: [lock: string];
  /** Another client stole a held lock; the request stays queued and `locked` follows if it comes back. */
  stolen: [lock: string];
}

export interface MonitorCondSinceReply {
  /** The server still had the transactions after `lastTxnId`: `updates` are only those, not the whole contents. */
  readonly found: boolean;
  readonly lastTxnId: string;
  readonly updates: TableUpdates2;
}

/** Lock names are RFC 7047 <id>s; the server's own error for others is a bare "syntax error". */
export class InvalidLockNameError extends OvsdbError {
  constructor(readonly lock: string) {
    super(`lock name ${JSON.stringify(lock)} is not an identifier: use letters, digits and "_", not starting with a digit`);
  }
}

function checkLockName(name: string): void {
  if (!isIdentifier(name)) throw new InvalidLockNameError(name);
}

/** The UUID `monitor_cond_since` takes to mean "I have nothing yet". */
export const ZERO_TXN_ID = '00000000-0000-0000-0000-000000000000';

/**
 * The RFC 7047 methods (plus OVS's `monitor_cond`, `monitor_cond_since`) on a session that
 * reconnects by itself. Wire-level: operations and monitor requests are already-encoded
 * JSON, updates are passed on as they arrive. `OvsdbDatabase` builds the schema-aware
 * replica and transactions on top.
 */
export class OvsdbClient extends EventEmitter<OvsdbClientEvents> implements AsyncDisposable {
  /** Locks wanted (requested and not unlocked) → whether held now. */
  private readonly locks = new Map<string, boolean>();

  private constructor(
    private readonly session: JsonRpcSession,
    private readonly log: Logger,
  ) {
    super();
    session.on('notification', (method, params) => this.onNotification(method, params));
    session.on('connect', (epoch) => {
      if (epoch > 1) this.relock();
      this.emit('connect', epoch);
    });
    session.on('disconnect', (error) => {
      for (const name of this.locks.keys()) this.locks.set(name, false);
      this.emit('disconnect', error);
    });
  }

  /** Connects to `unix:PATH` or `tcp:HOST:PORT`, retrying until `connectTimeoutMs`. */
  static async connect(remote: string, options: OvsdbClientOptions = {}): Promise<OvsdbClient> {
    const log = options.log ?? rootLogger.child({ component: 'ovsdb' });
    const client = new OvsdbClient(new JsonRpcSession(remote, { ...options, log }), log);
    await client.session.start(options.connectTimeoutMs ?? 10_000);
    return client;
  }

  get remote(): string {
    return this.session.remoteText;
  }

  get connected(): boolean {
    return this.session.connected;
  }

  async listDbs(): Promise<string[]> {
    return (await this.session.request('list_dbs', [])) as string[];
  }

  async getSchema(database: string): Promise<DatabaseSchema> {
    return parseSchema(await this.session.request('get_schema', [database]));
  }

  /**
   * Runs encoded operations as one transaction. A failed operation (or commit) throws one
   * `TransactionError` naming it. Aborting `signal` sends `cancel`: a transaction blocked in
   * `wait` is dropped; one whose reply was already on its way may still have committed.
   */
  async transact(database: string, operations: readonly WireOperation[], options: { signal?: AbortSignal } = {}): Promise<unknown[]> {
    const result = await this.session.request('transact', [database, ...operations], options.signal);
    return checkTransactResults(database, operations, result);
  }

  /** RFC 7047 `monitor`; changes arrive as `update` events. */
  async monitor(database: string, monitorId: string, requests: WireMonitorRequests): Promise<TableUpdates1> {
    return (await this.session.request('monitor', [database, monitorId, requests])) as TableUpdates1;
  }

  /** `monitor_cond` (conditions in `where`); changes arrive as `update2` events. */
  async monitorCond(database: string, monitorId: string, requests: WireMonitorRequests): Promise<TableUpdates2> {
    return (await this.session.request('monitor_cond', [database, monitorId, requests])) as TableUpdates2;
  }

  /**
   * `monitor_cond_since`: with the last transaction id seen, a server that still has the
   * history sends only what changed since (`found`). Changes arrive as `update3` events.
   */
  async monitorCondSince(database: string, monitorId: string, requests: WireMonitorRequests, lastTxnId = ZERO_TXN_ID): Promise<MonitorCondSinceReply> {
    const reply = await this.session.request('monitor_cond_since', [database, monitorId, requests, lastTxnId]);
    if (!Array.isArray(reply) || reply.length !== 3 || typeof reply[0] !== 'boolean' || typeof reply[1] !== 'string') {
      throw new OvsdbProtocolError(`monitor_cond_since reply ${JSON.stringify(reply).slice(0, 200)} is not [found, last-txn-id, updates]`);
    }
    return { found: reply[0], lastTxnId: reply[1], updates: reply[2] as TableUpdates2 };
  }

  async monitorCancel(monitorId: string): Promise<void> {
    await this.session.request('monitor_cancel', [monitorId]);
  }

  /** Asks for a lock; true if held now, otherwise `locked` is emitted when it is granted. */
  async lock(name: string): Promise<boolean> {
    return this.granted(name, await this.requestLock('lock', name));
  }

  /** Takes a lock from whoever holds it (they get `stolen`, and stay queued for it). */
  async steal(name: string): Promise<void> {
    this.granted(name, await this.requestLock('steal', name));
  }

  /** Gives a lock up (or stops waiting for it). Without a connection there is nothing to give up: the server forgot it. */
  async unlock(name: string): Promise<void> {
    this.locks.delete(name);
    await this.session.request('unlock', [name]).catch((err: unknown) => {
      if (!(err instanceof DisconnectedError)) throw err;
    });
  }

  hasLock(name: string): boolean {
    return this.locks.get(name) === true;
  }

  /** Drops the connection on purpose (the session reconnects), e.g. after the replica found the server inconsistent. */
  reconnect(reason: Error): void {
    this.session.reconnect(reason);
  }

  async close(): Promise<void> {
    await this.session.close();
    this.removeAllListeners();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A lock the request fails for is not wanted: it is not asked for again after a reconnect. */
  private async requestLock(method: 'lock' | 'steal', name: string): Promise<unknown> {
    checkLockName(name);
    const added = !this.locks.has(name);
    if (added) this.locks.set(name, false);
    try {
      return await this.session.request(method, [name]);
    } catch (err) {
      if (added) this.locks.delete(name);
      throw err;
    }
  }

  private granted(name: string, reply: unknown): boolean {
    const locked = (reply as { locked?: unknown })?.locked === true;
    if (locked && this.locks.has(name)) this.locks.set(name, true);
    return locked;
  }

  /** Lock requests die with the connection; ask again on the new one. */
  private relock(): void {
    for (const name of this.locks.keys()) {
      this.session.request('lock', [name]).then(
        (reply) => {
          if (this.granted(name, reply)) this.emit('locked', name);
        },
        (err: Error) => {
          // Lost again already: the next connection asks again.
          if (!(err instanceof DisconnectedError)) this.log.error({ remote: this.remote, lock: name, err: err.message }, 'OVSDB lock request after reconnect failed');
        },
      );
    }
  }

  private onNotification(method: string, params: unknown): void {
    const p = Array.isArray(params) ? params : [];
    switch (method) {
      case 'update':
        this.emit('update', p[0] as string, p[1] as TableUpdates1);
        break;
      case 'update2':
        this.emit('update2', p[0] as string, p[1] as TableUpdates2);
        break;
      case 'update3':
        this.emit('update3', p[0] as string, p[1] as string, p[2] as TableUpdates2);
        break;
      case 'locked':
        if (this.locks.has(p[0] as string)) this.locks.set(p[0] as string, true);
        this.emit('locked', p[0] as string);
        break;
      case 'stolen':
        if (this.locks.has(p[0] as string)) this.locks.set(p[0] as string, false);
        this.emit('stolen', p[0] as string);
        break;
    }
  }
}
