import type { Row } from './datum';
import { decodeDatum } from './datum-codec';
import { OvsdbError, OvsdbProtocolError } from './ovsdb-error';
import { describeOperation, type WireOperation } from './operations';
import type { DatabaseSchema } from './schema';

/**
 * Reading a `transact` reply (RFC 7047 §4.1.3). The server answers every transaction with a
 * result per operation; a failed operation's result is an error object and the operations
 * after it are not executed. When every operation succeeded but the commit failed (a
 * constraint or referential integrity check), one extra error follows the results.
 */
export interface OperationFailure {
  /** Index of the failing operation, or `undefined` when the commit failed. */
  readonly index: number | undefined;
  readonly op?: string;
  readonly table?: string;
  /** The server's short error, e.g. `constraint violation`, `timed out`, `not owner`. */
  readonly error: string;
  readonly details?: string;
}

/** The server refused the transaction; nothing of it was committed. */
export class TransactionError extends OvsdbError {
  constructor(
    readonly database: string,
    readonly failures: readonly OperationFailure[],
  ) {
    super(`transaction on ${database} failed: ${failures.map(describeFailure).join('; ')}`);
  }

  /** The first (normally the only) failure. */
  get failure(): OperationFailure {
    return this.failures[0];
  }
}

function describeFailure(f: OperationFailure): string {
  const where = f.index === undefined ? 'commit' : describeOperation(f.index, { op: f.op ?? '?', table: f.table });
  return `${where}: ${f.error}${f.details ? `: ${f.details}` : ''}`;
}

interface ErrorObject {
  error: string;
  details?: string;
}

function isErrorObject(value: unknown): value is ErrorObject {
  return !!value && typeof value === 'object' && typeof (value as ErrorObject).error === 'string';
}

/** Returns the per-operation results, or throws one `TransactionError` naming every failure. */
export function checkTransactResults(database: string, ops: readonly WireOperation[], result: unknown): unknown[] {
  if (!Array.isArray(result) || result.length < ops.length) {
    throw new OvsdbProtocolError(`transact on ${database}: expected ${ops.length} results, got ${JSON.stringify(result)}`);
  }
  const failures: OperationFailure[] = [];
  result.forEach((r, i) => {
    if (!isErrorObject(r)) return;
    const op = ops[i];
    failures.push({
      index: op ? i : undefined,
      op: op?.op,
      table: op?.table,
      error: r.error,
      details: typeof r.details === 'string' ? r.details : undefined,
    });
  });
  if (failures.length) throw new TransactionError(database, failures);
  return result.slice(0, ops.length);
}

/** What an operation returned: `uuid` for insert, `rows` for select, `count` for update, mutate and delete. */
export interface OperationResult {
  readonly uuid?: string;
  readonly rows?: readonly Row[];
  readonly count?: number;
}

export function decodeOperationResults(schema: DatabaseSchema, ops: readonly WireOperation[], results: readonly unknown[]): OperationResult[] {
  return results.map((r, i) => {
    const op = ops[i];
    const result = (r ?? {}) as { uuid?: unknown; rows?: unknown; count?: unknown };
    const where = `transact on ${schema.name}: result of ${describeOperation(i, op)}`;
    if (op.op === 'insert') {
      const uuid = result.uuid;
      if (!Array.isArray(uuid) || uuid[0] !== 'uuid' || typeof uuid[1] !== 'string') throw new OvsdbProtocolError(`${where}: no uuid in ${JSON.stringify(r)}`);
      return { uuid: uuid[1] };
    }
    if (op.op === 'select') {
      if (!Array.isArray(result.rows)) throw new OvsdbProtocolError(`${where}: no rows in ${JSON.stringify(r)}`);
      const table = schema.tables.get(op.table!)!;
      return {
        rows: result.rows.map((row: Record<string, unknown>) => {
          const decoded: Record<string, unknown> = {};
          for (const [name, json] of Object.entries(row)) {
            const c = table.columns.get(name);
            if (c) decoded[name] = decodeDatum(c.type, json, `${table.name}.${name}`);
          }
          return Object.freeze(decoded) as Row;
        }),
      };
    }
    return typeof result.count === 'number' ? { count: result.count } : {};
  });
}
