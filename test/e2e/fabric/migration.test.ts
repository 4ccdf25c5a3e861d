import { type Cluster, type ClusterPod, startCluster } from '../../harness/cluster';
import { firstReplyAfter, lastReplyBefore, longestSilence, type PingLog } from '../../harness/cluster-ping';
import { askName, type ContinuousPing, startContinuousPing, startNameServer } from '../../harness/cluster-traffic';

/**
 * A pod moves from host a to host b keeping its IP and MAC, while pods on every host
 * (a: the host it leaves, b: the host it goes to, c: neither) ping it every 50 ms. The
 * gap is measured from the moment the re-add on b completed (the plugin exited with its
 * result) to the first reply that arrived after it — ping's own arrival timestamps
 * (`ping -D`) on the same clock as the test's — and must be under one second.
 *
 * Two orders: remove then re-add with `IP=`/`MAC=` in CNI_ARGS (the address is free in
 * between), and re-add first with no address given (the IPAM keeps the owner's address),
 * then the old host's DEL, which must leave the moved pod's endpoint and address alone.
 */

const NETWORK = { name: 'green', cidr: '10.83.0.0/24', vni: 8300 };
const INTERVAL_S = 0.05;
const GAP_LIMIT_MS = 1_000;
const PORT = 7000;

let cluster: Cluster;
let watchers: ClusterPod[];

beforeAll(async () => {
  cluster = await startCluster({ hosts: ['a', 'b', 'c'], networks: [NETWORK], underlay: '192.168.83' });
  watchers = await Promise.all(['a', 'b', 'c'].map((host) => cluster.addPod(host, 'green', `watch-${host}`)));
}, 60_000);
afterAll(() => cluster?.stop());

interface Measured {
  watcher: string;
  /** From the re-add completing to the first reply after it. */
  gapMs: number;
  /** The longest time between two replies over the whole run: the outage the move caused. */
  silenceMs: number;
}

async function endpointHost(name: string): Promise<string | undefined> {
  const res = await cluster.plane.call('GET', `/v1/endpoints/${name}`);
  return res.status === 200 ? (res.body.host as string) : undefined;
}

/** Pings `ip` from every watcher until `move` returns the time the re-add completed, then a second more. */
async function measureMove(ip: string, move: () => Promise<{ startedAt: number; addedAt: number }>): Promise<Measured[]> {
  const pings: ContinuousPing[] = watchers.map((w) => startContinuousPing(cluster, w, ip, INTERVAL_S));
  let logs: PingLog[];
  let times: { startedAt: number; addedAt: number };
  try {
    await Promise.all(pings.map((p) => p.replies(5)));
    times = await move();
    // Long enough for a reply after any gap the assertion would accept.
    await new Promise((resolve) => setTimeout(resolve, GAP_LIMIT_MS + 500));
  } finally {
    logs = await Promise.all(pings.map((p) => p.stop()));
  }
  return logs.map((log, i) => {
    const first = firstReplyAfter(log, times.addedAt);
    if (!first || !lastReplyBefore(log, times.startedAt)) throw new Error(`${watchers[i].name}: no reply ${first ? 'before the move' : 'after the re-add'}:\n${log.output}`);
    return { watcher: watchers[i].name, gapMs: Math.round(first.at - times.addedAt), silenceMs: Math.round(longestSilence(log).ms) };
  });
}

function report(what: string, measured: Measured[]): void {
  process.stderr.write(`[migration] ${what}: ${measured.map((m) => `${m.watcher} gap ${m.gapMs} ms (longest silence ${m.silenceMs} ms)`).join(', ')}\n`);
}

test('remove from a, re-add on b with IP= and MAC=: every watcher gets replies again within 1 s of the re-add', async () => {
  const pod = await cluster.addPod('a', 'green', 'moving');
  await cluster.converged();
  const { ip, mac } = pod;
  let moved: ClusterPod | undefined;
  const measured = await measureMove(ip, async () => {
    const startedAt = Date.now();
    await cluster.removePod(pod);
    moved = await cluster.addPod('b', 'green', 'moving', { ip, mac });
    return { startedAt, addedAt: Date.now() };
  });
  report('remove, then re-add with IP=/MAC=', measured);
  expect(moved).toMatchObject({ host: 'b', ip, mac });
  expect(await endpointHost('moving')).toBe('b');
  for (const m of measured) expect(m.gapMs).toBeLessThan(GAP_LIMIT_MS);
  // The replies come from the pod on b: the one on a is gone with its namespace, and the listener on b answers.
  await startNameServer(cluster, moved!, PORT);
  expect(await askName(cluster, watchers[0], ip, PORT)).toBe('moving');
  await cluster.converged();
});

test('re-add on c first (the IPAM keeps the address), then DEL on b: no outage over 1 s, the endpoint and address stay with c', async () => {
  const pod = cluster.pod('moving', 'b');
  const { ip, mac } = pod;
  let moved: ClusterPod | undefined;
  const measured = await measureMove(ip, async () => {
    const startedAt = Date.now();
    moved = await cluster.addPod('c', 'green', 'moving');
    const addedAt = Date.now();
    await cluster.removePod(pod);
    return { startedAt, addedAt };
  });
  report('re-add on c, then DEL on b', measured);
  expect(moved).toMatchObject({ host: 'c', ip, mac });
  expect(await endpointHost('moving')).toBe('c');
  // Replies may never stop here; either way none may be missing for a second, the old host's DEL included.
  for (const m of measured) expect([m.gapMs, m.silenceMs].every((ms) => ms < GAP_LIMIT_MS)).toBe(true);
  // The address is still the pod's: another pod asking for it by IP= is refused (CNI code 101, in use).
  await expect(cluster.addPod('a', 'green', 'intruder', { ip })).rejects.toThrow(/code 101/);
  await cluster.converged();
  expect((await cluster.ping(watchers[0], ip)).received).toBe(1);
});
