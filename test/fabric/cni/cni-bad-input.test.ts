import { CNI_ERRORS } from '../../../fabric/cni';
import { assertPluginBuilt, brIntPorts, type CniCall, type ControlPlane, invokeCni, type LoomHost, Pod, startControlPlane, startLoomHost } from '../../harness/pod';

/**
 * What the runtime gets when ADD cannot work: a CNI error (`{cniVersion, code, msg}`,
 * exit 1) with the spec's code or Loom's own, a message that says what was wrong — and
 * nothing left behind: no allocation, no endpoint, no br-int port, no veth.
 */

const NETWORKS = [
  'kind: Network\nname: blue\ncidr: 10.65.0.0/24\nvni: 6500\ngateway: 10.65.0.1\n',
  // Two assignable addresses: .1 and .2.
  'kind: Network\nname: tiny\ncidr: 10.64.0.0/30\nvni: 6400\n',
].join('---\n');

let plane: ControlPlane;
let host: LoomHost;
let pod: Pod;
const pods: Pod[] = [];
const config = (network = 'blue', extra: object = {}) => ({ cniVersion: '1.0.0', name: 'n', type: 'loom-cni', network, agentSocket: host.socket, ...extra });

beforeAll(async () => {
  assertPluginBuilt();
  plane = await startControlPlane(NETWORKS);
  host = await startLoomHost('cni-bad', { apiUrl: plane.apiUrl, underlay: '192.168.64.1/24' });
  pod = await newPod('bad');
});
afterAll(async () => {
  await host?.stop();
  await Promise.all(pods.map((p) => p.delete()));
  await plane?.close();
});

async function newPod(name: string): Promise<Pod> {
  const p = await Pod.create(name);
  pods.push(p);
  return p;
}

/** The endpoints, br-int pod ports and host veths there are now. */
async function leftovers() {
  const endpoints = ((await plane.call('GET', '/v1/endpoints')).body.items as { name: string }[]).map((e) => e.name).sort();
  const ports = (await brIntPorts(host.ovs)).map((p) => p.name).filter((n) => n !== 'vxlan0').sort();
  const veths = (await host.ovs.exec('ip', ['-o', 'link', 'show', 'type', 'veth'])).split('\n').map((l) => /^\d+: (lm[0-9a-f]+)@/.exec(l)?.[1]).filter(Boolean).sort();
  return { endpoints, ports, veths };
}

const add = (p: Pod, overrides: Partial<CniCall> = {}) => invokeCni({ command: 'ADD', containerId: p.containerId, netns: p.path, config: config(), ...overrides });

test.each<[string, () => Partial<CniCall>, number, RegExp]>([
  ['stdin that is not JSON', () => ({ config: 'cniVersion: 1.0.0' }), CNI_ERRORS.DECODE_FAILED, /cannot read the network configuration: stdin is not JSON/],
  ['an unsupported cniVersion', () => ({ config: { ...config(), cniVersion: '0.4.0' } }), CNI_ERRORS.INCOMPATIBLE_VERSION, /cniVersion "0\.4\.0" is not supported; supported: 1\.0\.0/],
  ['a config for another plugin without a network', () => ({ config: { cniVersion: '1.0.0', name: 'n', type: 'bridge' } }), CNI_ERRORS.INVALID_NETWORK_CONFIG, /type: "bridge" is not this plugin; expected "loom-cni"; network: expected a non-empty string/],
  ['an unknown network', () => ({ config: config('nowhere') }), CNI_ERRORS.INVALID_NETWORK_CONFIG, /network "nowhere" has no address pool/],
  ['a missing CNI_NETNS', () => ({ netns: undefined }), CNI_ERRORS.INVALID_ENVIRONMENT, /CNI_NETNS is missing/],
  ['a CNI_NETNS that does not exist', () => ({ netns: '/run/netns/no-such-pod' }), CNI_ERRORS.UNKNOWN_CONTAINER, /the network namespace \/run\/netns\/no-such-pod does not exist/],
  ['a bad CNI_CONTAINERID and CNI_IFNAME', () => ({ containerId: '../x', ifname: 'a-very-long-interface-name' }), CNI_ERRORS.INVALID_ENVIRONMENT, /CNI_CONTAINERID "\.\.\/x".*; CNI_IFNAME "a-very-long-interface-name"/],
  ['an unknown CNI_ARGS key without IgnoreUnknown', () => ({ args: { FOO: 'bar' } }), CNI_ERRORS.INVALID_ENVIRONMENT, /CNI_ARGS: unknown key FOO; accepted: .* \(or add IgnoreUnknown=1\)/],
  ['a static IP outside the network', () => ({ args: { IP: '10.9.9.9' } }), CNI_ERRORS.INVALID_ENVIRONMENT, /static IP "10\.9\.9\.9".*accepted/],
  ['an agent that is not running', () => ({ config: config('blue', { agentSocket: '/run/loom-test-no-agent.sock' }) }), CNI_ERRORS.TRY_AGAIN_LATER, /cannot reach the Loom agent at \/run\/loom-test-no-agent\.sock/],
])('%s', async (_name, overrides, code, msg) => {
  const before = await leftovers();
  const out = await add(pod, overrides());
  expect(out.exitCode).toBe(1);
  expect(out.json).toEqual({ cniVersion: '1.0.0', code, msg: expect.stringMatching(msg), ...(out.json?.details ? { details: expect.any(String) } : {}) });
  expect(await leftovers()).toEqual(before);
});

describe('a pool that runs out, and addresses that are taken', () => {
  test('an ADD that fails after allocating gives the address back and removes its veth', async () => {
    const before = await leftovers();
    for (const name of ['taken-1', 'taken-2']) {
      const p = await newPod(name);
      await p.exec('ip', ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'other0']);
      const out = await add(p, { config: config('tiny') });
      expect(out.json).toMatchObject({ code: CNI_ERRORS.ATTACH_FAILED, msg: expect.stringMatching(/cannot create eth0 in \/run\/netns\/.*: an interface of that name already exists there/) });
    }
    expect(await leftovers()).toEqual(before);
  });

  test('both addresses of the /30 can still be had; a third pod finds the pool exhausted', async () => {
    const before = await leftovers();
    for (const name of ['tiny-1', 'tiny-2']) expect((await add(await newPod(name), { config: config('tiny') })).exitCode).toBe(0);
    const full = await add(await newPod('tiny-3'), { config: config('tiny') });
    expect(full).toMatchObject({ exitCode: 1, json: { code: CNI_ERRORS.POOL_EXHAUSTED, msg: expect.stringMatching(/network "tiny" \(10\.64\.0\.0\/30\): exhausted pool: all 2 assignable addresses are allocated/) } });
    const after = await leftovers();
    expect(after.ports).toHaveLength(before.ports.length + 2);
    expect(after.veths).toEqual(after.ports);
  });

  test('a static IP another pod holds is refused, naming the holder', async () => {
    const before = await leftovers();
    const holder = (await plane.call('GET', '/v1/endpoints')).body.items as { name: string; address: string }[];
    const taken = holder.find((e) => e.address === '10.64.0.1')!;
    const out = await add(await newPod('dup'), { config: config('tiny'), args: { IP: '10.64.0.1' } });
    expect(out.json).toMatchObject({ code: CNI_ERRORS.ADDRESS_IN_USE, msg: expect.stringContaining(`duplicate static IP: 10.64.0.1 is already allocated to "${taken.name}"`) });
    expect(await leftovers()).toEqual(before);
  });
});
