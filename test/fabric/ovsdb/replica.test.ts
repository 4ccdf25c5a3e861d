import { Replica, TableNotReplicatedError } from '../../../fabric/ovsdb/replica';
import { OvsdbProtocolError } from '../../../fabric/ovsdb/ovsdb-error';
import { testSchema } from './fixtures/test-schema';

const A = 'a0000000-0000-4000-8000-000000000001';
const B = 'b0000000-0000-4000-8000-000000000002';
const C = 'c0000000-0000-4000-8000-000000000003';

function replica(): Replica {
  return new Replica(testSchema, new Map([['Item', ['name', 'count', 'tags', 'labels', 'kind', 'children']]]));
}

describe('Replica', () => {
  it('fills the columns update2 leaves at their defaults', () => {
    const r = replica();
    const changes = r.applyUpdates2({ Item: { [A]: { initial: { name: 'a', tags: ['set', ['y', 'x']] } } } });
    expect(changes).toEqual([{ kind: 'insert', table: 'Item', uuid: A, row: { _uuid: A, name: 'a', count: 0, tags: ['x', 'y'], labels: new Map(), kind: [], children: [] } }]);
    expect(r.seqno).toBe(1);
    expect(Object.isFrozen(r.get('Item', A))).toBe(true);
  });

  it('applies update2 differences: scalars replaced, set elements toggled, map entries added, changed or removed', () => {
    const r = replica();
    r.applyUpdates2({ Item: { [A]: { insert: { name: 'a', count: 1, tags: ['set', ['x', 'y']], labels: ['map', [['keep', '1'], ['drop', '2'], ['change', '3']]], kind: 'bulb' } } } });
    const [change] = r.applyUpdates2({
      Item: {
        [A]: {
          modify: {
            count: 2,
            tags: ['set', ['y', 'z']],
            labels: ['map', [['drop', '2'], ['change', '4'], ['add', '5']]],
            kind: ['set', ['bulb', 'switch']],
          },
        },
      },
    });
    expect(change.kind).toBe('modify');
    expect(change).toMatchObject({
      row: { count: 2, tags: ['x', 'z'], labels: new Map([['keep', '1'], ['change', '4'], ['add', '5']]), kind: ['switch'] },
      old: { count: 1, tags: ['x', 'y'], kind: ['bulb'] },
    });
    expect(r.seqno).toBe(2);
  });

  it('applies update (version 1) inserts, modifications and deletions', () => {
    const r = replica();
    r.applyUpdates1({ Item: { [A]: { new: { name: 'a', count: 1, tags: ['set', []], labels: ['map', []], kind: ['set', []], children: ['set', []] } }, [B]: { new: { name: 'b' } } } });
    const changes = r.applyUpdates1({ Item: { [A]: { old: { count: 1 }, new: { name: 'a', count: 5 } }, [B]: { old: { name: 'b' } } } });
    expect(changes.map((c) => c.kind)).toEqual(['modify', 'delete']);
    expect(r.get('Item', A)!.count).toBe(5);
    expect(r.get('Item', B)).toBeUndefined();
  });

  it('on reset reports only the difference from what it held, as ordinary changes', () => {
    const r = replica();
    r.applyUpdates2({ Item: { [A]: { initial: { name: 'a' } }, [B]: { initial: { name: 'b' } } } });
    const seqno = r.seqno;
    const changes = r.reset({ format: 2, updates: { Item: { [A]: { initial: { name: 'a' } }, [B]: { initial: { name: 'b', count: 9 } }, [C]: { initial: { name: 'c' } } } } });
    expect(changes.map((c) => `${c.kind} ${c.uuid}`)).toEqual([`modify ${B}`, `insert ${C}`]);
    expect(r.seqno).toBe(seqno + 1);
    expect(r.reset({ format: 2, updates: { Item: { [C]: { initial: { name: 'c' } } } } }).map((c) => `${c.kind} ${c.uuid}`)).toEqual([`delete ${A}`, `delete ${B}`]);
    expect(r.reset({ format: 2, updates: { Item: { [C]: { initial: { name: 'c' } } } } })).toEqual([]);
    expect(r.seqno).toBe(seqno + 2);
  });

  it('refuses updates that do not fit what it holds', () => {
    const r = replica();
    expect(() => r.applyUpdates2({ Item: { [A]: { modify: { count: 1 } } } })).toThrow(new OvsdbProtocolError(`modify of Item row ${A}, which the replica does not have`));
    expect(() => r.applyUpdates2({ Child: { [A]: { insert: {} } } })).toThrow('update for table Child, which is not monitored');
    expect(() => r.rows('Child')).toThrow(TableNotReplicatedError);
  });
});
