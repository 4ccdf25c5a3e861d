import { namedUuid } from '../../../fabric/ovsdb/datum';
import { encodeOperations, type Operation } from '../../../fabric/ovsdb/operations';
import { RequestCanceledError, RpcError } from '../../../fabric/ovsdb/jsonrpc-errors';
import { InvalidLockNameError, OvsdbClient, ZERO_TXN_ID } from '../../../fabric/ovsdb/ovsdb-client';
import type { TableUpdates1, TableUpdates2 } from '../../../fabric/ovsdb/table-updates';
import { TransactionError } from '../../../fabric/ovsdb/transact-result';
import { startOvsdbServer, type OvsdbServer } from '../../harness/ovs-host';
import { TEST_SCHEMA_FILE, testSchema } from './fixtures/test-schema';

const DB = 'LoomTest';
const wire = (...ops: Operation[]) => encodeOperations(testSchema, ops);

/** Resolves with the next `count` events of `name`. */
function nextEvents<T extends unknown[]>(client: OvsdbClient, name: 'update' | 'update2' | 'update3' | 'locked' | 'stolen', count = 1): Promise<T[]> {
  return new Promise((resolve) => {
    const seen: T[] = [];
    const listener = (...args: unknown[]) => {
      seen.push(args as T);
      if (seen.length === count) {
        client.off(name, listener as never);
        resolve(seen);
      }
    };
    client.on(name, listener as never);
  });
}

let server: OvsdbServer;
beforeAll(async () => {
  server = await startOvsdbServer({ schema: TEST_SCHEMA_FILE, tcp: true });
});
afterAll(() => server.stop());

describe.each(['unix', 'tcp'] as const)('OVSDB client over %s', (transport) => {
  const clients: OvsdbClient[] = [];
  const connect = async () => {
    const client = await OvsdbClient.connect(transport === 'unix' ? server.unixRemote : server.tcpRemote!);
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  let n = 0;
  /** Item names unique to each test, since the tests share one database. */
  const unique = (base: string) => `${transport}_${base}_${++n}`;

  it('lists databases and reads a schema; an unknown database is an RPC error naming it', async () => {
    const client = await connect();
    expect(await client.listDbs()).toEqual(expect.arrayContaining([DB, '_Server']));
    const schema = await client.getSchema(DB);
    expect([...schema.tables.keys()].sort()).toEqual(['Child', 'Item']);
    expect(schema.tables.get('Item')!.columns.get('ports')!.type).toEqual({ key: { type: 'integer', minInteger: 1, maxInteger: 65535 }, min: 0, max: 4 });
    await expect(client.getSchema('Nope')).rejects.toThrow(new RpcError(client.remote, 'get_schema', 'unknown database', 'get_schema request specifies unknown database Nope'));
  });

  it('runs every kind of operation in transactions, with named UUIDs', async () => {
    const client = await connect();
    const name = unique('parent');
    const [child, parent, , comment] = await client.transact(
      DB,
      wire(
        { op: 'insert', table: 'Child', row: { name: 'c' }, uuidName: 'child' },
        { op: 'insert', table: 'Item', row: { name, count: 1, children: [namedUuid('child')], labels: { a: '1' } }, uuidName: 'parent' },
        { op: 'insert', table: 'Item', row: { name: `${name}-kid`, parent: namedUuid('parent') } },
        { op: 'comment', comment: 'loom test' },
        { op: 'commit', durable: false },
      ),
    );
    expect(child).toEqual({ uuid: ['uuid', expect.any(String)] });
    expect(comment).toEqual({});
    const parentUuid = (parent as { uuid: [string, string] }).uuid[1];
    const results = await client.transact(
      DB,
      wire(
        { op: 'update', table: 'Item', where: [['name', '==', name]], row: { enabled: true } },
        { op: 'mutate', table: 'Item', where: [['_uuid', '==', parentUuid]], mutations: [['count', '+=', 41], ['labels', 'insert', { b: '2' }]] },
        { op: 'wait', table: 'Item', where: [['name', '==', name]], columns: ['count'], until: '==', rows: [{ count: 42 }], timeoutMs: 0 },
        { op: 'select', table: 'Item', where: [['parent', 'includes', parentUuid]], columns: ['name'] },
        { op: 'delete', table: 'Item', where: [['name', '==', `${name}-kid`]] },
        { op: 'select', table: 'Item', where: [['_uuid', '==', parentUuid]], columns: ['count', 'enabled', 'labels'] },
      ),
    );
    expect(results).toEqual([
      { count: 1 },
      { count: 1 },
      {},
      { rows: [{ name: `${name}-kid` }] },
      { count: 1 },
      { rows: [{ count: 42, enabled: true, labels: ['map', [['a', '1'], ['b', '2']]] }] },
    ]);
  });

  it.each([
    {
      name: 'a failing operation by index, op and table, with the server’s error and details',
      ops: (item: string): Operation[] => [
        { op: 'insert', table: 'Item', row: { name: item } },
        { op: 'mutate', table: 'Item', where: [['name', '==', item]], mutations: [['count', '-=', 1]] },
      ],
      error: /^transaction on LoomTest failed: operation 1 \(mutate Item\): constraint violation: .*-1.*/,
      failure: { index: 1, op: 'mutate', table: 'Item', error: 'constraint violation' },
    },
    {
      name: 'a commit that breaks referential integrity',
      ops: (item: string): Operation[] => [{ op: 'insert', table: 'Item', row: { name: item, children: ['00000000-0000-4000-8000-00000000dead'] } }],
      error: /^transaction on LoomTest failed: commit: referential integrity violation: /,
      failure: { index: undefined, error: 'referential integrity violation' },
    },
    {
      name: 'an assert of a lock not held',
      ops: (): Operation[] => [{ op: 'comment', comment: 'x' }, { op: 'assert', lock: 'nobody' }],
      error: 'transaction on LoomTest failed: operation 1 (assert): not owner: Asserted lock nobody not held.',
      failure: { index: 1, op: 'assert', error: 'not owner' },
    },
    {
      name: 'an abort',
      ops: (item: string): Operation[] => [{ op: 'insert', table: 'Item', row: { name: item } }, { op: 'abort' }],
      error: 'transaction on LoomTest failed: operation 1 (abort): aborted: aborted by request',
      failure: { index: 1, op: 'abort', error: 'aborted' },
    },
  ])('reports $name', async ({ ops, error, failure }) => {
    const client = await connect();
    const item = unique('fail');
    const attempt = client.transact(DB, wire(...ops(item)));
    await expect(attempt).rejects.toThrow(error);
    await expect(attempt).rejects.toMatchObject({ failure });
    const [check] = await client.transact(DB, wire({ op: 'select', table: 'Item', where: [['name', '==', item]] }));
    expect(check).toEqual({ rows: [] });
  });

  it('cancels a transaction blocked in wait; the connection goes on', async () => {
    const client = await connect();
    const item = unique('awaited');
    const abort = new AbortController();
    const blocked = client.transact(DB, wire({ op: 'wait', table: 'Item', where: [['name', '==', item]], columns: ['name'], until: '==', rows: [{ name: item }] }), { signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    await expect(blocked).rejects.toThrow(RequestCanceledError);
    await client.transact(DB, wire({ op: 'insert', table: 'Item', row: { name: item } }));
    expect(await client.listDbs()).toContain(DB);
  });

  it('monitor: initial rows in the reply, then update notifications with old and new values', async () => {
    const [watcher, writer] = [await connect(), await connect()];
    const item = unique('watched');
    await writer.transact(DB, wire({ op: 'insert', table: 'Item', row: { name: item, count: 1 } }));
    const initial = await watcher.monitor(DB, 'v1', { Item: { columns: ['name', 'count'] } });
    const [uuid] = Object.entries(initial.Item).find(([, u]) => u.new?.name === item)!;
    const updates = nextEvents<[string, TableUpdates1]>(watcher, 'update', 2);
    await writer.transact(DB, wire({ op: 'update', table: 'Item', where: [['name', '==', item]], row: { count: 2 } }));
    await writer.transact(DB, wire({ op: 'delete', table: 'Item', where: [['name', '==', item]] }));
    expect(await updates).toEqual([
      ['v1', { Item: { [uuid]: { old: { count: 1 }, new: { name: item, count: 2 } } } }],
      ['v1', { Item: { [uuid]: { old: { name: item, count: 2 } } } }],
    ]);
  });

  it('monitor_cond: only rows matching the condition, changes as update2 differences; monitor_cancel stops them', async () => {
    const [watcher, writer] = [await connect(), await connect()];
    const item = unique('cond');
    const where = encodeOperations(testSchema, [{ op: 'select', table: 'Item', where: [['name', '==', item]] }])[0].where as unknown[];
    expect(await watcher.monitorCond(DB, 'v2', { Item: [{ columns: ['name', 'tags'], where }] })).toEqual({});
    const updates = nextEvents<[string, TableUpdates2]>(watcher, 'update2', 2);
    const [inserted] = await writer.transact(DB, wire({ op: 'insert', table: 'Item', row: { name: item, tags: ['a'] } }, { op: 'insert', table: 'Item', row: { name: unique('other') } }));
    const uuid = (inserted as { uuid: [string, string] }).uuid[1];
    await writer.transact(DB, wire({ op: 'mutate', table: 'Item', where: [['name', '==', item]], mutations: [['tags', 'insert', ['b']]] }));
    expect(await updates).toEqual([
      ['v2', { Item: { [uuid]: { insert: { name: item, tags: 'a' } } } }],
      ['v2', { Item: { [uuid]: { modify: { tags: 'b' } } } }],
    ]);
    await watcher.monitorCancel('v2');
    const late = jest.fn();
    watcher.on('update2', late);
    await writer.transact(DB, wire({ op: 'delete', table: 'Item', where: [['name', '==', item]] }));
    await watcher.listDbs();
    expect(late).not.toHaveBeenCalled();
    await expect(watcher.monitorCancel('v2')).rejects.toThrow(new RpcError(watcher.remote, 'monitor_cancel', 'unknown monitor'));
  });

  it('monitor_cond_since: initial contents when there is nothing to resume from, then update3 with the last transaction id', async () => {
    const [watcher, writer] = [await connect(), await connect()];
    const item = unique('since');
    await writer.transact(DB, wire({ op: 'insert', table: 'Item', row: { name: item } }));
    const reply = await watcher.monitorCondSince(DB, 'v3', { Item: [{ columns: ['name', 'count'] }] });
    expect(reply.found).toBe(false);
    const [uuid] = Object.entries(reply.updates.Item).find(([, u]) => u.initial?.name === item)!;
    const updates = nextEvents<[string, string, TableUpdates2]>(watcher, 'update3');
    await writer.transact(DB, wire({ op: 'update', table: 'Item', where: [['name', '==', item]], row: { count: 3 } }));
    // A standalone database keeps no history, so its transaction ids are all zero.
    expect(await updates).toEqual([['v3', ZERO_TXN_ID, { Item: { [uuid]: { modify: { count: 3 } } } }]]);
  });

  it('locks: granted, queued, handed over on unlock, stolen and handed back', async () => {
    const [a, b] = [await connect(), await connect()];
    const lock = unique('lock');
    await expect(a.lock('not-an-id')).rejects.toThrow(new InvalidLockNameError('not-an-id'));
    const assertLock = (client: OvsdbClient) => client.transact(DB, wire({ op: 'assert', lock }));
    expect(await a.lock(lock)).toBe(true);
    expect(await b.lock(lock)).toBe(false);
    await assertLock(a);
    await expect(assertLock(b)).rejects.toThrow(`operation 0 (assert): not owner: Asserted lock ${lock} not held.`);

    const bLocked = nextEvents(b, 'locked');
    await a.unlock(lock);
    expect(await bLocked).toEqual([[lock]]);
    expect(b.hasLock(lock)).toBe(true);

    const bStolen = nextEvents(b, 'stolen');
    await a.steal(lock);
    expect(await bStolen).toEqual([[lock]]);
    expect([a.hasLock(lock), b.hasLock(lock)]).toEqual([true, false]);
    await expect(assertLock(b)).rejects.toThrow(TransactionError);

    // The victim's request stays queued: it gets the lock back when the thief lets go.
    const bLockedAgain = nextEvents(b, 'locked');
    await a.unlock(lock);
    expect(await bLockedAgain).toEqual([[lock]]);
    await assertLock(b);
  });
});

