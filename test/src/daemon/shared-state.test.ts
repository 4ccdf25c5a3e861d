import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, type RunningDaemon } from '../../../src/daemon/daemon';
import { createLogger } from '../../../src/log';
import { startRedis, type RedisServer } from '../../harness/redis';

/**
 * Two control planes sharing their state in a real Redis (`--state redis://…`), without
 * OpenFlow: what one commits the other serves, and changes made on both at once all land
 * — the one that loses the optimistic commit recomputes its change on the winner's state.
 */

let redis: RedisServer;
let planes: RunningDaemon[] = [];
const dirs: string[] = [];

const service = (name: string) => `kind: Service\nname: ${name}\nports: [{port: 8080, protocol: http}]\n`;

beforeAll(async () => {
  redis = await startRedis();
  for (let i = 0; i < 2; i++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-shared-'));
    dirs.push(dataDir);
    planes.push(await startDaemon({ xds: { host: '127.0.0.1', port: 0 }, api: { host: '127.0.0.1', port: 0 }, dataDir, state: { kind: 'redis', url: redis.url } }, createLogger('shared-state', 'error')));
  }
});
afterAll(async () => {
  await Promise.all(planes.map((p) => p.close()));
  planes = [];
  await redis?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function eventually(check: () => void, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

test('what one instance commits, the other serves', async () => {
  await planes[0].manager.apply(service('from-a'), 'test');
  await eventually(() => expect(planes[1].manager.get('Service', 'from-a')).toMatchObject({ name: 'from-a', vip: expect.any(String) }));
  // The same VIP on both: it was assigned once, by the instance that committed.
  expect(planes[1].manager.get('Service', 'from-a')).toEqual(planes[0].manager.get('Service', 'from-a'));
});

test('changes made on both instances at once all land: the loser recomputes on the winner’s state', async () => {
  const names = Array.from({ length: 10 }, (_, i) => `svc-${i}`);
  await Promise.all(names.map((name, i) => planes[i % 2].manager.apply(service(name), 'test')));
  for (const plane of planes) {
    await eventually(() => expect(plane.manager.list('Service').map((s) => s.name)).toEqual(expect.arrayContaining(names)));
  }
  // Each got its own VIP although both instances assigned VIPs concurrently.
  const vips = names.map((name) => (planes[0].manager.get('Service', name) as { vip: string }).vip);
  expect(new Set(vips).size).toBe(names.length);
});

test('re-applying what is there commits nothing', async () => {
  const before = (await planes[0].manager.apply(service('from-a'), 'test')).revision;
  const again = await planes[0].manager.apply(service('from-a'), 'test');
  expect(again).toMatchObject({ revision: before, unchanged: ['service/from-a'], configured: [] });
});
