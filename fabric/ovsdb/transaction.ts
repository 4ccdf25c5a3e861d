import { type DatumInput, NamedUuid, type RowInput } from './datum';
import { OvsdbError } from './ovsdb-error';
import type { Condition, Mutation, Operation } from './operations';
import type { Replica } from './replica';
import type { OperationResult, TransactionError } from './transact-result';

/** A row to act on: its UUID, a row inserted earlier in this transaction, or conditions. */
export type RowSelector = string | NamedUuid | readonly Condition[];

/** The transaction asked for something the replica cannot give (a row it lacks, a column it does not keep). */
export class TransactionBuildError extends OvsdbError {}

/**
 * Operations being gathered for one optimistic transaction (OVS IDL style). Reads come
 * from the replica; `verify` records what was read as a precondition (a `wait` with
 * timeout 0 that fails if the row changed), so a transaction built on a stale replica is
 * refused by the server and rebuilt instead of overwriting someone else's change.
 */
export class Transaction {
  private readonly ops: Operation[] = [];
  private readonly verifyIndices = new Set<number>();
  private readonly insertNames = new Map<number, string>();
  private nextName = 0;

  constructor(readonly replica: Replica) {}

  get operations(): readonly Operation[] {
    return this.ops;
  }

  /** Whether anything beyond preconditions, reads and comments was asked for; an empty transaction is not sent. */
  get hasChanges(): boolean {
    return this.ops.some((op) => op.op !== 'wait' && op.op !== 'select' && op.op !== 'comment');
  }

  /** Inserts a row; the returned name stands for its UUID in the rest of the transaction. */
  insert(table: string, row: RowInput, uuidName = `row${++this.nextName}`): NamedUuid {
    this.insertNames.set(this.ops.length, uuidName);
    this.ops.push({ op: 'insert', table, row, uuidName });
    return new NamedUuid(uuidName);
  }

  update(table: string, selector: RowSelector, row: RowInput): this {
    this.ops.push({ op: 'update', table, where: where(selector), row });
    return this;
  }

  mutate(table: string, selector: RowSelector, mutations: readonly Mutation[]): this {
    this.ops.push({ op: 'mutate', table, where: where(selector), mutations });
    return this;
  }

  delete(table: string, selector: RowSelector): this {
    this.ops.push({ op: 'delete', table, where: where(selector) });
    return this;
  }

  /** Adds a select; returns the index of its result. */
  select(table: string, selector: RowSelector, columns?: readonly string[]): number {
    this.ops.push({ op: 'select', table, where: where(selector), columns });
    return this.ops.length - 1;
  }

  wait(table: string, selector: RowSelector, columns: readonly string[], until: '==' | '!=', rows: readonly RowInput[], timeoutMs?: number): this {
    this.ops.push({ op: 'wait', table, where: where(selector), columns, until, rows, timeoutMs });
    return this;
  }

  /**
   * Fails the transaction (to be rebuilt from a newer replica) if, on the server, `columns`
   * of this row no longer hold what the replica holds now.
   */
  verify(table: string, uuid: string, columns: readonly string[]): this {
    const row = this.replica.rows(table).get(uuid);
    if (!row) throw new TransactionBuildError(`verify ${table} ${uuid}: the replica has no such row`);
    const kept = this.replica.columns.get(table)!;
    const missing = columns.filter((c) => !kept.includes(c));
    if (missing.length) throw new TransactionBuildError(`verify ${table}: ${missing.join(', ')} not replicated, so what was read cannot be known`);
    const expected: Record<string, DatumInput> = {};
    for (const c of columns) expected[c] = row[c] as DatumInput;
    this.verifyIndices.add(this.ops.length);
    this.ops.push({ op: 'wait', table, where: where(uuid), columns, until: '==', rows: [expected], timeoutMs: 0 });
    return this;
  }

  comment(comment: string): this {
    this.ops.push({ op: 'comment', comment });
    return this;
  }

  /** Fails the transaction unless this client holds `lock` (RFC 7047 §5.2.11). */
  assertLock(lock: string): this {
    this.ops.push({ op: 'assert', lock });
    return this;
  }

  commit(durable: boolean): this {
    this.ops.push({ op: 'commit', durable });
    return this;
  }

  abort(): this {
    this.ops.push({ op: 'abort' });
    return this;
  }

  /** Whether the server refused the transaction because a `verify` precondition no longer held. */
  isVerifyFailure(error: TransactionError): boolean {
    const index = error.failure.index;
    return index !== undefined && this.verifyIndices.has(index) && error.failure.error === 'timed out';
  }

  /** The UUIDs the server gave the rows this transaction inserted, by name. */
  insertedUuids(results: readonly OperationResult[]): Map<string, string> {
    const uuids = new Map<string, string>();
    for (const [index, name] of this.insertNames) uuids.set(name, results[index].uuid!);
    return uuids;
  }
}

function where(selector: RowSelector): readonly Condition[] {
  return typeof selector === 'string' || selector instanceof NamedUuid ? [['_uuid', '==', selector]] : selector;
}
