import type { ColumnType } from './schema';
import { columnShape } from './schema';

/**
 * Values as the client holds them. Atoms are plain JavaScript values; a UUID is its
 * canonical string (the schema says which strings are UUIDs). Sets are sorted arrays,
 * maps are `Map`s, and a column with at most one value (`min 0, max 1`) is a set of zero
 * or one element, as in OVSDB itself.
 */
export type Atom = string | number | boolean;
export type Datum = Atom | readonly Atom[] | ReadonlyMap<Atom, Atom>;

/** A row of the replica or of a select result. Rows are frozen: the replica owns them. */
export interface Row {
  readonly _uuid: string;
  readonly [column: string]: Datum;
}

/**
 * A row inserted earlier in the same transaction, referred to by name (RFC 7047
 * `named-uuid`): the server substitutes the real UUID when it commits.
 */
export class NamedUuid {
  constructor(readonly name: string) {}

  toString(): string {
    return `namedUuid(${JSON.stringify(this.name)})`;
  }
}

export function namedUuid(name: string): NamedUuid {
  return new NamedUuid(name);
}

/** What callers may write: atoms may be named UUIDs, sets may be `Set`s or single atoms, and a map with string keys may be a plain object. */
export type AtomInput = Atom | NamedUuid;
export type DatumInput = AtomInput | readonly AtomInput[] | ReadonlySet<AtomInput> | ReadonlyMap<AtomInput, AtomInput> | { readonly [key: string]: AtomInput };
export type RowInput = { readonly [column: string]: DatumInput };

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** RFC 7047 <id>, the grammar of inserted rows' names and of lock names. */
export function isIdentifier(value: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(value);
}

/** OVSDB's atom order: false before true, numbers by value, strings by code unit. */
export function compareAtoms(a: Atom, b: Atom): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function sortAtoms(atoms: Atom[]): Atom[] {
  return atoms.sort(compareAtoms);
}

/** Sets compare as sets (they are kept sorted), maps by their entries. */
export function datumEquals(a: Datum, b: Datum): boolean {
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || b.get(k) !== v) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false;
    return a.every((atom, i) => atom === b[i]);
  }
  return a === b;
}

const DEFAULT_ATOM = { integer: 0, real: 0, boolean: false, string: '', uuid: '00000000-0000-0000-0000-000000000000' } as const;

/** The value a column has when nobody set it (RFC 7047 §5.1 insert). */
export function defaultDatum(type: ColumnType): Datum {
  switch (columnShape(type)) {
    case 'map':
      return new Map();
    case 'set':
      return [];
    case 'scalar':
      return DEFAULT_ATOM[type.key.type];
  }
}
