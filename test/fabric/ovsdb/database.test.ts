import { once } from 'node:events';
import fs from 'node:fs';
import { type ChangeBatch, MONITOR_METHODS, OvsdbDatabase, type ResyncInfo } from '../../../fabric/ovsdb/database';
import type { Row } from '../../../fabric/ovsdb/datum';
import { OvsdbClient } from '../../../fabric/ovsdb/ovsdb-client';
import { encodeOperations } from '../../../fabric/ovsdb/operations';
import type { Replica } from '../../../fabric/ovsdb/replica';
import { TransactionError } from '../../../fabric/ovsdb/transact-result';
import { createLogger } from '../../../src/log';
import { run } from '../../harness/netns';
import { startOvsdbServer, type OvsdbServer } from '../../harness/ovs-host';
import { FakeServer } from './fixtures/fake-server';
import { SocketProxy } from './fixtures/socket-proxy';
import { TEST_SCHEMA_FILE, testSchema } from './fixtures/test-schema';

const DB = 'LoomTest';
/** Short reconnect delays keep the reconnect tests fast; the reconnect warnings are expected. */
const FAST = { minBackoffMs: 10, maxBackoffMs: 100, log: createLogger('ovsdb-test', 'silent') };

function itemNamed(replica: Replica, name: string): Row | undefined {
  return replica.find('Item', (row) => row.name === name)[0];
}

/** Change batches as `kind name` strings, sorted, with the cause. */
function record(db: OvsdbDatabase): { cause: string; changes: string[] }[] {
  const seen: { cause: string; changes: string[] }[] = [];
  db.on('change', (batch: ChangeBatch) => {
    const changes = batch.changes.map((c) => `${c.kind} ${(c.kind === 'delete' ? c.old : c.row).name as string}${c.kind === 'modify' ? ` count ${c.old.count}→${c.row.count}` : ''}`);
    seen.push({ cause: batch.cause, changes: changes.sort() });
  });
  return seen;
}

describe('OvsdbDatabase against a real ovsdb-server', () => {
  let server: OvsdbServer;
  const opened: OvsdbDatabase[] = [];
  beforeAll(async () => {
    server = await startOvsdbServer({ schema: TEST_SCHEMA_FILE, tcp: true });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
  });
  afterAll(() => server.stop());

  const open = async (transport: 'unix' | 'tcp', options: Partial<Parameters<typeof OvsdbDatabase.open>[0]> = {}) => {
    const db = await OvsdbDatabase.open({ remote: transport === 'unix' ? server.unixRemote : server.tcpRemote!, database: DB, tables: { Item: ['name', 'count', 'tags'] }, ...options });
    opened.push(db);
    return db;
  };
  let n = 0;
  const unique = (base: string) => `${base}-${++n}`;

  describe.each(['unix', 'tcp'] as const)('over %s', (transport) => {
    it.each(MONITOR_METHODS)('keeps a replica with %s: initial rows, then insert, modify and delete events with a change sequence number', async (method) => {
      const item = unique(`${method}-${transport}`);
      const writer = await open(transport);
      await writer.transact((txn) => void txn.insert('Item', { name: `${item}-before`, count: 1 }));
      const db = await open(transport, { monitorMethod: method });
      expect(db.monitorMethod).toBe(method);
      expect(itemNamed(db.replica, `${item}-before`)).toMatchObject({ count: 1, tags: [] });
      const batches = record(db);
      const seqno = db.seqno;
      const inserted = await writer.transact((txn) => txn.insert('Item', { name: item, tags: ['a'] }));
      const uuid = inserted.inserted.get(inserted.value.name)!;
      await writer.transact((txn) => void txn.mutate('Item', uuid, [['count', '+=', 5], ['tags', 'insert', ['b']]]));
      await writer.transact((txn) => void txn.delete('Item', uuid));
      await db.waitFor((r) => r.seqno === seqno + 3, 'three changes', 2000);
      expect(batches).toEqual([
        { cause: 'update', changes: [`insert ${item}`] },
        { cause: 'update', changes: [`modify ${item} count 0→5`] },
        { cause: 'update', changes: [`delete ${item}`] },
      ]);
    });

    it('resolves a transaction only after its own changes are in the replica', async () => {
      const db = await open(transport);
      const item = unique('own');
      const outcome = await db.transact((txn) => txn.insert('Item', { name: item, count: 7 }));
      expect(outcome).toMatchObject({ attempts: 1, committed: true });
      expect(db.replica.get('Item', outcome.inserted.get(outcome.value.name)!)).toMatchObject({ name: item, count: 7 });
    });

    it('retries a conflicting update: two clients race with verify, the loser rebuilds from the new replica', async () => {
      const [a, b] = [await open(transport), await open(transport)];
      const item = unique('race');
      await a.transact((txn) => void txn.insert('Item', { name: item, count: 0 }));
      await b.waitFor((r) => itemNamed(r, item), item, 2000);
      // Both build their first attempt from count 0 before either commits.
      let built = 0;
      let release!: () => void;
      const bothBuilt = new Promise<void>((resolve) => (release = resolve));
      const increment = (db: OvsdbDatabase) =>
        db.transact(async (txn, replica) => {
          const row = itemNamed(replica, item)!;
          txn.verify('Item', row._uuid, ['count']);
          txn.update('Item', row._uuid, { count: (row.count as number) + 1 });
          if (++built === 2) release();
          await bothBuilt;
          return row.count;
        });
      const outcomes = await Promise.all([increment(a), increment(b)]);
      expect(outcomes.map((o) => [o.attempts, o.value]).sort()).toEqual([
        [1, 0],
        [2, 1],
      ]);
      for (const db of [a, b]) await db.waitFor((r) => itemNamed(r, item)!.count === 2, 'count 2 in both replicas', 2000);
    });

    it('without verify the same race loses an update (why verify exists)', async () => {
      const [a, b] = [await open(transport), await open(transport)];
      const item = unique('lost');
      await a.transact((txn) => void txn.insert('Item', { name: item, count: 0 }));
      await b.waitFor((r) => itemNamed(r, item), item, 2000);
      let built = 0;
      let release!: () => void;
      const bothBuilt = new Promise<void>((resolve) => (release = resolve));
      const blindIncrement = (db: OvsdbDatabase) =>
        db.transact(async (txn, replica) => {
          const row = itemNamed(replica, item)!;
          txn.update('Item', row._uuid, { count: (row.count as number) + 1 });
          if (++built === 2) release();
          await bothBuilt;
        });
      await Promise.all([blindIncrement(a), blindIncrement(b)]);
      const [check] = await a.client.transact(DB, encodeOperations(testSchema, [{ op: 'select', table: 'Item', where: [['name', '==', item]], columns: ['count'] }]));
      expect(check).toEqual({ rows: [{ count: 1 }] });
    });

    it('keeps every increment when two clients each increment five times at once', async () => {
      const [a, b] = [await open(transport), await open(transport)];
      const item = unique('many');
      await a.transact((txn) => void txn.insert('Item', { name: item, count: 0 }));
      await b.waitFor((r) => itemNamed(r, item), item, 2000);
      const incrementFiveTimes = async (db: OvsdbDatabase) => {
        for (let i = 0; i < 5; i++) {
          await db.transact((txn, replica) => {
            const row = itemNamed(replica, item)!;
            txn.verify('Item', row._uuid, ['count']).update('Item', row._uuid, { count: (row.count as number) + 1 });
          });
        }
      };
      await Promise.all([incrementFiveTimes(a), incrementFiveTimes(b)]);
      for (const db of [a, b]) await db.waitFor((r) => itemNamed(r, item)!.count === 10, 'count 10 in both replicas', 2000);
    });
  });

  it('replicates only the rows a condition selects (monitor_cond and later)', async () => {
    const item = unique('only');
    const db = await open('unix', { tables: { Item: { columns: ['name', 'count'], where: [['name', '==', item]] } } });
    const writer = await open('unix');
    await writer.transact((txn) => {
      txn.insert('Item', { name: item });
      txn.insert('Item', { name: `${item}-not` });
    });
    await db.waitFor((r) => itemNamed(r, item), item, 2000);
    expect(db.replica.rows('Item').size).toBe(1);
  });

  it('does not retry a transaction the server refused for another reason, and names the operation', async () => {
    const db = await open('unix');
    const item = unique('neg');
    await db.transact((txn) => void txn.insert('Item', { name: item }));
    const attempt = db.transact((txn, replica) => {
      const row = itemNamed(replica, item)!;
      txn.verify('Item', row._uuid, ['count']).mutate('Item', row._uuid, [['count', '-=', 1]]);
    });
    await expect(attempt).rejects.toThrow(TransactionError);
    await expect(attempt).rejects.toThrow(/^transaction on LoomTest failed: operation 1 \(mutate Item\): constraint violation/);
  });

  it('makes a transaction depend on holding a lock (assert)', async () => {
    const [holder, other] = [await open('unix'), await open('unix')];
    expect(await holder.client.lock('writer')).toBe(true);
    const write = (db: OvsdbDatabase) => db.transact((txn) => void txn.assertLock('writer').insert('Item', { name: unique('locked') }));
    await expect(write(holder)).resolves.toMatchObject({ committed: true });
    await expect(write(other)).rejects.toThrow('transaction on LoomTest failed: operation 0 (assert): not owner: Asserted lock writer not held.');
  });

  it('sends nothing for a build that asks for no change', async () => {
    const db = await open('unix');
    const outcome = await db.transact((txn) => void txn.comment('only a comment'));
    expect(outcome).toMatchObject({ committed: false, results: [] });
  });
});

describe('OvsdbDatabase reconnecting', () => {
  it.each(['unix', 'tcp'] as const)('after ovsdb-server restarts (%s) rebuilds the replica and reports what changed while it was down', async (transport) => {
    await using server = await startOvsdbServer({ schema: TEST_SCHEMA_FILE, tcp: true });
    await using db = await OvsdbDatabase.open({ remote: transport === 'unix' ? server.unixRemote : server.tcpRemote!, database: DB, tables: { Item: ['name', 'count'] }, ...FAST });
    await db.transact((txn) => {
      txn.insert('Item', { name: 'kept' });
      txn.insert('Item', { name: 'gone' });
      txn.insert('Item', { name: 'changed', count: 1 });
    });
    const batches = record(db);
    const resynced = once(db, 'resync') as Promise<[ResyncInfo]>;
    await server.restart(async () => {
      const ops = encodeOperations(testSchema, [
        { op: 'insert', table: 'Item', row: { name: 'born' } },
        { op: 'delete', table: 'Item', where: [['name', '==', 'gone']] },
        { op: 'update', table: 'Item', where: [['name', '==', 'changed']], row: { count: 2 } },
      ]);
      await run('ovsdb-tool', ['transact', server.dbFile, JSON.stringify([DB, ...ops])]);
    });
    const [info] = await resynced;
    expect(info).toEqual({ epoch: 2, method: 'monitor_cond_since', resumed: false });
    expect(batches).toEqual([{ cause: 'resync', changes: ['delete gone', 'insert born', 'modify changed count 1→2'] }]);
    expect([...db.replica.rows('Item').values()].map((r) => r.name).sort()).toEqual(['born', 'changed', 'kept']);
    await db.transact((txn) => void txn.insert('Item', { name: 'after' }));
    expect(itemNamed(db.replica, 'after')).toBeDefined();
  });

  it('resumes with monitor_cond_since from a clustered server: only what changed while disconnected is sent', async () => {
    await using server = await startOvsdbServer({ schema: TEST_SCHEMA_FILE, clustered: true });
    const proxy = await SocketProxy.start(server.unixRemote.slice('unix:'.length));
    try {
      await using db = await OvsdbDatabase.open({ remote: proxy.remote, database: DB, tables: { Item: ['name', 'count'] }, ...FAST });
      await using writer = await OvsdbClient.connect(server.unixRemote);
      // ovsdb-server keeps no more transaction history than the database has atoms: a
      // nearly empty database would forget the transactions to resume from at once.
      await db.transact((txn) => {
        for (let i = 0; i < 50; i++) txn.insert('Item', { name: `filler-${i}` });
      });
      await db.transact((txn) => {
        txn.insert('Item', { name: 'a' });
        txn.insert('Item', { name: 'b' });
      });
      const batches = record(db);
      const disconnected = once(db, 'disconnect');
      await proxy.cut();
      await disconnected;
      await writer.transact(
        DB,
        encodeOperations(testSchema, [
          { op: 'insert', table: 'Item', row: { name: 'c' } },
          { op: 'update', table: 'Item', where: [['name', '==', 'a']], row: { count: 1 } },
        ]),
      );
      const resynced = once(db, 'resync') as Promise<[ResyncInfo]>;
      await proxy.resume();
      expect((await resynced)[0]).toEqual({ epoch: 2, method: 'monitor_cond_since', resumed: true });
      expect(batches).toEqual([{ cause: 'resync', changes: ['insert c', 'modify a count 0→1'] }]);
    } finally {
      await proxy.close();
    }
  });

  it('a transaction issued while disconnected waits for the resynchronised replica and then commits', async () => {
    await using server = await startOvsdbServer({ schema: TEST_SCHEMA_FILE });
    const proxy = await SocketProxy.start(server.unixRemote.slice('unix:'.length));
    try {
      await using db = await OvsdbDatabase.open({ remote: proxy.remote, database: DB, tables: { Item: ['name', 'count'] }, ...FAST });
      await db.transact((txn) => void txn.insert('Item', { name: 'x' }));
      const disconnected = once(db, 'disconnect');
      await proxy.cut();
      await disconnected;
      const pending = db.transact((txn, replica) => {
        const row = itemNamed(replica, 'x')!;
        txn.verify('Item', row._uuid, ['count']).update('Item', row._uuid, { count: (row.count as number) + 1 });
      });
      await proxy.resume();
      expect(await pending).toMatchObject({ committed: true, attempts: 1 });
      expect(itemNamed(db.replica, 'x')!.count).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('asks for its locks again after a reconnect: queued behind whoever took them meanwhile', async () => {
    await using server = await startOvsdbServer({ schema: TEST_SCHEMA_FILE });
    const proxy = await SocketProxy.start(server.unixRemote.slice('unix:'.length));
    try {
      await using a = await OvsdbClient.connect(proxy.remote, FAST);
      await using b = await OvsdbClient.connect(server.unixRemote);
      expect(await a.lock('leader')).toBe(true);
      const disconnected = once(a, 'disconnect');
      await proxy.cut();
      await disconnected;
      expect(a.hasLock('leader')).toBe(false);
      // The server lets a's lock go once it notices the connection is gone.
      const bLocked = once(b, 'locked');
      if (!(await b.lock('leader'))) await bLocked;
      expect(b.hasLock('leader')).toBe(true);
      const reconnected = once(a, 'connect');
      await proxy.resume();
      await reconnected;
      const aLocked = once(a, 'locked');
      await b.unlock('leader');
      expect(await aLocked).toEqual(['leader']);
      expect(a.hasLock('leader')).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});

describe('OvsdbDatabase against an older server (scripted)', () => {
  it('steps down to the newest monitor method the server knows', async () => {
    const server = await new FakeServer().listen();
    try {
      const opening = OvsdbDatabase.open({ remote: server.remote, database: DB, tables: { Item: ['name'] }, ...FAST });
      const peer = await server.nextConnection(0);
      const answer = async (method: string, reply: { result?: unknown; error?: unknown }) => {
        const request = await peer.next();
        expect(request.method).toBe(method);
        peer.send({ id: request.id, result: null, error: null, ...reply });
      };
      await answer('get_schema', { result: JSON.parse(fs.readFileSync(TEST_SCHEMA_FILE, 'utf8')) });
      await answer('monitor_cond_since', { error: 'unknown method' });
      await answer('monitor_cond', { error: 'unknown method' });
      await answer('monitor', { result: { Item: { 'a0000000-0000-4000-8000-000000000001': { new: { name: 'from-2012' } } } } });
      await using db = await opening;
      expect(db.monitorMethod).toBe('monitor');
      expect(itemNamed(db.replica, 'from-2012')).toBeDefined();
    } finally {
      await server.close();
    }
  });
});
