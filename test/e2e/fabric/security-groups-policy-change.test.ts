import { setTimeout as sleep } from 'node:timers/promises';
import { type Cluster, type ClusterPod, startCluster } from '../../harness/cluster';
import { documents, endpointDocument } from '../../harness/cluster-endpoints';
import type { PodProcess } from '../../harness/cluster-process';
import { connects, listen } from '../../harness/pod-sockets';
import { type ConnectLoop, startConnectLoop, startTcpStream, type TcpStream } from '../../harness/pod-streams';

/**
 * Changing a security group under continuous traffic, across two hosts, through `loom up`'s
 * own wiring: each change is applied to the control plane and waited for until every
 * host's br-int holds the new flows (`converged()`), while real connections run:
 *
 * - a TCP stream from client-b to server-a:7000 writing every 50 ms, echoed back;
 * - new connections every 20 ms from prober-a and prober-b to server-a:7001 (allowed: each
 *   must get through within 900 ms, less than the kernel's 1 s SYN retry, so a dropped
 *   SYN counts as a failure), and from prober-b to server-a:7002 (allowed by no rule:
 *   none may get through).
 *
 * The controller replaces a host's flows in one OpenFlow bundle, so no change should show
 * a moment of deny-all (a failed allowed attempt, a stalled stream) or allow-all (a denied
 * attempt that got through) — even when a rule inserted in front renumbers the
 * conjunction ids of every rule after it. Removing the rule that let client-b in drops its
 * new connections as soon as the change has converged; the stream it opened before goes
 * on, as conntrack has it established (see that test).
 */

const NETWORK = { name: 'sgc', cidr: '10.94.0.0/24', vni: 9400, gateway: '10.94.0.1' };

const RULES = {
  clients: '{protocol: tcp, ports: [7000], from: [{group: clients}]}',
  probers: '{protocol: tcp, ports: [7001], from: [{selector: {app: prober}}]}',
  dns: '{protocol: udp, ports: [5353], from: [{cidr: 10.94.0.0/24}]}',
  dnsEdited: '{protocol: udp, ports: [5353, 5354], from: [{cidr: 10.94.0.0/24}]}',
  inserted: '{protocol: tcp, ports: [9999], from: [{cidr: 10.94.0.128/25}]}',
};
const ORIGINAL = [RULES.clients, RULES.probers, RULES.dns];

/** Group server with these ingress rules, and group clients (no rules of its own). */
function groups(rules: readonly string[]): string {
  return documents([
    `kind: SecurityGroup\nname: server\nmembers: {selector: {app: server}}\ningress:\n${rules.map((r) => `  - ${r}`).join('\n')}`,
    'kind: SecurityGroup\nname: clients\nmembers: {selector: {app: client}}',
  ]);
}

/** The stream may go this long without an echo: 10 of its writes. A dropped segment waits for a retransmission (200 ms at least), a blocked connection forever. */
const MAX_SILENCE_MS = 500;

let cluster: Cluster;
let server: ClusterPod;
let listener: PodProcess;
const running: { stop(): Promise<void> }[] = [];

async function apply(rules: readonly string[]): Promise<void> {
  await cluster.plane.apply(groups(rules));
  await cluster.converged();
}

async function stream(from: string, port: number): Promise<TcpStream> {
  const s = await startTcpStream(cluster.netns(cluster.pod(from)), server.ip, port);
  running.push(s);
  return s;
}

async function loop(from: string, port: number, timeoutMs?: number): Promise<ConnectLoop> {
  const l = await startConnectLoop(cluster.netns(cluster.pod(from)), server.ip, port, { timeoutMs });
  running.push(l);
  return l;
}

/** The loops of the header: prober-a and prober-b to the allowed 7001, prober-b to the denied 7002. */
async function probeLoops(): Promise<{ allowed: ConnectLoop[]; denied: ConnectLoop }> {
  const [a, b, denied] = await Promise.all([loop('prober-a', 7001), loop('prober-b', 7001), loop('prober-b', 7002, 300)]);
  return { allowed: [a, b], denied };
}

/** Every allowed attempt in the window got through, every denied one did not; and there were enough of each to mean something. */
function expectNoGap({ allowed, denied }: { allowed: ConnectLoop[]; denied: ConnectLoop }, from: number, to: number): void {
  for (const l of allowed) {
    const attempts = l.attempts(from, to);
    expect(attempts.length).toBeGreaterThanOrEqual(5);
    expect(attempts.filter((a) => !a.ok)).toEqual([]);
  }
  const attempts = denied.attempts(from, to);
  expect(attempts.length).toBeGreaterThanOrEqual(5);
  expect(attempts.filter((a) => a.ok)).toEqual([]);
}

beforeAll(async () => {
  cluster = await startCluster({ hosts: ['a', 'b'], networks: [NETWORK], underlay: '192.168.94' });
  const pods = await Promise.all([
    cluster.addPod('a', NETWORK.name, 'server-a'),
    cluster.addPod('b', NETWORK.name, 'client-b'),
    cluster.addPod('a', NETWORK.name, 'prober-a'),
    cluster.addPod('b', NETWORK.name, 'prober-b'),
  ]);
  server = pods[0];
  const labels = ['server', 'client', 'prober', 'prober'];
  await cluster.plane.apply(documents(await Promise.all(pods.map((p, i) => endpointDocument(cluster, p, { labels: { app: labels[i] } })))));
  listener = await listen(cluster.netns(server), server.ip, [7000, 7001, 7002], [5353, 5354]);
  await cluster.converged();
}, 60_000);
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await listener?.stop();
  await cluster?.stop();
});

test('without the groups (the control), every port of server-a is open to every pod', async () => {
  const ns = (name: string) => cluster.netns(cluster.pod(name));
  const open = await Promise.all([connects(ns('client-b'), server.ip, 7000), connects(ns('prober-b'), server.ip, 7001), connects(ns('prober-b'), server.ip, 7002), connects(ns('prober-a'), server.ip, 7001)]);
  expect(open).toEqual([true, true, true, true]);
});

describe('behind the groups', () => {
  beforeAll(() => apply(ORIGINAL));

  test('unrelated changes (a rule edited, one inserted in front, both undone) leave an established stream, allowed and denied connections as they were', async () => {
    const s = await stream('client-b', 7000);
    const loops = await probeLoops();
    await sleep(200);
    const from = Date.now();
    for (let round = 0; round < 2; round++) {
      await apply([RULES.clients, RULES.probers, RULES.dnsEdited]);
      await apply([RULES.inserted, RULES.clients, RULES.probers, RULES.dnsEdited]);
      await apply(ORIGINAL);
    }
    await sleep(300);
    const to = Date.now();
    // Attempts that began in the window get to finish.
    await sleep(1000);

    const report = s.report(from, to);
    expect(report.failures).toEqual([]);
    expect(report.longestSilenceMs).toBeLessThan(MAX_SILENCE_MS);
    expect(report.receivedInWindow).toBeGreaterThan(0);
    // Echoed back up to the last write or two.
    expect(report.sent - report.received).toBeLessThanOrEqual(2 * 512);
    expectNoGap(loops, from, to);
  });

  test('removing the allow rule drops new connections once converged, until it is back; the established stream goes on (conntrack remembers it); nothing else changes', async () => {
    const s = await stream('client-b', 7000);
    const fresh = await loop('client-b', 7000);
    const loops = await probeLoops();
    await sleep(300);
    const applied = Date.now();
    await apply([RULES.probers, RULES.dns]);
    const converged = Date.now();
    // The first new connection after the change: dropped.
    expect(await connects(cluster.netns(cluster.pod('client-b')), server.ip, 7000, 1000)).toBe(false);
    await sleep(500);
    const end = Date.now();
    // Attempts that began before the end get to finish.
    await sleep(1000);

    // A margin for attempts whose SYN left a little after they began.
    const before = fresh.attempts(0, applied - 100);
    expect(before.length).toBeGreaterThanOrEqual(5);
    expect(before.filter((a) => !a.ok)).toEqual([]);
    const after = fresh.attempts(converged, end);
    expect(after.length).toBeGreaterThanOrEqual(5);
    expect(after.filter((a) => a.ok)).toEqual([]);

    // By design, not by accident: rules say who may open connections; replies and the rest
    // of a connection allowed when it began pass the +est flows, and nothing flushes
    // conntrack when a rule goes. The stream keeps flowing, both ways, after the change.
    const report = s.report(converged, end);
    expect(s.report(applied, end).failures).toEqual([]);
    expect(report.receivedInWindow).toBeGreaterThan(0);
    expect(report.longestSilenceMs).toBeLessThan(MAX_SILENCE_MS);

    expectNoGap(loops, applied, end);

    await apply(ORIGINAL);
    expect(await connects(cluster.netns(cluster.pod('client-b')), server.ip, 7000, 1000)).toBe(true);
  });
});
