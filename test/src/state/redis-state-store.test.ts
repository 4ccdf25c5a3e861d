import { Writable } from 'node:stream';
import Redis from 'ioredis';
import pino from 'pino';
import { emptyMesh, type Mesh } from '../../../src/model/mesh';
import { CorruptStateError } from '../../../src/state/file-state-store';
import { RedisStateStore, StateConflictError } from '../../../src/state/redis-state-store';
import { startRedis, type RedisServer } from '../../harness/redis';
import { describeStateStoreContract, withService } from './state-store-contract';

let server: RedisServer;
let admin: Redis;
let prefixes = 0;
/** A key prefix no other test uses. */
const freshPrefix = () => `t${++prefixes}:`;

beforeAll(async () => {
  server = await startRedis();
  admin = new Redis(server.url);
});
afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
});

const silent = pino({ level: 'silent' });

/** A logger that keeps what it is given. */
function recordingLog(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'warn' }, sink), lines };
}

/** Resolves with the next change a store reports, or rejects after `ms`. */
function nextChange(store: RedisStateStore, ms = 1000): Promise<[Mesh, number]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no change within ${ms} ms`));
    }, ms);
    const stop = store.onChange((mesh, revision) => {
      clearTimeout(timer);
      stop();
      resolve([mesh, revision]);
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeStateStoreContract('redis', async () => {
  const keyPrefix = freshPrefix();
  return { open: () => RedisStateStore.open({ url: server.url, keyPrefix, log: silent }) };
});

describe('RedisStateStore', () => {
  const stores: RedisStateStore[] = [];
  const open = async (keyPrefix: string, log: pino.Logger = silent) => {
    const store = await RedisStateStore.open({ url: server.url, keyPrefix, log });
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('keeps the mesh as JSON with its revision in one hash under the key prefix', async () => {
    const store = await open('layout:');
    const mesh = withService(emptyMesh(), 'echo');
    await store.commit(mesh);
    expect(await admin.keys('layout:*')).toEqual(['layout:state']);
    expect(await admin.hgetall('layout:state')).toEqual({ format: '1', revision: '1', mesh: JSON.stringify(mesh) });
  });

  it("lets two instances see each other's commits through the change feed within 1 s", async () => {
    const keyPrefix = freshPrefix();
    const [a, b] = [await open(keyPrefix), await open(keyPrefix)];
    const one = withService(emptyMesh(), 'echo');
    const seenByB = nextChange(b);
    await a.commit(one);
    expect(await seenByB).toEqual([one, 1]);
    expect([b.revision(), b.current()]).toEqual([1, one]);

    const two = withService(one, 'web');
    const seenByA = nextChange(a);
    await b.commit(two);
    expect(await seenByA).toEqual([two, 2]);
    expect([a.revision(), a.current()]).toEqual([2, two]);
  });

  it('refuses a commit from an instance that missed a change, naming both revisions, and changes nothing', async () => {
    const keyPrefix = freshPrefix();
    const a = await open(keyPrefix);
    const one = withService(emptyMesh(), 'echo');
    await a.commit(one);
    await sleep(100); // its own change message has come back
    // b commits revision 2 straight into Redis, so a has not heard of it when it commits.
    const two = withService(one, 'web');
    await admin.hset(`${keyPrefix}state`, { revision: '2', mesh: JSON.stringify(two) });
    const before = await admin.hgetall(`${keyPrefix}state`);
    const stale = withService(one, 'stale');

    const refused = a.commit(stale);
    await expect(refused).rejects.toThrow(StateConflictError);
    await expect(refused).rejects.toMatchObject({ expectedRevision: 1, storedRevision: 2 });
    await expect(refused).rejects.toThrow(/based on revision 1 but revision 2 is stored; nothing was changed/);
    expect(await admin.hgetall(`${keyPrefix}state`)).toEqual(before);
    // It caught up, so the caller can retry on the state that won.
    expect([a.revision(), a.current()]).toEqual([2, two]);
    await a.commit(withService(two, 'stale'));
    expect(a.revision()).toBe(3);
  });

  it('lets exactly one of two instances racing from the same revision win', async () => {
    const keyPrefix = freshPrefix();
    const [a, b] = [await open(keyPrefix), await open(keyPrefix)];
    const results = await Promise.allSettled([a.commit(withService(emptyMesh(), 'a')), b.commit(withService(emptyMesh(), 'b'))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason).toBeInstanceOf(StateConflictError);
    expect(await admin.hget(`${keyPrefix}state`, 'revision')).toBe('1');
    expect(a.current()).toEqual(b.current());
  });

  it('refuses an invalid state written by someone else: logs it and keeps the last valid one', async () => {
    const keyPrefix = freshPrefix();
    const { log, lines } = recordingLog();
    const store = await open(keyPrefix, log);
    const one = withService(emptyMesh(), 'echo');
    await store.commit(one);
    const heard: number[] = [];
    store.onChange((_mesh, revision) => heard.push(revision));

    const bad = [
      '{"services":',
      JSON.stringify({ services: { x: { kind: 'Service', name: 'x', ports: 'many' } }, endpoints: {}, routes: {}, networks: {} }),
      JSON.stringify({ services: {}, endpoints: { b1: { kind: 'Endpoint', name: 'b1', service: 'gone', address: '10.0.0.1', port: 1 } }, routes: {}, networks: {} }),
    ];
    for (const [i, mesh] of bad.entries()) {
      await admin.hset(`${keyPrefix}state`, { revision: String(2 + i), mesh });
      await admin.publish(`${keyPrefix}state:changes`, String(2 + i));
      await sleep(150);
    }
    expect(heard).toEqual([]);
    expect([store.revision(), store.current()]).toEqual([1, one]);
    const refusals = lines.filter((l) => l.msg === 'refused an invalid state from Redis; keeping the last valid one');
    expect(refusals.map((l) => [l.revision, l.localRevision])).toEqual([
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
    expect(refusals.map((l) => l.problem)).toEqual([expect.stringMatching(/^mesh is not JSON/), expect.stringMatching(/^mesh\.services\.x\.ports: /), expect.stringMatching(/inconsistent: Endpoint b1: .*"gone" does not exist/)]);
    // Its own commits are refused until a valid state is stored again.
    await expect(store.commit(emptyMesh())).rejects.toThrow(StateConflictError);
  });

  it('refuses to open on a key that does not hold a Loom state', async () => {
    const keyPrefix = freshPrefix();
    await admin.hset(`${keyPrefix}state`, { format: '1', revision: '4', mesh: 'nope' });
    await expect(RedisStateStore.open({ url: server.url, keyPrefix, log: silent })).rejects.toThrow(CorruptStateError);
    await expect(RedisStateStore.open({ url: server.url, keyPrefix, log: silent })).rejects.toThrow(`Redis key ${keyPrefix}state is not a Loom state: mesh is not JSON`);
  });

  it('catches up on a change it missed when its subscriber reconnects', async () => {
    const keyPrefix = freshPrefix();
    const store = await open(keyPrefix);
    // Committed while the message could not reach this instance: stored, never published.
    const mesh = withService(emptyMesh(), 'echo');
    await admin.hset(`${keyPrefix}state`, { format: '1', revision: '1', mesh: JSON.stringify(mesh) });
    await sleep(100);
    expect(store.revision()).toBe(0);
    const caughtUp = nextChange(store, 3000);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    expect(await caughtUp).toEqual([mesh, 1]);
  });

  it('shares a client it is given and leaves it open; quits its own connections', async () => {
    const client = new Redis(server.url);
    await client.ping();
    const keyPrefix = freshPrefix();
    const clientsBefore = Number(/connected_clients:(\d+)/.exec(await admin.info('clients'))![1]);
    const shared = await RedisStateStore.open({ client, keyPrefix, log: silent });
    const own = await RedisStateStore.open({ url: server.url, keyPrefix, log: silent });
    const seen = nextChange(own);
    await shared.commit(withService(emptyMesh(), 'echo'));
    expect((await seen)[1]).toBe(1);
    await shared.close();
    await own.close();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await sleep(100);
    expect(Number(/connected_clients:(\d+)/.exec(await admin.info('clients'))![1])).toBe(clientsBefore - 1);
  });
});
