import { type Atom, type AtomInput, type Datum, type DatumInput, isUuid, NamedUuid, sortAtoms } from './datum';
import { OvsdbError, OvsdbProtocolError } from './ovsdb-error';
import { type BaseType, type ColumnType, columnShape } from './schema';

/**
 * Values ⇄ RFC 7047 §5.1 JSON, checked against the column's type. Encoding collects every
 * problem (with where it is: `Bridge.fail_mode`, `Bridge.other_config["k"]`) instead of
 * stopping at the first, so one error lists all that is wrong with what the caller wrote.
 * Decoding trusts the shape of what the server sends only as far as it must: anything
 * else is a protocol error.
 */
export interface DatumProblem {
  /** `Table.column`, then `[index]` or `["key"]` inside sets and maps; prefixed by the operation when there is one. */
  readonly path: string;
  readonly message: string;
}

/** What the caller wrote does not fit the schema; nothing was sent. */
export class InvalidDatumError extends OvsdbError {
  constructor(readonly problems: readonly DatumProblem[]) {
    super(
      problems.length === 1
        ? `${problems[0].path}: ${problems[0].message}`
        : `${problems.length} problems:\n` + problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'),
    );
  }
}

export function describeValue(value: unknown): string {
  if (value instanceof NamedUuid) return value.toString();
  if (value instanceof Map) return `a Map of ${value.size}`;
  if (value instanceof Set) return `a Set of ${value.size}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && value !== null) return 'an object';
  return JSON.stringify(value);
}

export function describeBaseType(base: BaseType): string {
  const parts: string[] = [];
  switch (base.type) {
    case 'integer':
      parts.push('an integer');
      parts.push(range(base.minInteger, base.maxInteger));
      break;
    case 'real':
      parts.push('a number');
      parts.push(range(base.minReal, base.maxReal));
      break;
    case 'boolean':
      parts.push('a boolean');
      break;
    case 'string':
      parts.push('a string');
      if (base.minLength !== undefined || base.maxLength !== undefined) parts.push(`of ${base.minLength ?? 0}..${base.maxLength ?? '…'} characters`);
      break;
    case 'uuid':
      parts.push(`a UUID${base.refTable ? ` of a ${base.refTable} row` : ''} (8-4-4-4-12 hex digits) or a namedUuid() from this transaction`);
      break;
  }
  if (base.enum) parts.push(`(one of ${base.enum.map((a) => JSON.stringify(a)).join(', ')})`);
  return parts.filter(Boolean).join(' ');
}

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `in ${min}..${max}`;
  if (min !== undefined) return `≥ ${min}`;
  if (max !== undefined) return `≤ ${max}`;
  return '';
}

export function encodeAtom(base: BaseType, value: unknown, path: string, problems: DatumProblem[]): unknown {
  const bad = (message: string) => (problems.push({ path, message }), undefined);
  const expected = () => bad(`expected ${describeBaseType(base)}, got ${describeValue(value)}`);
  if (value instanceof NamedUuid) return base.type === 'uuid' ? ['named-uuid', value.name] : expected();
  switch (base.type) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return expected();
      if (base.minInteger !== undefined && value < base.minInteger) return bad(`${value} is below the minimum ${base.minInteger}`);
      if (base.maxInteger !== undefined && value > base.maxInteger) return bad(`${value} is above the maximum ${base.maxInteger}`);
      break;
    case 'real':
      if (typeof value !== 'number' || !Number.isFinite(value)) return expected();
      if (base.minReal !== undefined && value < base.minReal) return bad(`${value} is below the minimum ${base.minReal}`);
      if (base.maxReal !== undefined && value > base.maxReal) return bad(`${value} is above the maximum ${base.maxReal}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return expected();
      break;
    case 'string': {
      if (typeof value !== 'string') return expected();
      const length = [...value].length;
      if (base.minLength !== undefined && length < base.minLength) return bad(`${JSON.stringify(value)} is shorter than ${base.minLength} characters`);
      if (base.maxLength !== undefined && length > base.maxLength) return bad(`${JSON.stringify(value)} is longer than ${base.maxLength} characters`);
      break;
    }
    case 'uuid':
      if (!isUuid(value)) return expected();
      break;
  }
  if (base.enum && !base.enum.includes(value as Atom)) {
    return bad(`${describeValue(value)} is not one of ${base.enum.map((a) => JSON.stringify(a)).join(', ')}`);
  }
  return base.type === 'uuid' ? ['uuid', (value as string).toLowerCase()] : value;
}

function isAtomInput(value: unknown): value is AtomInput {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof NamedUuid;
}

function sizeProblem(type: ColumnType, count: number, noun: readonly [one: string, many: string]): string | undefined {
  if (count < type.min) return `needs at least ${type.min} ${noun[type.min === 1 ? 0 : 1]}, got ${count}`;
  if (count > type.max) return `accepts at most ${type.max} ${noun[type.max === 1 ? 0 : 1]}, got ${count}`;
  return undefined;
}

/** Encodes a whole column value; `undefined` when there were problems (they are in `problems`). */
export function encodeDatum(type: ColumnType, value: DatumInput, path: string, problems: DatumProblem[]): unknown {
  const before = problems.length;
  const shape = columnShape(type);
  if (shape === 'map') {
    let entries: [unknown, unknown][];
    if (value instanceof Map) entries = [...value];
    else if (value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Set) && !(value instanceof NamedUuid)) {
      if (type.key.type !== 'string') {
        problems.push({ path, message: `keys are ${describeBaseType(type.key)}: pass a Map, not a plain object` });
        return undefined;
      }
      entries = Object.entries(value);
    } else {
      problems.push({ path, message: `expected a map (Map or plain object) of ${describeBaseType(type.key)} to ${describeBaseType(type.value!)}, got ${describeValue(value)}` });
      return undefined;
    }
    const size = sizeProblem(type, entries.length, ['entry', 'entries']);
    if (size) problems.push({ path, message: size });
    const pairs = entries.map(([k, v]) => {
      const where = `${path}[${describeValue(k)}]`;
      return [encodeAtom(type.key, k, where, problems), encodeAtom(type.value!, v, where, problems)];
    });
    return problems.length === before ? ['map', pairs] : undefined;
  }
  if (shape === 'set') {
    let elements: unknown[];
    if (Array.isArray(value)) elements = value;
    else if (value instanceof Set) elements = [...value];
    else if (isAtomInput(value)) elements = [value];
    else {
      problems.push({ path, message: `expected a set (array or Set) of ${describeBaseType(type.key)}, got ${describeValue(value)}` });
      return undefined;
    }
    const size = sizeProblem(type, elements.length, ['value', 'values']);
    if (size) problems.push({ path, message: size });
    const encoded = elements.map((e, i) => encodeAtom(type.key, e, `${path}[${i}]`, problems));
    const seen = new Set<string>();
    for (const [i, e] of encoded.entries()) {
      const key = JSON.stringify(e);
      if (e !== undefined && seen.has(key)) problems.push({ path: `${path}[${i}]`, message: `${describeValue(elements[i])} appears twice; a set holds each value once` });
      seen.add(key);
    }
    return problems.length === before ? ['set', encoded] : undefined;
  }
  if (!isAtomInput(value)) {
    problems.push({ path, message: `expected a single value, ${describeBaseType(type.key)}, got ${describeValue(value)}` });
    return undefined;
  }
  return encodeAtom(type.key, value, path, problems);
}

export function decodeAtom(base: BaseType, json: unknown, path: string): Atom {
  switch (base.type) {
    case 'integer':
    case 'real':
      if (typeof json === 'number') return json;
      break;
    case 'boolean':
      if (typeof json === 'boolean') return json;
      break;
    case 'string':
      if (typeof json === 'string') return json;
      break;
    case 'uuid':
      if (Array.isArray(json) && json.length === 2 && json[0] === 'uuid' && isUuid(json[1])) return json[1];
      break;
  }
  throw new OvsdbProtocolError(`${path}: the server sent ${JSON.stringify(json)} where ${base.type} belongs`);
}

export function decodeDatum(type: ColumnType, json: unknown, path: string): Datum {
  const tagged = (tag: string) => Array.isArray(json) && json.length === 2 && json[0] === tag && Array.isArray(json[1]);
  switch (columnShape(type)) {
    case 'map': {
      if (!tagged('map')) break;
      const map = new Map<Atom, Atom>();
      for (const pair of (json as [string, unknown[]])[1]) {
        if (!Array.isArray(pair) || pair.length !== 2) throw new OvsdbProtocolError(`${path}: the server sent ${JSON.stringify(pair)} where a [key, value] pair belongs`);
        map.set(decodeAtom(type.key, pair[0], path), decodeAtom(type.value!, pair[1], path));
      }
      return map;
    }
    case 'set':
      if (tagged('set')) return sortAtoms((json as [string, unknown[]])[1].map((e) => decodeAtom(type.key, e, path)));
      return [decodeAtom(type.key, json, path)];
    case 'scalar':
      // A one-element set is a valid spelling of a single atom.
      if (tagged('set') && (json as [string, unknown[]])[1].length === 1) return decodeAtom(type.key, (json as [string, unknown[]])[1][0], path);
      return decodeAtom(type.key, json, path);
  }
  throw new OvsdbProtocolError(`${path}: the server sent ${JSON.stringify(json)} where a map belongs`);
}
