import { type Cluster, type ClusterPod, startCluster } from '../../harness/cluster';
import type { PodProcess } from '../../harness/cluster-process';
import { askName, startNameServer } from '../../harness/cluster-traffic';
import { loom } from '../../harness/loom-process';
import type { PlaneProcess } from '../../harness/cluster-planes';
import { endpointDocument } from '../../harness/cluster-endpoints';
import { WEB_DB_GROUPS } from './web-db-groups';
import { startRedis, type RedisServer } from '../../harness/redis';
import type { RuleStat, SecurityGroupStats } from '../../../fabric/trace';

/**
 * Per-rule hit counters with real traffic, read from real switches by both control planes
 * of an HA pair (`loom up --state redis://…` processes): the master and the slave read
 * the same counters (OVS answers statistics requests from a slave connection), summed over
 * the two hosts, and `loom get securitygroups -o wide` prints them. p (group web: egress
 * tcp 80 to db) on host ra connects to q (group db: ingress tcp 80 from web) on rb: each
 * new connection is one hit of web's egress rule on ra and of db's ingress rule on rb.
 */

const NETWORK = { name: 'hits', cidr: '10.97.0.0/24', vni: 9700 };
const CONNECTIONS = 5;
/** ovs-vswitchd's revalidators move datapath counters to OpenFlow flows about every 500 ms. */
const COUNTER_WAIT_MS = 10_000;

let redis: RedisServer;
let cluster: Cluster;
let p: ClusterPod, q: ClusterPod, r: ClusterPod;
let server: PodProcess;

beforeAll(async () => {
  redis = await startRedis();
  cluster = await startCluster({ hosts: ['ra', 'rb'], networks: [NETWORK], underlay: '192.168.97', controlPlanes: { count: 2, redisUrl: redis.url } });
  [p, r] = [await cluster.addPod('ra', 'hits', 'p'), await cluster.addPod('ra', 'hits', 'r')];
  q = await cluster.addPod('rb', 'hits', 'q');
  for (const [pod, app] of [[p, 'web'], [q, 'db']] as const) {
    await cluster.plane.apply(await endpointDocument(cluster, pod, { labels: { app } }));
  }
  await cluster.plane.apply(WEB_DB_GROUPS);
  server = await startNameServer(cluster, q, 80);
  await cluster.converged();
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await cluster?.stop();
  await redis?.stop();
});

async function stats(plane: PlaneProcess): Promise<SecurityGroupStats> {
  const res = await plane.call('GET', '/v1/stats/securitygroups');
  if (res.status !== 200) throw new Error(`stats from plane ${plane.index}: ${JSON.stringify(res.body)}`);
  return res.body as unknown as SecurityGroupStats;
}

const hitsOf = (s: SecurityGroupStats, group: string): RuleStat => s.rules.find((x) => x.group === group && x.kind === 'rule' && x.index === 0)!;

async function waitForHits(plane: PlaneProcess, atLeast: number): Promise<SecurityGroupStats> {
  const deadline = Date.now() + COUNTER_WAIT_MS;
  for (;;) {
    const s = await stats(plane);
    if (['web', 'db'].every((g) => (hitsOf(s, g).hits ?? 0) >= atLeast)) return s;
    if (Date.now() > deadline) throw new Error(`hits did not reach ${atLeast} within ${COUNTER_WAIT_MS} ms: ${JSON.stringify(s.rules)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The plane OVS has as master of `host`'s br-int: OVS records the role in its database a few seconds after it changes. */
async function masterOf(host: string): Promise<PlaneProcess> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const master = await cluster.masterOf(host);
    if (master) return master;
    if (Date.now() > deadline) throw new Error(`no plane became master of ${host}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('each new connection is a hit of the sender’s egress rule and the receiver’s ingress rule, on their hosts; master and slave read the same', async () => {
  const master = await masterOf('ra');
  expect(await masterOf('rb')).toBe(master);
  const slave = cluster.planes.find((pl) => pl !== master)!;

  const before = await stats(slave);
  expect(before).toMatchObject({ available: true, counted: ['ra', 'rb'], missing: [] });
  const base = { web: hitsOf(before, 'web').hits!, db: hitsOf(before, 'db').hits! };

  for (let i = 0; i < CONNECTIONS; i++) expect(await askName(cluster, p, q.ip, 80)).toBe('q');
  // Not allowed: no hit of either rule.
  expect(await askName(cluster, r, q.ip, 80, 1_000)).toBeUndefined();

  const after = await waitForHits(slave, Math.min(base.web, base.db) + CONNECTIONS);
  const web = hitsOf(after, 'web');
  const db = hitsOf(after, 'db');
  // One packet per connection (its SYN); a retransmitted SYN would count too.
  expect(web.hits! - base.web).toBeGreaterThanOrEqual(CONNECTIONS);
  expect(web.hits! - base.web).toBeLessThanOrEqual(CONNECTIONS + 2);
  expect(Object.keys(web.byHost)).toEqual(['ra']);
  expect(db.hits! - base.db).toBeGreaterThanOrEqual(CONNECTIONS);
  expect(Object.keys(db.byHost)).toEqual(['rb']);

  const fromMaster = await stats(master);
  expect([hitsOf(fromMaster, 'web').hits, hitsOf(fromMaster, 'db').hits]).toEqual([web.hits, db.hits]);
}, 60_000);

test('loom get securitygroups -o wide prints a row per rule with its hits; the plain table is unchanged', async () => {
  const s = await waitForHits(cluster.planes[1], CONNECTIONS);
  const wide = loom(['get', 'securitygroups', '-o', 'wide'], { LOOM_API: cluster.planes[1].apiUrl });
  expect(wide).toMatchObject({ status: 0, stderr: '' });
  expect(wide.stdout).toBe(
    [
      'GROUP   RULE         DESCRIPTION             HITS',
      `db      ingress[0]   tcp 80 from group web   ${hitsOf(s, 'db').hits}`,
      `web     egress[0]    tcp 80 to group db      ${hitsOf(s, 'web').hits}`,
      '',
    ].join('\n'),
  );
  const one = loom(['get', 'securitygroups', 'web', '-o', 'wide'], { LOOM_API: cluster.planes[0].apiUrl });
  expect(one.stdout).toMatch(/^GROUP +RULE +DESCRIPTION +HITS\nweb +egress\[0\] +tcp 80 to group db +\d+\n$/);
  expect(loom(['get', 'securitygroups'], { LOOM_API: cluster.planes[0].apiUrl }).stdout).toMatch(/^NAME +MEMBERS +INGRESS RULES +EGRESS RULES +EXPORTS\n/);
});
