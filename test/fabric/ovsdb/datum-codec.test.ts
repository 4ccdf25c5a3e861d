import { namedUuid } from '../../../fabric/ovsdb/datum';
import { decodeDatum, InvalidDatumError } from '../../../fabric/ovsdb/datum-codec';
import { encodeOperations, type Operation } from '../../../fabric/ovsdb/operations';
import { testSchema } from './fixtures/test-schema';

const U1 = '6b1e9c1a-0000-4000-8000-000000000001';
const U2 = '6b1e9c1a-0000-4000-8000-000000000002';

function insertRow(row: Record<string, unknown>): Operation {
  return { op: 'insert', table: 'Item', row: row as never };
}

describe('encoding values for the wire', () => {
  it.each([
    { name: 'scalars', row: { name: 'a', count: 3, ratio: 0.5, enabled: true }, wire: { name: 'a', count: 3, ratio: 0.5, enabled: true } },
    { name: 'an optional as a bare atom', row: { kind: 'bulb' }, wire: { kind: ['set', ['bulb']] } },
    { name: 'an optional left empty', row: { kind: [] }, wire: { kind: ['set', []] } },
    { name: 'a set from a Set', row: { tags: new Set(['x', 'y']) }, wire: { tags: ['set', ['x', 'y']] } },
    { name: 'a string map from a plain object', row: { labels: { a: '1' } }, wire: { labels: ['map', [['a', '1']]] } },
    { name: 'an integer-keyed map from a Map', row: { weights: new Map([[1, 0.5]]) }, wire: { weights: ['map', [[1, 0.5]]] } },
    { name: 'a UUID and a named UUID', row: { parent: U1.toUpperCase(), children: [namedUuid('c1')] }, wire: { parent: ['set', [['uuid', U1]]], children: ['set', [['named-uuid', 'c1']]] } },
  ])('$name', ({ row, wire }) => {
    expect(encodeOperations(testSchema, [insertRow(row)])[0].row).toEqual(wire);
  });

  it.each([
    { name: 'a wrong atom type', row: { count: '3' }, error: 'operation 0 (insert Item): Item.count: expected an integer ≥ 0, got "3"' },
    { name: 'a value outside the enum', row: { kind: 'lamp' }, error: 'operation 0 (insert Item): Item.kind[0]: "lamp" is not one of "bulb", "switch"' },
    { name: 'an integer below its minimum', row: { count: -1 }, error: 'operation 0 (insert Item): Item.count: -1 is below the minimum 0' },
    { name: 'a string too long', row: { name: 'x'.repeat(33) }, error: `operation 0 (insert Item): Item.name: "${'x'.repeat(33)}" is longer than 32 characters` },
    { name: 'too many set elements', row: { ports: [1, 2, 3, 4, 5] }, error: 'operation 0 (insert Item): Item.ports: accepts at most 4 values, got 5' },
    { name: 'a duplicate set element', row: { tags: ['a', 'a'] }, error: 'operation 0 (insert Item): Item.tags[1]: "a" appears twice; a set holds each value once' },
    { name: 'a string that is not a UUID', row: { parent: 'p1' }, error: /Item\.parent\[0\]: expected a UUID of a Item row \(8-4-4-4-12 hex digits\) or a namedUuid\(\) from this transaction, got "p1"/ },
    { name: 'a named UUID where a string belongs', row: { name: namedUuid('x') }, error: 'Item.name: expected a string of 1..32 characters, got namedUuid("x")' },
    { name: 'an array for a scalar', row: { count: [1] }, error: 'Item.count: expected a single value, an integer ≥ 0, got an array of 1' },
    { name: 'a plain object for an integer-keyed map', row: { weights: { 1: 0.5 } }, error: 'Item.weights: keys are an integer: pass a Map, not a plain object' },
    { name: 'an unknown column', row: { colour: 'red' }, error: 'Item.colour: no such column; Item has name, count, ratio, enabled, kind, tags, labels, ports, weights, parent, children, serial' },
    { name: 'an implicit column', row: { _uuid: U1 }, error: 'Item._uuid: is maintained by the server and cannot be written' },
  ])('refuses $name, naming operation, table and column', ({ row, error }) => {
    expect(() => encodeOperations(testSchema, [insertRow(row)])).toThrow(InvalidDatumError);
    expect(() => encodeOperations(testSchema, [insertRow(row)])).toThrow(error);
  });

  it('collects every problem of every operation into one error', () => {
    const ops: Operation[] = [
      { op: 'insert', table: 'Item', row: { name: 'ok' } },
      { op: 'update', table: 'Item', where: [['count', '>', 'x']], row: { serial: 's', enabled: 1 as never } },
      { op: 'select', table: 'Itme', where: [] },
    ];
    expect(() => encodeOperations(testSchema, ops)).toThrow(
      [
        '4 problems:',
        '  - operation 1 (update Item): Item.count: expected an integer ≥ 0, got "x"',
        '  - operation 1 (update Item): Item.serial: is immutable: it can be set on insert only',
        '  - operation 1 (update Item): Item.enabled: expected a boolean, got 1',
        '  - operation 2 (select Itme): Itme: no such table in LoomTest; it has Item, Child',
      ].join('\n'),
    );
  });
});

describe('encoding conditions and mutations', () => {
  it('relaxes what a condition may compare against, and types mutation operands by mutator', () => {
    const [op] = encodeOperations(testSchema, [
      {
        op: 'mutate',
        table: 'Item',
        where: [
          ['_uuid', '==', U1],
          ['kind', '==', []],
          ['ports', 'includes', [1, 2, 3, 4, 5]],
          ['count', '>=', 2],
        ],
        mutations: [
          ['count', '-=', 5],
          ['tags', 'insert', 'new'],
          ['labels', 'delete', ['old']],
          ['labels', 'insert', { k: 'v' }],
          ['weights', 'delete', new Map([[1, 0.5]])],
        ],
      },
    ]);
    expect(op.where).toEqual([
      ['_uuid', '==', ['uuid', U1]],
      ['kind', '==', ['set', []]],
      ['ports', 'includes', ['set', [1, 2, 3, 4, 5]]],
      ['count', '>=', 2],
    ]);
    expect(op.mutations).toEqual([
      ['count', '-=', 5],
      ['tags', 'insert', ['set', ['new']]],
      ['labels', 'delete', ['set', ['old']]],
      ['labels', 'insert', ['map', [['k', 'v']]]],
      ['weights', 'delete', ['map', [[1, 0.5]]]],
    ]);
  });

  it.each([
    { name: 'an ordering on a set', op: { op: 'select', table: 'Item', where: [['tags', '<', 'a']] }, error: 'Item.tags: < compares integers and reals only; use == != includes excludes' },
    { name: 'arithmetic on strings', op: { op: 'mutate', table: 'Item', where: [], mutations: [['name', '+=', 'a']] }, error: 'Item.name: += applies to integer and real columns (or sets of them)' },
    { name: 'mutating an immutable column', op: { op: 'mutate', table: 'Item', where: [], mutations: [['serial', 'insert', 'a']] }, error: 'Item.serial: is immutable and cannot be mutated' },
    { name: 'a bad uuid-name', op: { op: 'insert', table: 'Item', row: {}, uuidName: '1st' }, error: 'Item uuid-name: "1st" is not an identifier' },
  ])('refuses $name', ({ op, error }) => {
    expect(() => encodeOperations(testSchema, [op as Operation])).toThrow(error);
  });
});

describe('decoding values from the wire', () => {
  const column = (name: string) => testSchema.tables.get('Item')!.columns.get(name)!.type;

  it.each([
    { name: 'a scalar', column: 'count', wire: 7, value: 7 },
    { name: 'a one-element set sent bare', column: 'kind', wire: 'bulb', value: ['bulb'] },
    { name: 'a set, sorted', column: 'tags', wire: ['set', ['b', 'a']], value: ['a', 'b'] },
    { name: 'a UUID set', column: 'children', wire: ['set', [['uuid', U2], ['uuid', U1]]], value: [U1, U2] },
    { name: 'a map', column: 'weights', wire: ['map', [[2, 1.5]]], value: new Map([[2, 1.5]]) },
  ])('$name', ({ column: name, wire, value }) => {
    expect(decodeDatum(column(name), wire, `Item.${name}`)).toEqual(value);
  });

  it('names the column when the server sends something else', () => {
    expect(() => decodeDatum(column('children'), ['set', ['nope']], 'Item.children')).toThrow('Item.children: the server sent "nope" where uuid belongs');
  });
});
