import type { Atom } from './datum';
import { OvsdbError } from './ovsdb-error';

/**
 * A database schema as RFC 7047 §3.2 describes it, normalised: every column type has an
 * explicit key, min and max (`"unlimited"` becomes Infinity), and every table lists the
 * implicit `_uuid` and `_version` columns, which conditions and selects may name.
 */
export const ATOMIC_TYPES = ['integer', 'real', 'boolean', 'string', 'uuid'] as const;
export type AtomicType = (typeof ATOMIC_TYPES)[number];

export interface BaseType {
  readonly type: AtomicType;
  readonly enum?: readonly Atom[];
  readonly minInteger?: number;
  readonly maxInteger?: number;
  readonly minReal?: number;
  readonly maxReal?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly refTable?: string;
  readonly refType?: 'strong' | 'weak';
}

export interface ColumnType {
  readonly key: BaseType;
  readonly value?: BaseType;
  readonly min: number;
  readonly max: number;
}

export interface ColumnSchema {
  readonly name: string;
  readonly type: ColumnType;
  readonly ephemeral: boolean;
  readonly mutable: boolean;
}

export interface TableSchema {
  readonly name: string;
  readonly columns: ReadonlyMap<string, ColumnSchema>;
  readonly isRoot: boolean;
  readonly maxRows?: number;
  readonly indexes: readonly (readonly string[])[];
}

export interface DatabaseSchema {
  readonly name: string;
  readonly version: string;
  readonly tables: ReadonlyMap<string, TableSchema>;
}

/** How a column's values are shaped locally: one atom, an array (set), or a Map. */
export type ColumnShape = 'scalar' | 'set' | 'map';

export function columnShape(type: ColumnType): ColumnShape {
  if (type.value) return 'map';
  return type.min === 1 && type.max === 1 ? 'scalar' : 'set';
}

/** Columns the server maintains itself; they can be read and compared, never written. */
export const IMPLICIT_COLUMNS = ['_uuid', '_version'] as const;

export class SchemaError extends OvsdbError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`schema: ${path}: ${message}`);
  }
}

export function parseSchema(json: unknown): DatabaseSchema {
  const db = object(json, '(root)');
  const name = string(db.name, 'name');
  const tables = new Map<string, TableSchema>();
  for (const [tableName, tableJson] of Object.entries(object(db.tables, 'tables'))) {
    tables.set(tableName, parseTable(tableName, tableJson));
  }
  return { name, version: typeof db.version === 'string' ? db.version : '', tables };
}

const UUID_TYPE: ColumnType = { key: { type: 'uuid' }, min: 1, max: 1 };

function parseTable(name: string, json: unknown): TableSchema {
  const t = object(json, name);
  const columns = new Map<string, ColumnSchema>();
  for (const implicit of IMPLICIT_COLUMNS) columns.set(implicit, { name: implicit, type: UUID_TYPE, ephemeral: false, mutable: false });
  for (const [columnName, columnJson] of Object.entries(object(t.columns, `${name}.columns`))) {
    const path = `${name}.${columnName}`;
    const c = object(columnJson, path);
    columns.set(columnName, {
      name: columnName,
      type: parseColumnType(c.type, `${path}.type`),
      ephemeral: c.ephemeral === true,
      mutable: c.mutable !== false,
    });
  }
  return {
    name,
    columns,
    isRoot: t.isRoot === true,
    maxRows: typeof t.maxRows === 'number' ? t.maxRows : undefined,
    indexes: Array.isArray(t.indexes) ? (t.indexes as string[][]) : [],
  };
}

function parseColumnType(json: unknown, path: string): ColumnType {
  if (typeof json === 'string') return { key: parseBaseType(json, path), min: 1, max: 1 };
  const t = object(json, path);
  const min = t.min === undefined ? 1 : t.min;
  const max = t.max === undefined ? 1 : t.max === 'unlimited' ? Infinity : t.max;
  if (typeof min !== 'number' || typeof max !== 'number' || min < 0 || min > 1 || max < 1 || min > max) {
    throw new SchemaError(path, `min ${JSON.stringify(t.min)} / max ${JSON.stringify(t.max)} out of range (min 0 or 1, max ≥ 1 or "unlimited")`);
  }
  return {
    key: parseBaseType(t.key, `${path}.key`),
    value: t.value === undefined ? undefined : parseBaseType(t.value, `${path}.value`),
    min,
    max,
  };
}

function parseBaseType(json: unknown, path: string): BaseType {
  if (typeof json === 'string') return { type: atomicType(json, path) };
  const b = object(json, path);
  const type = atomicType(b.type, `${path}.type`);
  const base: { -readonly [K in keyof BaseType]: BaseType[K] } = { type };
  if (b.enum !== undefined) base.enum = parseEnum(b.enum, `${path}.enum`);
  for (const key of ['minInteger', 'maxInteger', 'minReal', 'maxReal', 'minLength', 'maxLength'] as const) {
    if (typeof b[key] === 'number') base[key] = b[key];
  }
  if (typeof b.refTable === 'string') {
    base.refTable = b.refTable;
    base.refType = b.refType === 'weak' ? 'weak' : 'strong';
  }
  return base;
}

function parseEnum(json: unknown, path: string): Atom[] {
  const atoms = Array.isArray(json) && json[0] === 'set' && Array.isArray(json[1]) ? (json[1] as unknown[]) : [json];
  return atoms.map((a, i) => {
    if (typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean') return a;
    if (Array.isArray(a) && a[0] === 'uuid' && typeof a[1] === 'string') return a[1];
    throw new SchemaError(`${path}[${i}]`, `not an atom: ${JSON.stringify(a)}`);
  });
}

function atomicType(json: unknown, path: string): AtomicType {
  if (typeof json === 'string' && (ATOMIC_TYPES as readonly string[]).includes(json)) return json as AtomicType;
  throw new SchemaError(path, `unknown atomic type ${JSON.stringify(json)}; expected one of ${ATOMIC_TYPES.join(', ')}`);
}

function object(json: unknown, path: string): Record<string, unknown> {
  if (json && typeof json === 'object' && !Array.isArray(json)) return json as Record<string, unknown>;
  throw new SchemaError(path, `expected an object, got ${JSON.stringify(json)}`);
}

function string(json: unknown, path: string): string {
  if (typeof json === 'string') return json;
  throw new SchemaError(path, `expected a string, got ${JSON.stringify(json)}`);
}
