import { type Cluster, type ClusterPod, startCluster } from '../../harness/cluster';
import { endpointDocument, serviceVip } from '../../harness/cluster-endpoints';
import type { PodProcess } from '../../harness/cluster-process';
import { connectMany, startNameServer, tally } from '../../harness/pod-tcp';

/**
 * Service load balancing across hosts, through `loom up`'s own wiring (the daemon assigns
 * the VIP, the controller installs select groups and conntrack NAT with the flows): a
 * client on host a connects to the VIP of a service whose three backends live on hosts
 * a, b and c. The balancing happens on a (the sender's host), so backends on b and c see
 * the client's own address and their replies are translated back to the VIP on a.
 */

const NETWORK = { name: 'svc', cidr: '10.86.0.0/24', vni: 8600, gateway: '10.86.0.1' };
const PORT = 8080;

let cluster: Cluster;
let client: ClusterPod;
let backends: ClusterPod[];
const servers: PodProcess[] = [];

/** Makes the pod endpoint a backend of `service` (the endpoint the CNI plugin registered, plus service and port). */
async function joinService(pod: ClusterPod, service: string, extra: Record<string, unknown> = {}): Promise<void> {
  await cluster.plane.apply(await endpointDocument(cluster, pod, { service, port: PORT, ...extra }));
}

const vipOf = (service: string) => serviceVip(cluster, service);

beforeAll(async () => {
  cluster = await startCluster({ hosts: ['sa', 'sb', 'sc'], networks: [NETWORK], underlay: '192.168.86' });
  client = await cluster.addPod('sa', 'svc', 'client');
  backends = [await cluster.addPod('sa', 'svc', 'web-a'), await cluster.addPod('sb', 'svc', 'web-b'), await cluster.addPod('sc', 'svc', 'web-c')];
  for (const b of backends) servers.push(await startNameServer(cluster.netns(b), b.name, [PORT]));
  await cluster.plane.apply(['web', 'sticky'].map((name) => `kind: Service\nname: ${name}\nports: [{port: ${PORT}, protocol: tcp}]\n${name === 'sticky' ? 'sessionAffinity: ClientIP\n' : ''}`).join('---\n'));
  for (const b of backends) await joinService(b, 'web');
  await cluster.converged();
}, 90_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await cluster?.stop();
});

test('every service gets a VIP from the service CIDR', async () => {
  expect(await vipOf('web')).toMatch(/^10\.96\.\d+\.\d+$/);
  expect(await vipOf('sticky')).not.toBe(await vipOf('web'));
});

test('300 connections to the VIP spread over the 3 backends on 3 hosts; replies come from the VIP; backends see the client', async () => {
  const vip = await vipOf('web');
  const answers = await connectMany(cluster.netns(client), vip, PORT, 300);
  const counts = tally(answers);
  // 100 each expected; binomial(300, 1/3) stays within 50..150 far beyond any realistic chance of failing.
  for (const b of backends) {
    expect(counts[b.name]).toBeGreaterThanOrEqual(50);
    expect(counts[b.name]).toBeLessThanOrEqual(150);
  }
  expect(counts['no answer']).toBeUndefined();
  expect(new Set(answers.map((a) => a.peer))).toEqual(new Set([vip]));
  expect(new Set(answers.map((a) => a.seen))).toEqual(new Set([client.ip]));
});

test('ClientIP affinity keeps a client on one backend', async () => {
  // An endpoint backs one service: the three pods move over to the sticky one, and back afterwards.
  for (const b of backends) await joinService(b, 'sticky');
  await cluster.converged();
  const answers = await connectMany(cluster.netns(client), await vipOf('sticky'), PORT, 60);
  expect(Object.keys(tally(answers))).toHaveLength(1);
  expect(answers[0].name).toMatch(/^web-[abc]$/);
  for (const b of backends) await joinService(b, 'web');
  await cluster.converged();
});

test('a backend that becomes unhealthy gets no new connections; the others take them all', async () => {
  const vip = await vipOf('web');
  await joinService(backends[1], 'web', { health: 'unhealthy' });
  await cluster.converged();
  const counts = tally(await connectMany(cluster.netns(client), vip, PORT, 150));
  expect(counts['web-b']).toBeUndefined();
  expect(counts['no answer']).toBeUndefined();
  expect((counts['web-a'] ?? 0) + (counts['web-c'] ?? 0)).toBe(150);
});
