import { startCluster } from '../../harness/cluster';
import { leftoverNamespaces } from '../../harness/ovs-host';

/**
 * The cluster harness itself: what the fabric, security-group and load-balancing suites
 * rely on — a refused ADD leaves nothing behind and says why, and stop() (or a start that
 * fails half-way) leaves no namespace and no process.
 */

const NETWORK = { name: 'blue', cidr: '10.84.0.0/24', vni: 8400 };
/** Namespaces of this process made since `before` (other suites in this jest worker may have left some). */
let before: Set<string>;
const ours = () => leftoverNamespaces().filter((ns) => !before.has(ns));
beforeEach(() => {
  before = new Set(leftoverNamespaces());
});

test('a refused ADD rejects with the plugin’s error and leaves no pod; stop() removes every namespace and process', async () => {
  const cluster = await startCluster({ hosts: ['a'], networks: [NETWORK], underlay: '192.168.84' });
  try {
    expect(ours()).toHaveLength(2); // the underlay and host a
    await expect(cluster.addPod('a', 'no-such-network', 'p0')).rejects.toThrow(/CNI ADD of pod p0 to no-such-network on a failed: code 7/);
    expect(ours()).toHaveLength(2);
    expect(cluster.pods()).toEqual([]);

    const pod = await cluster.addPod('a', 'blue', 'p1');
    expect(cluster.pod('p1')).toBe(pod);
    const sleeper = cluster.spawn(pod, 'sleep', ['600']);
    await cluster.removePod(pod);
    await expect(cluster.removePod(pod)).rejects.toThrow(/not attached/);
    const kept = await cluster.addPod('a', 'blue', 'p2');
    const capture = cluster.spawnIn(cluster.underlay.netns, 'sleep', ['600']);
    expect(ours()).toContain(kept.netns);

    await cluster.stop();
    expect([sleeper.running, capture.running]).toEqual([false, false]);
  } finally {
    await cluster.stop();
  }
  expect(ours()).toEqual([]);
});

test('a start that fails half-way (an agent refuses its flags) undoes what it had started', async () => {
  await expect(startCluster({ hosts: ['a', 'Not_A_Host_Name'], networks: [NETWORK], underlay: '192.168.84' })).rejects.toThrow(/--host/);
  expect(ours()).toEqual([]);
});
