import { type Cluster, type ClusterPod, startCluster } from '../../harness/cluster';
import { type PingLog } from '../../harness/cluster-ping';
import { startContinuousPing } from '../../harness/cluster-traffic';
import { startRedis, type RedisServer } from '../../harness/redis';

/**
 * Two control planes — real `loom up --state redis://…` processes sharing the mesh, the
 * address pools and the controller lease — and two hosts whose agents and br-ints know
 * both. The master is killed outright (SIGKILL: no goodbye to the switches, no resigned
 * lease) while pods ping each other every 50 ms both ways: the switches keep forwarding on
 * the flows they hold, the other instance takes the lease over and becomes master on every
 * switch, and a pod added after the kill — its CNI ADD served by the surviving API — gets
 * its flows and is reachable.
 */

const NETWORK = { name: 'ha', cidr: '10.84.0.0/24', vni: 8400 };
const PROMOTION_TIMEOUT_MS = 15_000;

let redis: RedisServer;
let cluster: Cluster;

beforeAll(async () => {
  redis = await startRedis();
  cluster = await startCluster({ hosts: ['ha-a', 'ha-b'], networks: [NETWORK], underlay: '192.168.84', controlPlanes: { count: 2, redisUrl: redis.url } });
}, 90_000);
afterAll(async () => {
  await cluster?.stop();
  await redis?.stop();
});

/** Sequence numbers missing among those ping sent, except the last (its reply may still have been on its way at SIGINT). */
function lostSequences(log: PingLog): number[] {
  const seen = new Set(log.replies.map((r) => r.seq));
  const lost: number[] = [];
  for (let seq = 1; seq < log.transmitted; seq++) if (!seen.has(seq)) lost.push(seq);
  return lost;
}

async function waitForMaster(host: string, index: number): Promise<void> {
  const deadline = Date.now() + PROMOTION_TIMEOUT_MS;
  for (;;) {
    const master = await cluster.masterOf(host);
    if (master?.index === index) return;
    if (Date.now() > deadline) throw new Error(`plane ${index} did not become master of ${host} within ${PROMOTION_TIMEOUT_MS} ms (master: ${master?.index ?? 'none'})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('killing the master controller loses no packet on existing paths, and a pod added afterwards is reachable', async () => {
  const p = await cluster.addPod('ha-a', 'ha', 'p');
  const q = await cluster.addPod('ha-b', 'ha', 'q');
  await cluster.converged();
  // The first plane started took the lease; both switches report it as master (OVS refreshes that column every few seconds).
  await Promise.all([waitForMaster('ha-a', 0), waitForMaster('ha-b', 0)]);

  const pings = [startContinuousPing(cluster, p, q.ip), startContinuousPing(cluster, q, p.ip)];
  let logs: PingLog[];
  let r: ClusterPod;
  try {
    await Promise.all(pings.map((ping) => ping.replies(10)));
    await cluster.planes[0].kill();
    // Added while the lease of the dead master has not even run out: the agent's CNI call fails over to the other API.
    r = await cluster.addPod('ha-b', 'ha', 'r');
    await Promise.all([waitForMaster('ha-a', 1), waitForMaster('ha-b', 1)]);
    await cluster.converged();
    // Pinging on a while after the promotion: the new master's first sync must not disturb existing paths either.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  } finally {
    logs = await Promise.all(pings.map((ping) => ping.stop()));
  }

  for (const log of logs) {
    expect(log.transmitted).toBeGreaterThan(40);
    expect({ lost: lostSequences(log), transmitted: log.transmitted }).toEqual({ lost: [], transmitted: log.transmitted });
  }
  const reached = await cluster.ping(p, r.ip, { count: 3 });
  expect(reached.received).toBe(3);
  // The survivor holds the state the dead instance wrote: the pods it registered are there.
  const endpoints = (await cluster.plane.call('GET', '/v1/endpoints')).body.items as { name: string }[];
  expect(endpoints.map((e) => e.name).sort()).toEqual(['p', 'q', 'r']);
}, 120_000);
