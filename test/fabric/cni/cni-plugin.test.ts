import { CNI_ERRORS } from '../../../fabric/cni';
import { assertPluginBuilt, brIntPorts, type ControlPlane, installHostFlows, invokeCni, type LoomHost, Pod, startControlPlane, startLoomHost } from '../../harness/pod';

/**
 * The plugin as a runtime runs it (`node bin/loom-cni.js`, CNI_* environment, config on
 * stdin) against a real agent, OVS host and control plane (see test/harness/pod.ts).
 * Here the pods' flows are installed with ovs-ofctl from `hostFlows`, so the plugin and
 * agent are tested alone; cni-controller.test.ts has the control plane's controller do it.
 */

const NETWORKS = [
  'kind: Network\nname: blue\ncidr: 10.62.0.0/24\nvni: 6200\ngateway: 10.62.0.1\n',
  'kind: Network\nname: plain\ncidr: 10.63.0.0/24\nvni: 6300\n',
].join('---\n');
const config = (network: string) => ({ cniVersion: '1.0.0', name: `${network}-net`, type: 'loom-cni', network, agentSocket: host.socket });

let plane: ControlPlane;
let host: LoomHost;
const pods: Pod[] = [];

beforeAll(async () => {
  assertPluginBuilt();
  plane = await startControlPlane(NETWORKS);
  host = await startLoomHost('cni-a', { apiUrl: plane.apiUrl, underlay: '192.168.62.1/24' });
});
afterAll(async () => {
  await host?.stop();
  await Promise.all(pods.map((p) => p.delete()));
  await plane?.close();
});

async function newPod(name: string): Promise<Pod> {
  const pod = await Pod.create(name);
  pods.push(pod);
  return pod;
}

const add = (pod: Pod, network = 'blue', args: Record<string, string> = {}) => invokeCni({ command: 'ADD', containerId: pod.containerId, netns: pod.path, args, config: config(network) });
const endpoint = (name: string) => plane.call('GET', `/v1/endpoints/${name}`);

describe('ADD', () => {
  let a: Pod;
  let b: Pod;
  beforeAll(async () => {
    a = await newPod('cni-a');
    b = await newPod('cni-b');
  });

  test('creates the pod’s interface with the allocated address, MAC, MTU 1450, default route and tx checksum offload off', async () => {
    const out = await add(a);
    expect(out).toMatchObject({ exitCode: 0, stderr: '' });
    const hostPort = (out.json!.interfaces as { name: string }[])[0].name;
    expect(out.json).toEqual({
      cniVersion: '1.0.0',
      interfaces: [
        { name: expect.stringMatching(/^lm[0-9a-f]{12}$/), mac: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/) },
        { name: 'eth0', mac: '0a:58:0a:3e:00:02', sandbox: a.path },
      ],
      ips: [{ address: '10.62.0.2/24', gateway: '10.62.0.1', interface: 1 }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.62.0.1' }],
      dns: {},
    });
    const link = await a.link();
    expect(link).toMatchObject({ address: '0a:58:0a:3e:00:02', mtu: 1450, flags: expect.arrayContaining(['UP']) });
    expect(link.addr_info.filter((i) => i.family === 'inet').map((i) => `${i.local}/${i.prefixlen}`)).toEqual(['10.62.0.2/24']);
    expect(await a.exec('ip', ['-4', 'route', 'show', 'default'])).toMatch(/^default via 10\.62\.0\.1 dev eth0/);
    expect(await a.exec('ethtool', ['-k', 'eth0'])).toMatch(/^tx-checksumming: off/m);
    // The host end is on br-int, named for OVN-style tools and for the controller.
    const [port] = (await brIntPorts(host.ovs)).filter((p) => p.name === hostPort);
    expect(port.ofport).toBeGreaterThan(0);
    expect(port.externalIds).toMatchObject({ 'iface-id': a.containerId, 'attached-mac': '0a:58:0a:3e:00:02', 'loom-network': 'blue', 'loom-ip': '10.62.0.2/24' });
    expect(Number((await host.ovs.exec('ip', ['-j', 'link', 'show', hostPort])).match(/"mtu":(\d+)/)![1])).toBe(1450);
    // The endpoint carries the port, which the controller's flows deliver to.
    expect(await endpoint(a.containerId)).toMatchObject({ status: 200, body: { kind: 'Endpoint', name: a.containerId, network: 'blue', address: '10.62.0.2', mac: '0a:58:0a:3e:00:02', host: 'cni-a', ofport: port.ofport } });
  });

  test('takes a static IP and MAC from CNI_ARGS, and names the endpoint after the Kubernetes pod', async () => {
    const out = await add(b, 'blue', { IgnoreUnknown: '1', K8S_POD_NAMESPACE: 'default', K8S_POD_NAME: 'web-1', K8S_POD_INFRA_CONTAINER_ID: b.containerId, IP: '10.62.0.50', MAC: '02:00:00:62:00:50' });
    expect(out.exitCode).toBe(0);
    expect(out.json).toMatchObject({ ips: [{ address: '10.62.0.50/24', gateway: '10.62.0.1', interface: 1 }], interfaces: [{}, { name: 'eth0', mac: '02:00:00:62:00:50' }] });
    expect((await b.link()).address).toBe('02:00:00:62:00:50');
    expect(await endpoint('web-1.default')).toMatchObject({ status: 200, body: { address: '10.62.0.50', mac: '02:00:00:62:00:50', host: 'cni-a' } });
  });

  test('two pods on the host ping each other once the host’s flows are installed', async () => {
    const flows = await installHostFlows(host, plane, { blue: 1 });
    expect(flows).toContain('table=SpoofGuard');
    await expect(a.exec('ping', ['-c', '1', '-W', '2', '10.62.0.50'])).resolves.toMatch(/1 received/);
    await expect(b.exec('ping', ['-c', '1', '-W', '2', '10.62.0.2'])).resolves.toMatch(/1 received/);
  });

  test('a network without gateway gets only its connected route', async () => {
    const c = await newPod('cni-c');
    const out = await add(c, 'plain');
    expect(out.json).toMatchObject({ ips: [{ address: '10.63.0.1/24', interface: 1 }], routes: [{ dst: '10.63.0.0/24' }] });
    expect((out.json!.ips as object[])[0]).not.toHaveProperty('gateway');
    expect(await c.exec('ip', ['-4', 'route', 'show'])).toBe('10.63.0.0/24 dev eth0 proto kernel scope link src 10.63.0.1 \n');
    expect((await invokeCni({ command: 'DEL', containerId: c.containerId, netns: c.path, config: config('plain') })).exitCode).toBe(0);
  });

  test('CHECK passes on a good pod and names what is wrong with a broken one', async () => {
    const check = (pod: Pod, args: Record<string, string> = {}, prevResult?: unknown) =>
      invokeCni({ command: 'CHECK', containerId: pod.containerId, netns: pod.path, args, config: { ...config('blue'), ...(prevResult ? { prevResult } : {}) } });
    expect(await check(a)).toMatchObject({ exitCode: 0, stdout: '' });
    const bArgs = { K8S_POD_NAMESPACE: 'default', K8S_POD_NAME: 'web-1' };
    expect(await check(b, bArgs)).toMatchObject({ exitCode: 0, stdout: '' });
    const wrongPrev = { cniVersion: '1.0.0', interfaces: [], ips: [{ address: '10.62.0.99/24', interface: 1 }], routes: [], dns: {} };
    expect((await check(b, bArgs, wrongPrev)).json).toMatchObject({ code: CNI_ERRORS.CHECK_FAILED, msg: expect.stringContaining("the runtime's prevResult says 10.62.0.99/24, the pod has 10.62.0.50/24") });
    await b.exec('ip', ['addr', 'flush', 'dev', 'eth0']);
    await b.exec('ip', ['link', 'set', 'eth0', 'mtu', '1400']);
    const broken = await check(b, bArgs);
    expect(broken.exitCode).toBe(1);
    expect(broken.json).toEqual({
      cniVersion: '1.0.0',
      code: CNI_ERRORS.CHECK_FAILED,
      msg: expect.stringMatching(/^CHECK web-1\.default .*: the pod's network is not as ADD left it: eth0 has MTU 1400, not 1450; eth0 lacks 10\.62\.0\.50\/24 \(has no IPv4 address\); no default route via 10\.62\.0\.1 on eth0$/),
    });
  });
});

test('pods added at once each get their own address and port, and go away at once', async () => {
  const batch = await Promise.all(['par-1', 'par-2', 'par-3', 'par-4'].map(newPod));
  const added = await Promise.all(batch.map((p) => add(p)));
  expect(added.map((o) => o.exitCode)).toEqual([0, 0, 0, 0]);
  const ips = added.map((o) => (o.json!.ips as { address: string }[])[0].address);
  expect(new Set(ips).size).toBe(4);
  const ports = added.map((o) => (o.json!.interfaces as { name: string }[])[0].name);
  expect((await brIntPorts(host.ovs)).map((p) => p.name)).toEqual(expect.arrayContaining(ports));
  const deleted = await Promise.all(batch.map((p) => invokeCni({ command: 'DEL', containerId: p.containerId, netns: p.path, config: config('blue') })));
  expect(deleted.map((o) => o.exitCode)).toEqual([0, 0, 0, 0]);
  expect((await brIntPorts(host.ovs)).map((p) => p.name)).not.toEqual(expect.arrayContaining([ports[0]]));
});

describe('DEL', () => {
  test('removes port, veth and endpoint and releases the address; a second DEL succeeds too', async () => {
    const pod = await newPod('cni-del');
    const added = await add(pod);
    const ip = (added.json!.ips as { address: string }[])[0].address.split('/')[0];
    const hostPort = (added.json!.interfaces as { name: string }[])[0].name;
    const del = () => invokeCni({ command: 'DEL', containerId: pod.containerId, netns: pod.path, config: { ...config('blue'), prevResult: added.json } });
    expect(await del()).toMatchObject({ exitCode: 0, stdout: '' });
    expect((await brIntPorts(host.ovs)).map((p) => p.name)).not.toContain(hostPort);
    await expect(host.ovs.exec('ip', ['link', 'show', hostPort])).rejects.toThrow(/does not exist/);
    await expect(pod.exec('ip', ['link', 'show', 'eth0'])).rejects.toThrow(/does not exist/);
    expect((await endpoint(pod.containerId)).status).toBe(404);
    // Released: another owner can have that very address.
    expect(await plane.call('POST', '/v1/networks/blue/allocations', { owner: 'probe', host: 'elsewhere', ip })).toMatchObject({ status: 200 });
    await plane.call('DELETE', '/v1/networks/blue/allocations/probe');
    expect(await del()).toMatchObject({ exitCode: 0, stdout: '' });
  });

  test('succeeds when the namespace is already gone (and with no CNI_NETNS at all)', async () => {
    const pod = await newPod('cni-gone');
    const added = await add(pod);
    const hostPort = (added.json!.interfaces as { name: string }[])[0].name;
    const path = pod.path;
    await pod.delete();
    expect(await invokeCni({ command: 'DEL', containerId: pod.containerId, netns: path, config: config('blue') })).toMatchObject({ exitCode: 0, stdout: '' });
    expect((await brIntPorts(host.ovs)).map((p) => p.name)).not.toContain(hostPort);
    expect((await endpoint(pod.containerId)).status).toBe(404);
    expect(await invokeCni({ command: 'DEL', containerId: pod.containerId, config: config('blue') })).toMatchObject({ exitCode: 0, stdout: '' });
  });

  test('keeps the endpoint and address of a pod that moved to another host', async () => {
    const pod = await newPod('cni-moved');
    const added = await add(pod, 'blue', { K8S_POD_NAMESPACE: 'default', K8S_POD_NAME: 'mover' });
    const ip = (added.json!.ips as { address: string }[])[0].address.split('/')[0];
    // Host B re-added the pod (same owner) before host A's DEL arrived.
    expect((await plane.call('POST', '/v1/networks/blue/allocations', { owner: 'mover.default', host: 'cni-b' })).body).toMatchObject({ ip, host: 'cni-b' });
    await plane.apply(`kind: Endpoint\nname: mover.default\nnetwork: blue\naddress: ${ip}\nmac: ${(added.json!.interfaces as { mac: string }[])[1].mac}\nhost: cni-b\n`);
    expect((await invokeCni({ command: 'DEL', containerId: pod.containerId, netns: pod.path, args: { K8S_POD_NAMESPACE: 'default', K8S_POD_NAME: 'mover' }, config: config('blue') })).exitCode).toBe(0);
    expect(await endpoint('mover.default')).toMatchObject({ status: 200, body: { host: 'cni-b', address: ip } });
    expect((await plane.call('POST', '/v1/networks/blue/allocations', { owner: 'other', host: 'cni-b', ip })).body).toMatchObject({ code: 'address-in-use' });
  });
});

test('VERSION', async () => {
  expect(await invokeCni({ command: 'VERSION', config: '{"cniVersion":"1.0.0"}' })).toMatchObject({ exitCode: 0, json: { cniVersion: '1.0.0', supportedVersions: ['1.0.0'] } });
});
