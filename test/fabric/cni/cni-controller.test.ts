import path from 'node:path';
import { assertPluginBuilt, type ControlPlane, invokeCni, type LoomHost, Pod, startControlPlane, startLoomHost } from '../../harness/pod';
import { startOvsHost } from '../../harness/ovs-host';

/**
 * End to end on one host without installing anything by hand: the plugin attaches two
 * pods through the agent, the agent registers their endpoints with their OpenFlow ports,
 * and the control plane's OpenFlow controller (which br-int connects to, as the agent set
 * it up) installs the flows they ping each other through. The controller listens on a
 * unix socket in OVS's run dir, the one place ovs-vswitchd connects to unix sockets.
 */

const NETWORK = 'kind: Network\nname: blue\ncidr: 10.67.0.0/24\nvni: 6700\ngateway: 10.67.0.1\n';

let plane: ControlPlane;
let host: LoomHost;
const pods: Pod[] = [];

beforeAll(async () => {
  assertPluginBuilt();
  const ovs = await startOvsHost('ctl-a');
  const controller = `unix:${path.join(ovs.runDir, 'loom-of.sock')}`;
  plane = await startControlPlane(NETWORK, { openflow: [controller] });
  host = await startLoomHost('ctl-a', { apiUrl: plane.apiUrl, underlay: '192.168.67.1/24', ovs, controllers: [controller] });
});
afterAll(async () => {
  await host?.stop();
  await Promise.all(pods.map((p) => p.delete()));
  await plane?.close();
});

test('pods attached by the plugin reach each other through the flows Loom’s controller installs', async () => {
  const config = { cniVersion: '1.0.0', name: 'blue', type: 'loom-cni', network: 'blue', agentSocket: host.socket };
  for (const name of ['ctl-p1', 'ctl-p2']) {
    const pod = await Pod.create(name);
    pods.push(pod);
    expect((await invokeCni({ command: 'ADD', containerId: pod.containerId, netns: pod.path, config })).exitCode).toBe(0);
  }
  const [p1, p2] = pods;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await p1.exec('ping', ['-c', '1', '-W', '1', '10.67.0.3']).then(() => true, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`no ping through the controller's flows:\n${await host.ovs.ofctl('--names', 'dump-flows', 'br-int')}`);
  }
  await expect(p2.exec('ping', ['-c', '1', '-W', '2', '10.67.0.2'])).resolves.toMatch(/1 received/);
  // Deleting a pod takes its flows away: the other can no longer reach it.
  expect((await invokeCni({ command: 'DEL', containerId: p2.containerId, netns: p2.path, config })).exitCode).toBe(0);
  await expect(p1.exec('ping', ['-c', '1', '-W', '1', '10.67.0.3'])).rejects.toThrow();
}, 30_000);
