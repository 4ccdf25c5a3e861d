import { type DatumInput, isIdentifier, type RowInput } from './datum';
import { type DatumProblem, encodeAtom, encodeDatum, InvalidDatumError } from './datum-codec';
import { type ColumnSchema, columnShape, type ColumnType, type DatabaseSchema, IMPLICIT_COLUMNS, type TableSchema } from './schema';

/**
 * The RFC 7047 §5.2 operations, written with client-side values, and their encoding into
 * the JSON a `transact` carries. Encoding checks every table, column and value against
 * the schema first and reports all problems at once, each prefixed by the operation it is
 * in, so nothing invalid reaches the server and nothing is half-applied.
 */
export const CONDITION_FUNCTIONS = ['<', '<=', '==', '!=', '>=', '>', 'includes', 'excludes'] as const;
export type ConditionFunction = (typeof CONDITION_FUNCTIONS)[number];
export type Condition = readonly [column: string, fn: ConditionFunction, value: DatumInput];

export const MUTATORS = ['+=', '-=', '*=', '/=', '%=', 'insert', 'delete'] as const;
export type Mutator = (typeof MUTATORS)[number];
export type Mutation = readonly [column: string, mutator: Mutator, value: DatumInput];

export type Operation =
  | { readonly op: 'insert'; readonly table: string; readonly row: RowInput; readonly uuidName?: string }
  | { readonly op: 'select'; readonly table: string; readonly where: readonly Condition[]; readonly columns?: readonly string[] }
  | { readonly op: 'update'; readonly table: string; readonly where: readonly Condition[]; readonly row: RowInput }
  | { readonly op: 'mutate'; readonly table: string; readonly where: readonly Condition[]; readonly mutations: readonly Mutation[] }
  | { readonly op: 'delete'; readonly table: string; readonly where: readonly Condition[] }
  | {
      readonly op: 'wait';
      readonly table: string;
      readonly where: readonly Condition[];
      readonly columns: readonly string[];
      readonly until: '==' | '!=';
      readonly rows: readonly RowInput[];
      /** How long the server may hold the transaction waiting; 0 fails at once. Default: forever. */
      readonly timeoutMs?: number;
    }
  | { readonly op: 'commit'; readonly durable: boolean }
  | { readonly op: 'abort' }
  | { readonly op: 'comment'; readonly comment: string }
  | { readonly op: 'assert'; readonly lock: string };

/** An operation as sent: JSON, with `op` and, for table operations, `table`. */
export interface WireOperation {
  readonly op: string;
  readonly table?: string;
  readonly [field: string]: unknown;
}

/** `operation 2 (insert Bridge)`: how errors name an operation. */
export function describeOperation(index: number, op: { readonly op: string; readonly table?: string }): string {
  return `operation ${index} (${op.op}${op.table ? ` ${op.table}` : ''})`;
}

export function encodeOperations(schema: DatabaseSchema, ops: readonly Operation[]): WireOperation[] {
  const problems: DatumProblem[] = [];
  const encoded = ops.map((op, index) => {
    const found: DatumProblem[] = [];
    const wire = encodeOperation(schema, op, found);
    const where = describeOperation(index, op);
    for (const p of found) problems.push({ path: `${where}: ${p.path}`, message: p.message });
    return wire;
  });
  if (problems.length) throw new InvalidDatumError(problems);
  return encoded;
}

function encodeOperation(schema: DatabaseSchema, op: Operation, problems: DatumProblem[]): WireOperation {
  switch (op.op) {
    case 'commit':
      return { op: 'commit', durable: op.durable };
    case 'abort':
      return { op: 'abort' };
    case 'comment':
      return { op: 'comment', comment: op.comment };
    case 'assert':
      return { op: 'assert', lock: op.lock };
  }
  const table = schema.tables.get(op.table);
  if (!table) {
    problems.push({ path: op.table, message: `no such table in ${schema.name}; it has ${[...schema.tables.keys()].join(', ')}` });
    return { op: op.op, table: op.table };
  }
  switch (op.op) {
    case 'insert': {
      const wire: Record<string, unknown> = { op: 'insert', table: op.table, row: encodeRow(table, op.row, 'insert', problems) };
      if (op.uuidName !== undefined) {
        if (!isIdentifier(op.uuidName)) problems.push({ path: `${op.table} uuid-name`, message: `${JSON.stringify(op.uuidName)} is not an identifier (letters, digits, "_", not starting with a digit)` });
        wire['uuid-name'] = op.uuidName;
      }
      return wire as WireOperation;
    }
    case 'select':
      return { op: 'select', table: op.table, where: encodeWhere(table, op.where, problems), ...(op.columns ? { columns: checkColumns(table, op.columns, problems) } : {}) };
    case 'update':
      return { op: 'update', table: op.table, where: encodeWhere(table, op.where, problems), row: encodeRow(table, op.row, 'update', problems) };
    case 'mutate':
      return { op: 'mutate', table: op.table, where: encodeWhere(table, op.where, problems), mutations: op.mutations.map((m) => encodeMutation(table, m, problems)) };
    case 'delete':
      return { op: 'delete', table: op.table, where: encodeWhere(table, op.where, problems) };
    case 'wait':
      return {
        op: 'wait',
        table: op.table,
        where: encodeWhere(table, op.where, problems),
        columns: checkColumns(table, op.columns, problems),
        until: op.until,
        rows: op.rows.map((row) => encodeRow(table, row, 'compare', problems)),
        ...(op.timeoutMs !== undefined ? { timeout: op.timeoutMs } : {}),
      };
  }
}

function column(table: TableSchema, name: string, problems: DatumProblem[]): ColumnSchema | undefined {
  const c = table.columns.get(name);
  if (!c) {
    const names = [...table.columns.keys()].filter((n) => !n.startsWith('_'));
    problems.push({ path: `${table.name}.${name}`, message: `no such column; ${table.name} has ${names.join(', ')}` });
  }
  return c;
}

function checkColumns(table: TableSchema, names: readonly string[], problems: DatumProblem[]): readonly string[] {
  for (const name of names) column(table, name, problems);
  return names;
}

/** `compare` rows (in `wait`) may name any column; written rows may not touch implicit ones, and updates not immutable ones. */
function encodeRow(table: TableSchema, row: RowInput, purpose: 'insert' | 'update' | 'compare', problems: DatumProblem[]): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    const path = `${table.name}.${name}`;
    const c = column(table, name, problems);
    if (!c) continue;
    if (purpose !== 'compare' && (IMPLICIT_COLUMNS as readonly string[]).includes(name)) {
      problems.push({ path, message: 'is maintained by the server and cannot be written' });
      continue;
    }
    if (purpose === 'update' && !c.mutable) {
      problems.push({ path, message: 'is immutable: it can be set on insert only' });
      continue;
    }
    wire[name] = encodeDatum(c.type, value, path, problems);
  }
  return wire;
}

function encodeWhere(table: TableSchema, where: readonly Condition[], problems: DatumProblem[]): unknown[] {
  return where.map(([name, fn, value]) => {
    const path = `${table.name}.${name}`;
    const c = column(table, name, problems);
    if (!c) return [name, fn, null];
    if (!(CONDITION_FUNCTIONS as readonly string[]).includes(fn)) {
      problems.push({ path, message: `unknown condition function ${JSON.stringify(fn)}; accepted: ${CONDITION_FUNCTIONS.join(' ')}` });
      return [name, fn, null];
    }
    const ordered = fn === '<' || fn === '<=' || fn === '>' || fn === '>=';
    if (ordered && !isNumericScalar(c.type)) {
      problems.push({ path, message: `${fn} compares integers and reals only; use == != includes excludes` });
      return [name, fn, null];
    }
    // A condition may compare a set column against values it could not hold: fewer
    // elements and, for includes/excludes, more.
    const type: ColumnType = fn === 'includes' || fn === 'excludes' ? { ...c.type, min: 0, max: Infinity } : columnShape(c.type) === 'scalar' ? c.type : { ...c.type, min: 0 };
    return [name, fn, encodeDatum(type, value, path, problems)];
  });
}

function isNumericScalar(type: ColumnType): boolean {
  return !type.value && type.max === 1 && (type.key.type === 'integer' || type.key.type === 'real');
}

function encodeMutation(table: TableSchema, [name, mutator, value]: Mutation, problems: DatumProblem[]): unknown[] {
  const path = `${table.name}.${name}`;
  const c = column(table, name, problems);
  if (!c) return [name, mutator, null];
  if (!c.mutable || name.startsWith('_')) {
    problems.push({ path, message: 'is immutable and cannot be mutated' });
    return [name, mutator, null];
  }
  switch (mutator) {
    case 'insert':
      return [name, mutator, encodeDatum({ ...c.type, min: 0, max: Infinity }, value, path, problems)];
    case 'delete': {
      // A map's entries may be deleted by key (a set of keys) or by key and value (a map).
      const byKey = c.type.value && !(value instanceof Map) && (Array.isArray(value) || value instanceof Set || typeof value !== 'object');
      const type: ColumnType = byKey ? { key: c.type.key, min: 0, max: Infinity } : { ...c.type, min: 0, max: Infinity };
      return [name, mutator, encodeDatum(type, value, path, problems)];
    }
    case '+=':
    case '-=':
    case '*=':
    case '/=':
    case '%=': {
      const numeric = !c.type.value && (c.type.key.type === 'integer' || (c.type.key.type === 'real' && mutator !== '%='));
      if (!numeric) {
        problems.push({ path, message: `${mutator} applies to ${mutator === '%=' ? 'integer' : 'integer and real'} columns (or sets of them)` });
        return [name, mutator, null];
      }
      // The operand is any number of the column's type; only the result must fit the constraints.
      return [name, mutator, encodeAtom({ type: c.type.key.type }, value, path, problems)];
    }
    default:
      problems.push({ path, message: `unknown mutator ${JSON.stringify(mutator)}; accepted: ${MUTATORS.join(' ')}` });
      return [name, mutator, null];
  }
}
