import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../../src/log';
import { LeaseFileElection, MemoryElectionGroup, type LeaderElection } from '../../../../fabric/openflow/controller';

/** Both elections: one leader at a time, and a term that grows with every new leader. */

const log = createLogger('test', 'silent');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-election-'));
  dirs.push(dir);
  return dir;
}

const changed = (e: LeaderElection) => new Promise<void>((resolve) => e.on('change', () => resolve()));
const state = (e: LeaderElection) => [e.isLeader, e.term];

test('memory: the first member leads; when it leaves, the next one leads with the next term', async () => {
  const group = new MemoryElectionGroup();
  const [a, b, c] = [group.join(), group.join(), group.join()];
  expect([state(a), state(b), state(c)]).toEqual([[true, 1n], [false, 1n], [false, 1n]]);
  await b.close();
  expect(state(a)).toEqual([true, 1n]);
  await a.close();
  expect([state(a), state(c)]).toEqual([[false, 2n], [true, 2n]]);
});

test('lease file: one leader; it renews; others follow its term', async () => {
  const dir = tempDir();
  const a = await LeaseFileElection.start({ dir, id: 'a', leaseMs: 300, log });
  const b = await LeaseFileElection.start({ dir, id: 'b', leaseMs: 300, log });
  try {
    expect([state(a), state(b)]).toEqual([[true, 1n], [false, 1n]]);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect([state(a), state(b)]).toEqual([[true, 1n], [false, 1n]]);
    expect(fs.readFileSync(path.join(dir, 'term-1'), 'utf8')).toMatch(/^a pid \d+\n$/);
  } finally {
    await a.close();
    await b.close();
  }
});

test('lease file: a leader that resigns hands over at the next look', async () => {
  const dir = tempDir();
  const a = await LeaseFileElection.start({ dir, id: 'a', leaseMs: 3000, renewMs: 50, log });
  const b = await LeaseFileElection.start({ dir, id: 'b', leaseMs: 3000, renewMs: 50, log });
  const promoted = changed(b);
  const started = Date.now();
  await a.close();
  await promoted;
  expect(Date.now() - started).toBeLessThan(1000);
  expect([state(a), state(b)]).toEqual([[false, 1n], [true, 2n]]);
  await b.close();
});

test('lease file: a leader that stopped renewing (dead) is replaced once its lease runs out', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'term-7'), 'dead pid 1\n');
  const stale = new Date(Date.now() - 1000);
  fs.utimesSync(path.join(dir, 'term-7'), stale, stale);
  const b = await LeaseFileElection.start({ dir, id: 'b', leaseMs: 500, log });
  expect(state(b)).toEqual([true, 8n]);
  expect(fs.readdirSync(dir)).toEqual(['term-8']);
  await b.close();
});

test('lease file: a leader that finds a newer term than its own steps down', async () => {
  const dir = tempDir();
  const a = await LeaseFileElection.start({ dir, id: 'a', leaseMs: 300, renewMs: 50, log });
  expect(state(a)).toEqual([true, 1n]);
  // What another candidate does when it presumed a dead (a stalled for longer than the lease).
  const demoted = changed(a);
  fs.writeFileSync(path.join(dir, 'term-2'), 'c pid 2\n');
  await demoted;
  expect(state(a)).toEqual([false, 2n]);
  await a.close();
});
