import Redis from 'ioredis';
import pino from 'pino';
import type { LeaderElection } from '../../../../fabric/openflow/controller';
import { RedisLeaseElection, type RedisLeaseElectionOptions } from '../../../../fabric/openflow/controller/redis-lease-election';
import { startRedis, type RedisServer } from '../../../harness/redis';

/** The Redis lease: one leader at a time, a term that grows with every new leader, and a leader that knows when its lease may be gone. */

const log = pino({ level: 'silent' });
let server: RedisServer;
let admin: Redis;
let keys = 0;
const elections: RedisLeaseElection[] = [];
const clients: Redis[] = [];

beforeAll(async () => {
  server = await startRedis();
  admin = new Redis(server.url);
});
afterEach(async () => {
  await Promise.all(elections.splice(0).map((e) => e.close()));
  clients.splice(0).forEach((c) => c.disconnect());
});
afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
});

const freshKey = () => `election-${++keys}:leader`;
async function start(options: Omit<RedisLeaseElectionOptions, 'log'>): Promise<RedisLeaseElection> {
  const election = await RedisLeaseElection.start({ url: server.url, log, ...options });
  elections.push(election);
  return election;
}
const state = (e: LeaderElection) => [e.isLeader, e.term];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Resolves when `predicate` holds, checked every 10 ms; rejects after `ms`. */
async function until(predicate: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await sleep(10);
  }
  return Date.now() - started;
}

test('one leader among three candidates; it renews; the others follow its term', async () => {
  const key = freshKey();
  const [a, b, c] = [await start({ key, id: 'a', leaseMs: 300, renewMs: 50 }), await start({ key, id: 'b', leaseMs: 300, renewMs: 50 }), await start({ key, id: 'c', leaseMs: 300, renewMs: 50 })];
  expect([state(a), state(b), state(c)]).toEqual([[true, 1n], [false, 1n], [false, 1n]]);
  await sleep(800);
  expect([state(a), state(b), state(c)]).toEqual([[true, 1n], [false, 1n], [false, 1n]]);
  expect(await admin.get(key)).toMatch(/^1 a [0-9a-f-]{36}$/);
  expect(await admin.get(`${key}:term`)).toBe('1');
  expect(await admin.pttl(key)).toBeGreaterThan(150);
});

test('a leader that resigns hands over at the next look, with the next term', async () => {
  const key = freshKey();
  const a = await start({ key, id: 'a', leaseMs: 3000, renewMs: 50 });
  const b = await start({ key, id: 'b', leaseMs: 3000, renewMs: 50 });
  const c = await start({ key, id: 'c', leaseMs: 3000, renewMs: 50 });
  const changes: boolean[] = [];
  a.on('change', () => changes.push(a.isLeader));
  await a.close();
  expect(changes).toEqual([false]);
  const took = await until(() => b.isLeader || c.isLeader, 1000);
  expect(took).toBeLessThan(1000);
  await sleep(100);
  const leaders = [b, c].filter((e) => e.isLeader);
  expect(leaders).toHaveLength(1);
  expect([state(a), b.term, c.term]).toEqual([[false, 1n], 2n, 2n]);
  // Terms keep growing with every leader.
  await leaders[0].close();
  await until(() => [b, c].some((e) => e.isLeader), 1000);
  expect([b, c].find((e) => e.isLeader)!.term).toBe(3n);
});

test('a leader that died (stopped renewing, connection gone) is replaced once its lease runs out, not before', async () => {
  const key = freshKey();
  const client = new Redis(server.url, { maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  clients.push(client);
  const a = await start({ client, key, id: 'a', leaseMs: 600, renewMs: 50 });
  const b = await start({ key, id: 'b', leaseMs: 600, renewMs: 50 });
  expect([state(a), state(b)]).toEqual([[true, 1n], [false, 1n]]);
  const killed = Date.now();
  client.disconnect();
  await sleep(300);
  expect(state(b)).toEqual([false, 1n]);
  await until(() => b.isLeader, 1500);
  expect(Date.now() - killed).toBeGreaterThanOrEqual(500);
  expect(state(b)).toEqual([true, 2n]);
  // a, cut off, stepped down when its lease ran out: never two leaders.
  expect(a.isLeader).toBe(false);
});

test('a leader whose renewals stall steps down before its lease runs out, while nobody else can take over', async () => {
  const key = freshKey();
  const a = await start({ key, id: 'a', leaseMs: 400, renewMs: 50 });
  const b = await start({ key, id: 'b', leaseMs: 400, renewMs: 50 });
  expect([state(a), state(b)]).toEqual([[true, 1n], [false, 1n]]);
  const demoted = new Promise<number>((resolve) => a.once('change', () => resolve(Date.now())));
  // Every write stalls for 1.5 s: renewals hang (so would a paused process's).
  const paused = Date.now();
  await admin.client('PAUSE', '1500', 'WRITE');
  const at = await demoted;
  expect(at - paused).toBeLessThan(450);
  expect([state(a), b.isLeader]).toEqual([[false, 1n], false]);
  // Once writes resume, one leader again, with a new term (a candidate whose acquisition
  // stalled for longer than a lease counts it as lost and starts another: 2 or 3).
  await until(() => a.isLeader || b.isLeader, 3000);
  await sleep(300);
  expect([a, b].filter((e) => e.isLeader)).toHaveLength(1);
  expect(a.term).toBeGreaterThan(1n);
  expect(b.term).toBe(a.term);
});

test('a paused event loop: the leader knows its lease may be gone the moment it resumes', async () => {
  const key = freshKey();
  const a = await start({ key, id: 'a', leaseMs: 300, renewMs: 50 });
  expect(a.isLeader).toBe(true);
  const resume = Date.now() + 400;
  while (Date.now() < resume) {
    // busy: no timers, no I/O, no renewals
  }
  expect(a.isLeader).toBe(false);
});

test('refuses a renewal period that is not below the lease', async () => {
  await expect(RedisLeaseElection.start({ url: server.url, key: freshKey(), id: 'x', leaseMs: 100, renewMs: 100, log })).rejects.toThrow(/renewMs/);
});
