import { type Cluster, type ClusterPod, startCluster } from '../../harness/cluster';
import { askName, startNameServer } from '../../harness/cluster-traffic';

/**
 * Two networks with the same CIDR, the same gateway and pods with the same addresses (and
 * so, by default, the same MACs) on the same hosts: each pod reaches exactly the pods of
 * its own network, on its host and across hosts, and never one of the other network —
 * not by ARP, and not by addressing the other network's MAC directly. Which pod answered
 * is proven by a listener in every pod that replies with its pod's name.
 */

const CIDR = '10.82.0.0/24';
const NETWORKS = [
  { name: 'red', cidr: CIDR, vni: 8201, gateway: '10.82.0.1' },
  { name: 'blue', cidr: CIDR, vni: 8202, gateway: '10.82.0.1' },
];
/** The same addresses in both networks on hosts a and b; on c, an address only red has and one only blue has. */
const PODS = [
  { name: 'red-a', host: 'a', network: 'red', ip: '10.82.0.11' },
  { name: 'blue-a', host: 'a', network: 'blue', ip: '10.82.0.11' },
  { name: 'red-b', host: 'b', network: 'red', ip: '10.82.0.12' },
  { name: 'blue-b', host: 'b', network: 'blue', ip: '10.82.0.12' },
  { name: 'red-c', host: 'c', network: 'red', ip: '10.82.0.13' },
  { name: 'blue-c', host: 'c', network: 'blue', ip: '10.82.0.14' },
];
const PORT = 7000;

let cluster: Cluster;
const pod = (name: string): ClusterPod => cluster.pod(name);

beforeAll(async () => {
  cluster = await startCluster({ hosts: ['a', 'b', 'c'], networks: NETWORKS, underlay: '192.168.82' });
  for (const p of PODS) {
    const added = await cluster.addPod(p.host, p.network, p.name, { ip: p.ip });
    await startNameServer(cluster, added, PORT);
  }
  await cluster.converged();
}, 60_000);
afterAll(() => cluster?.stop());

test('pods with the same address in both networks got the same address and MAC', () => {
  expect(pod('red-a').ip).toBe(pod('blue-a').ip);
  expect(pod('red-a').mac).toBe(pod('blue-a').mac);
  expect(pod('red-b').mac).toBe(pod('blue-b').mac);
});

test('every address answers with the pod of the asker’s network, on the same host and across hosts', async () => {
  const asks = PODS.flatMap((from) => PODS.filter((to) => to.network === from.network && to !== from).map((to) => ({ from: from.name, ip: to.ip, expected: to.name })));
  const answers = await Promise.all(asks.map(async (a) => ({ ...a, answered: await askName(cluster, pod(a.from), a.ip, PORT) })));
  expect(answers.map((a) => `${a.from} → ${a.ip}: ${a.answered}`)).toEqual(asks.map((a) => `${a.from} → ${a.ip}: ${a.expected}`));
  const pings = await Promise.all(asks.map((a) => cluster.ping(pod(a.from), a.ip)));
  expect(pings.map((p) => p.received)).toEqual(asks.map(() => 1));
});

test('the same IP reaches the asker’s own network only: red asks get red names, blue asks blue names', async () => {
  for (const ip of ['10.82.0.11', '10.82.0.12']) {
    expect(await askName(cluster, pod('red-c'), ip, PORT)).toBe(PODS.find((p) => p.ip === ip && p.network === 'red')!.name);
    expect(await askName(cluster, pod('blue-c'), ip, PORT)).toBe(PODS.find((p) => p.ip === ip && p.network === 'blue')!.name);
  }
  // The ARP answer a pod got for the shared address is its own network's pod (same MAC here, so the name above is the proof; the entry shows ARP resolved in-network).
  const neighbours = await cluster.exec(pod('red-c'), 'ip', ['-4', 'neigh', 'show', '10.82.0.12', 'dev', 'eth0']);
  expect(neighbours).toContain(`lladdr ${pod('red-b').mac}`);
});

test('an address only the other network has is unreachable: no ARP answer, no ping, no TCP', async () => {
  const cases = [
    { from: 'red-a', ip: '10.82.0.14' },
    { from: 'red-c', ip: '10.82.0.14' },
    { from: 'blue-a', ip: '10.82.0.13' },
    { from: 'blue-c', ip: '10.82.0.13' },
  ];
  const outcomes = await Promise.all(
    cases.map(async (c) => {
      const [answered, ping] = await Promise.all([askName(cluster, pod(c.from), c.ip, PORT, 1_500), cluster.ping(pod(c.from), c.ip, { count: 2, timeoutS: 1 })]);
      const neighbour = await cluster.exec(pod(c.from), 'ip', ['-4', 'neigh', 'show', c.ip, 'dev', 'eth0']);
      return { ...c, answered, received: ping.received, resolved: neighbour.includes('lladdr') };
    }),
  );
  expect(outcomes).toEqual(cases.map((c) => ({ ...c, answered: undefined, received: 0, resolved: false })));
});

test('frames addressed straight to the other network’s pod (static ARP entry for its MAC) are dropped', async () => {
  const cases = [
    { from: 'red-a', to: 'blue-c' },
    { from: 'red-c', to: 'blue-c' },
    { from: 'blue-b', to: 'red-c' },
  ];
  const outcomes = await Promise.all(
    cases.map(async (c) => {
      const [from, target] = [pod(c.from), pod(c.to)];
      await cluster.exec(from, 'ip', ['neigh', 'replace', target.ip, 'lladdr', target.mac, 'dev', 'eth0', 'nud', 'permanent']);
      const [answered, ping] = await Promise.all([askName(cluster, from, target.ip, PORT, 1_500), cluster.ping(from, target.ip, { count: 2, timeoutS: 1 })]);
      return { ...c, answered, received: ping.received };
    }),
  );
  expect(outcomes).toEqual(cases.map((c) => ({ ...c, answered: undefined, received: 0 })));
});
