import { type Cluster, type ClusterPod, startCluster } from '../../harness/cluster';
import { tcpTransfer } from '../../harness/cluster-traffic';

/**
 * Issue 4, "Demonstrated by tests (real OVS, real traffic)": three hosts, two pods on each,
 * every pod attached by the real `loom-cni` plugin through its host's agent, every flow
 * installed by the control plane's own OpenFlow controller. Every pod reaches every other
 * pod (on its own host through br-int, on the others through VXLAN over the underlay),
 * and a TCP stream crosses hosts intact.
 */

const HOSTS = ['a', 'b', 'c'];
const NETWORK = { name: 'blue', cidr: '10.81.0.0/24', vni: 8100, gateway: '10.81.0.1' };

let cluster: Cluster;
let pods: ClusterPod[];

beforeAll(async () => {
  cluster = await startCluster({ hosts: HOSTS, networks: [NETWORK], underlay: '192.168.81' });
  // Both pods of a host at once: the agent handles different pods concurrently.
  pods = (await Promise.all(HOSTS.map((host) => Promise.all([1, 2].map((i) => cluster.addPod(host, 'blue', `${host}${i}`)))))).flat();
  await cluster.converged();
}, 60_000);
afterAll(() => cluster?.stop());

test('each pod gets its own address in the network, the pod MTU and its endpoint on its host', async () => {
  expect(new Set(pods.map((p) => p.ip)).size).toBe(pods.length);
  expect(new Set(pods.map((p) => p.mac)).size).toBe(pods.length);
  for (const pod of pods) {
    expect(pod.ip).toMatch(/^10\.81\.0\.\d+$/);
    expect(pod.ip).not.toBe(NETWORK.gateway);
    const [link] = JSON.parse(await cluster.exec(pod, 'ip', ['-j', 'link', 'show', 'dev', 'eth0'])) as { mtu: number; address: string }[];
    expect(link).toMatchObject({ mtu: 1450, address: pod.mac });
  }
  const endpoints = (await cluster.plane.call('GET', '/v1/endpoints')).body.items as { name: string; host: string; address: string }[];
  expect(endpoints.map((e) => [e.name, e.host, e.address]).sort()).toEqual(pods.map((p) => [p.name, p.host, p.ip]).sort());
});

test('the full ping matrix: every pod reaches every other pod, on its host and across hosts', async () => {
  const pairs = pods.flatMap((from) => pods.filter((to) => to !== from).map((to) => ({ from, to })));
  expect(pairs).toHaveLength(30);
  const outcomes = await Promise.all(
    pairs.map(async ({ from, to }) => {
      const result = await cluster.ping(from, to.ip, { count: 1, timeoutS: 5 });
      return `${from.name}@${from.host} → ${to.name}@${to.host}: ${result.received}/${result.transmitted}`;
    }),
  );
  expect(outcomes).toEqual(pairs.map(({ from, to }) => `${from.name}@${from.host} → ${to.name}@${to.host}: 1/1`));
});

test('cross-host traffic is VXLAN on the underlay, between the hosts’ addresses, with the network’s VNI', async () => {
  const [a1, c2] = [cluster.pod('a1'), cluster.pod('c2')];
  // On host a's wire: the request leaving a, the reply coming back from c.
  const capture = cluster.spawnIn(cluster.underlay.netns, 'tcpdump', ['-n', '-t', '-l', '-c', '2', '-i', cluster.underlay.wireOf('a'), 'udp port 4789']);
  await capture.waitUntil((_out, err) => err.includes('listening on'), 'started capturing');
  expect((await cluster.ping(a1, c2.ip)).received).toBe(1);
  await capture.exited;
  const [a, c] = [cluster.host('a').underlayIp, cluster.host('c').underlayIp];
  // Without the UDP source port (a flow hash) and the ICMP id, sequence and length.
  const lines = capture
    .output()
    .trim()
    .split('\n')
    .map((l) => l.replace(/^IP ([\d.]+)\.\d+ > ([\d.]+)\.4789:/, 'IP $1 > $2:').replace(/, (id|seq|length) \d+/g, ''));
  expect(lines).toEqual([
    `IP ${a} > ${c}: VXLAN, flags [I] (0x08), vni ${NETWORK.vni}`,
    `IP ${a1.ip} > ${c2.ip}: ICMP echo request`,
    `IP ${c} > ${a}: VXLAN, flags [I] (0x08), vni ${NETWORK.vni}`,
    `IP ${c2.ip} > ${a1.ip}: ICMP echo reply`,
  ]);
});

test('a 16 MiB TCP transfer crosses hosts intact (SHA-256 of what was sent equals that of what arrived)', async () => {
  const cases: [string, string][] = [
    ['a1', 'c2'],
    ['b2', 'a1'],
  ];
  for (const [from, to] of cases) {
    const result = await tcpTransfer(cluster, cluster.pod(from), cluster.pod(to), { bytes: 16 << 20 });
    expect(result.received).toEqual({ bytes: 16 << 20, sha256: result.sent.sha256 });
  }
});
