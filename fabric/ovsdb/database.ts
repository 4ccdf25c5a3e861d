import { EventEmitter } from 'node:events';
import { rootLogger, type Logger } from '../../src/log';
import { DisconnectedError, RpcError } from './jsonrpc-errors';
import { OvsdbClient, type OvsdbClientOptions, ZERO_TXN_ID } from './ovsdb-client';
import { OvsdbError } from './ovsdb-error';
import { type Condition, encodeOperations } from './operations';
import { Replica, type RowChange } from './replica';
import { type DatabaseSchema, SchemaError } from './schema';
import type { TableUpdates2, WireMonitorRequests } from './table-updates';
import { decodeOperationResults, type OperationResult, TransactionError } from './transact-result';
import { Transaction } from './transaction';

/** Newest first: what `open` tries when no method is forced. */
export const MONITOR_METHODS = ['monitor_cond_since', 'monitor_cond', 'monitor'] as const;
export type MonitorMethod = (typeof MONITOR_METHODS)[number];

/** Columns to replicate (all when `'*'`), and for `monitor_cond` and later, which rows. */
export type TableSpec = '*' | readonly string[] | { readonly columns?: '*' | readonly string[]; readonly where?: readonly Condition[] };

export interface DatabaseOptions extends OvsdbClientOptions {
  remote: string;
  database: string;
  tables: Readonly<Record<string, TableSpec>>;
  /** Default: the newest the server speaks. */
  monitorMethod?: MonitorMethod;
  /** Attempts per transaction before `TransactionConflictError`. Default 10. */
  maxAttempts?: number;
  log?: Logger;
}

export interface ChangeBatch {
  /** The replica's sequence number after these changes. */
  readonly seqno: number;
  readonly changes: readonly RowChange[];
  /** `resync`: the difference found when monitoring again after a reconnect. */
  readonly cause: 'update' | 'resync';
}

export interface ResyncInfo {
  readonly epoch: number;
  readonly method: MonitorMethod;
  /** `monitor_cond_since` resumed from the last transaction seen: only what changed meanwhile was sent. */
  readonly resumed: boolean;
}

export interface DatabaseEvents {
  change: [batch: ChangeBatch];
  /** The replica is current again after a reconnect. */
  resync: [info: ResyncInfo];
  disconnect: [error: Error];
}

export interface TransactOutcome<T> {
  /** What the build function returned (on the attempt that committed). */
  readonly value: T;
  readonly results: readonly OperationResult[];
  /** UUIDs the server gave inserted rows, by the name `insert` returned. */
  readonly inserted: ReadonlyMap<string, string>;
  readonly attempts: number;
  /** False when the build asked for no change and nothing was sent. */
  readonly committed: boolean;
}

export type BuildTransaction<T> = (txn: Transaction, replica: Replica) => T | Promise<T>;

/** Every attempt was refused because what it verified had changed meanwhile (or the connection kept dropping). */
export class TransactionConflictError extends OvsdbError {
  constructor(
    readonly database: string,
    readonly attempts: number,
    options: { cause?: unknown },
  ) {
    super(`transaction on ${database} gave up after ${attempts} attempts: the rows it read kept changing or the connection kept dropping`, options);
  }
}

export class WaitTimeoutError extends OvsdbError {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    detail?: string,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? ` (${detail})` : ''}`);
  }
}

export class DatabaseClosedError extends OvsdbError {}

/** How long a transaction refused by `verify` waits for the change that refused it to reach the replica. */
const CONFLICT_CATCH_UP_MS = 5000;

let monitorCounter = 0;

/**
 * A database kept in sync locally: it connects, replicates the chosen tables through the
 * newest monitor method the server speaks, and after a reconnect monitors again —
 * resuming from the last transaction with `monitor_cond_since` when the server still has
 * it, else rebuilding the replica and reporting the difference as changes.
 *
 * Transactions are optimistic (as in OVS's IDL): `transact(build)` runs `build` against
 * the replica, sends what it gathered, and when a `verify` fails (someone changed what
 * was read) or the connection drops, waits for the replica to catch up and runs `build`
 * again. `build` must therefore describe the wanted state from what it reads, not blindly
 * append to it. ovsdb-server sends a transaction's monitor updates before its reply, so
 * when `transact` resolves the replica already shows the result.
 */
export class OvsdbDatabase extends EventEmitter<DatabaseEvents> implements AsyncDisposable {
  private synced = false;
  private closed = false;
  private lastTxnId = ZERO_TXN_ID;
  private buffered: (() => RowChange[])[] = [];
  private readonly monitorId = `loom-replica-${++monitorCounter}`;

  private constructor(
    readonly client: OvsdbClient,
    readonly database: string,
    readonly schema: DatabaseSchema,
    readonly replica: Replica,
    private readonly requests: WireMonitorRequests,
    private method: MonitorMethod,
    private readonly forcedMethod: boolean,
    private readonly conditional: boolean,
    private readonly maxAttempts: number,
    private readonly log: Logger,
  ) {
    super();
    client.on('update', (id, updates) => id === this.monitorId && this.deliver(() => this.replica.applyUpdates1(updates)));
    client.on('update2', (id, updates) => id === this.monitorId && this.deliver(() => this.replica.applyUpdates2(updates)));
    client.on('update3', (id, txnId, updates) => id === this.monitorId && this.deliver(() => this.applyUpdate3(txnId, updates)));
    client.on('disconnect', (error) => {
      this.synced = false;
      if (!this.closed) this.emit('disconnect', error);
    });
    client.on('connect', (epoch) => {
      if (epoch > 1) void this.monitor(epoch);
    });
  }

  /** Connects, reads the schema and waits until the replica holds the initial contents. */
  static async open(options: DatabaseOptions): Promise<OvsdbDatabase> {
    const log = options.log ?? rootLogger.child({ component: 'ovsdb', database: options.database });
    const client = await OvsdbClient.connect(options.remote, { ...options, log });
    try {
      const schema = await client.getSchema(options.database);
      const { columns, requests, conditional } = monitorRequests(schema, options.tables);
      const method = options.monitorMethod ?? MONITOR_METHODS[0];
      if (method === 'monitor' && conditional) throw new SchemaError(options.database, '"where" in a table spec needs monitor_cond or monitor_cond_since');
      const db = new OvsdbDatabase(client, options.database, schema, new Replica(schema, columns), requests, method, !!options.monitorMethod, conditional, options.maxAttempts ?? 10, log);
      await db.monitor(1);
      return db;
    } catch (err) {
      await client.close();
      throw err;
    }
  }

  get monitorMethod(): MonitorMethod {
    return this.method;
  }

  get seqno(): number {
    return this.replica.seqno;
  }

  /** Whether the replica is current (connected and monitoring). */
  get isSynced(): boolean {
    return this.synced;
  }

  /**
   * Runs `build` against the replica and commits what it gathered, rebuilding after a
   * failed `verify` or a lost connection, up to `maxAttempts` times.
   */
  async transact<T>(build: BuildTransaction<T>, options: { signal?: AbortSignal; maxAttempts?: number } = {}): Promise<TransactOutcome<T>> {
    const maxAttempts = options.maxAttempts ?? this.maxAttempts;
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      options.signal?.throwIfAborted();
      await this.whenSynced();
      const seqno = this.replica.seqno;
      const txn = new Transaction(this.replica);
      const value = await build(txn, this.replica);
      if (!txn.hasChanges) return { value, results: [], inserted: new Map(), attempts: attempt, committed: false };
      const operations = encodeOperations(this.schema, txn.operations);
      try {
        const raw = await this.client.transact(this.database, operations, { signal: options.signal });
        const results = decodeOperationResults(this.schema, operations, raw);
        return { value, results, inserted: txn.insertedUuids(results), attempts: attempt, committed: true };
      } catch (err) {
        if (err instanceof TransactionError && txn.isVerifyFailure(err)) {
          this.log.debug({ attempt, failure: err.message }, 'OVSDB transaction conflict; rebuilding from the replica');
          await this.waitForChange(seqno);
        } else if (!(err instanceof DisconnectedError)) {
          throw err;
        }
        lastError = err;
      }
    }
    throw new TransactionConflictError(this.database, maxAttempts, { cause: lastError });
  }

  /**
   * Resolves with `probe(replica)` once it returns something other than `undefined` or
   * `false`, checking now and after every change or reconnect.
   */
  waitFor<T>(probe: (replica: Replica) => T | undefined | false, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const events = ['change', 'resync', 'disconnect'] as const;
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        for (const e of events) this.off(e, check);
        settle();
      };
      const check = () => {
        if (this.closed) return finish(() => reject(new DatabaseClosedError(`${this.database} closed while waiting for ${what}`)));
        try {
          const value = probe(this.replica);
          if (value !== undefined && value !== false) finish(() => resolve(value));
        } catch (err) {
          finish(() => reject(err));
        }
      };
      const timer = setTimeout(() => finish(() => reject(new WaitTimeoutError(what, timeoutMs))), timeoutMs);
      for (const e of events) this.on(e, check);
      check();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client.close();
    this.emit('disconnect', new DatabaseClosedError(`${this.database} closed`));
    this.removeAllListeners();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async monitor(epoch: number): Promise<void> {
    this.synced = false;
    this.buffered = [];
    try {
      const { changes, resumed } = await this.requestMonitor();
      this.synced = true;
      this.publish(changes, 'resync');
      for (const apply of this.buffered.splice(0)) this.publish(apply(), 'update');
      if (epoch > 1) {
        this.log.info({ remote: this.client.remote, epoch, method: this.method, resumed }, 'OVSDB replica resynchronised');
        this.emit('resync', { epoch, method: this.method, resumed });
      }
    } catch (err) {
      if (epoch === 1) throw err;
      // Lost again: the next connection monitors again.
      if (err instanceof DisconnectedError) return;
      this.log.error({ remote: this.client.remote, err: (err as Error).message }, 'OVSDB monitor failed; reconnecting');
      this.client.reconnect(err as Error);
    }
  }

  /** Sends the monitor request, stepping down to an older method if the server does not know the newer one. */
  private async requestMonitor(): Promise<{ changes: RowChange[]; resumed: boolean }> {
    for (;;) {
      try {
        switch (this.method) {
          case 'monitor_cond_since': {
            const reply = await this.client.monitorCondSince(this.database, this.monitorId, this.requests, this.lastTxnId);
            this.lastTxnId = reply.lastTxnId;
            if (reply.found) return { changes: this.replica.applyUpdates2(reply.updates), resumed: true };
            return { changes: this.replica.reset({ format: 2, updates: reply.updates }), resumed: false };
          }
          case 'monitor_cond':
            return { changes: this.replica.reset({ format: 2, updates: await this.client.monitorCond(this.database, this.monitorId, this.requests) }), resumed: false };
          case 'monitor':
            return { changes: this.replica.reset({ format: 1, updates: await this.client.monitor(this.database, this.monitorId, this.requests) }), resumed: false };
        }
      } catch (err) {
        const older = MONITOR_METHODS[MONITOR_METHODS.indexOf(this.method) + 1];
        if (this.forcedMethod || !older || !(err instanceof RpcError && err.error === 'unknown method')) throw err;
        if (older === 'monitor' && this.conditional) throw new SchemaError(this.database, `the server at ${this.client.remote} speaks only "monitor", which cannot take the "where" of a table spec`);
        this.log.info({ remote: this.client.remote, method: this.method, fallback: older }, 'OVSDB server does not know this monitor method');
        this.method = older;
      }
    }
  }

  private applyUpdate3(txnId: string, updates: TableUpdates2): RowChange[] {
    this.lastTxnId = txnId;
    return this.replica.applyUpdates2(updates);
  }

  /** Notifications that arrive with the monitor reply (same read) wait until its initial contents are in. */
  private deliver(apply: () => RowChange[]): void {
    if (!this.synced) {
      this.buffered.push(apply);
      return;
    }
    try {
      this.publish(apply(), 'update');
    } catch (err) {
      this.log.error({ remote: this.client.remote, err: (err as Error).message }, 'OVSDB update does not fit the replica; resynchronising');
      this.synced = false;
      this.client.reconnect(err as Error);
    }
  }

  private publish(changes: RowChange[], cause: ChangeBatch['cause']): void {
    if (changes.length) this.emit('change', { seqno: this.replica.seqno, changes, cause });
  }

  private whenSynced(): Promise<void> {
    if (this.closed) return Promise.reject(new DatabaseClosedError(`${this.database} is closed`));
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.closed) {
          cleanup();
          reject(new DatabaseClosedError(`${this.database} is closed`));
        } else if (this.synced) {
          cleanup();
          resolve();
        }
      };
      const cleanup = () => {
        this.off('resync', check);
        this.off('disconnect', check);
      };
      this.on('resync', check);
      this.on('disconnect', check);
    });
  }

  /** After a conflict: until the replica moves past `seqno` (the change that refused us), or a bounded wait. */
  private waitForChange(seqno: number): Promise<void> {
    return this.waitFor((r) => r.seqno > seqno || !this.synced, 'the replica to show the conflicting change', CONFLICT_CATCH_UP_MS).then(
      () => undefined,
      () => undefined,
    );
  }
}

type TableSpecObject = Exclude<TableSpec, '*' | readonly string[]>;

function specObject(spec: TableSpec): TableSpecObject {
  return spec === '*' || Array.isArray(spec) ? { columns: spec as '*' | readonly string[] } : (spec as TableSpecObject);
}

function monitorRequests(schema: DatabaseSchema, tables: Readonly<Record<string, TableSpec>>): { columns: Map<string, readonly string[]>; requests: WireMonitorRequests; conditional: boolean } {
  const columns = new Map<string, readonly string[]>();
  const requests: Record<string, { columns: readonly string[]; where?: unknown[] }[]> = {};
  let conditional = false;
  for (const [name, spec] of Object.entries(tables)) {
    const table = schema.tables.get(name);
    if (!table) throw new SchemaError(name, `no such table in ${schema.name}; it has ${[...schema.tables.keys()].join(', ')}`);
    const { columns: wanted = '*', where } = specObject(spec);
    const list = wanted === '*' ? [...table.columns.keys()].filter((c) => !c.startsWith('_')) : wanted;
    for (const c of list) if (!table.columns.has(c) || c.startsWith('_')) throw new SchemaError(`${name}.${c}`, `no such column to replicate in ${schema.name}`);
    columns.set(name, list);
    const request: { columns: readonly string[]; where?: unknown[] } = { columns: list };
    if (where) {
      conditional = true;
      const [select] = encodeOperations(schema, [{ op: 'select', table: name, where }]);
      request.where = select.where as unknown[];
    }
    requests[name] = [request];
  }
  return { columns, requests, conditional };
}
