import { endpointName, hostVethName, parseAgentConfig, sanitizeName } from '../../../fabric/agent';
import { buildCniResult, CNI_ERRORS, CniError, parseCniArgs, parseCniEnvironment, parseNetworkConfig } from '../../../fabric/cni';

/** The pure parts: what the plugin accepts from the runtime, and the names the agent derives. */

const codeOf = (f: () => unknown): { code: number; message: string } => {
  try {
    f();
  } catch (err) {
    if (err instanceof CniError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a CniError');
};

describe('network config (stdin)', () => {
  test.each<{ name: string; input: string; code?: number; error?: RegExp; output?: object }>([
    { name: 'minimal, default socket', input: '{"cniVersion":"1.0.0","name":"n","type":"loom-cni","network":"blue"}', output: { cniVersion: '1.0.0', name: 'n', network: 'blue', agentSocket: '/run/loom/agent.sock' } },
    { name: 'runtime fields ignored, prevResult kept', input: '{"cniVersion":"1.0.0","name":"n","type":"loom-cni","network":"blue","runtimeConfig":{},"prevResult":{"ips":[]}}', output: { prevResult: { ips: [] } } },
    { name: 'empty stdin', input: '', code: CNI_ERRORS.DECODE_FAILED, error: /stdin is empty/ },
    { name: 'an array', input: '[]', code: CNI_ERRORS.DECODE_FAILED, error: /not a JSON object/ },
    { name: 'old version', input: '{"cniVersion":"0.3.1"}', code: CNI_ERRORS.INCOMPATIBLE_VERSION, error: /"0\.3\.1" is not supported/ },
    { name: 'every problem at once', input: '{"cniVersion":"1.0.0","type":"loom-cni","agentSocket":"run/x.sock"}', code: CNI_ERRORS.INVALID_NETWORK_CONFIG, error: /name: expected a non-empty string, got undefined; network: .*; agentSocket: "run\/x\.sock" is not an absolute path/ },
  ])('$name', ({ input, code, error, output }) => {
    if (output) expect(parseNetworkConfig(input)).toMatchObject(output);
    else expect(codeOf(() => parseNetworkConfig(input))).toEqual({ code, message: expect.stringMatching(error!) });
  });
});

describe('environment', () => {
  const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'abc123', CNI_NETNS: '/run/netns/p', CNI_IFNAME: 'eth0', CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web-0;IP=10.0.0.5' };
  test('reads the CNI_* variables and CNI_ARGS', () => {
    expect(parseCniEnvironment(env)).toEqual({ command: 'ADD', containerId: 'abc123', netns: '/run/netns/p', ifname: 'eth0', args: { IgnoreUnknown: '1', K8S_POD_NAME: 'web-0', IP: '10.0.0.5' } });
  });
  test('DEL may come without a namespace; VERSION needs nothing else', () => {
    expect(parseCniEnvironment({ ...env, CNI_COMMAND: 'DEL', CNI_NETNS: '' }).netns).toBe('');
    expect(parseCniEnvironment({ CNI_COMMAND: 'VERSION' }).command).toBe('VERSION');
  });
  test.each([
    [{ CNI_COMMAND: 'GC' }, /CNI_COMMAND "GC" is not supported; accepted: ADD, DEL, CHECK, VERSION/],
    [{ CNI_NETNS: 'p' }, /CNI_NETNS "p": expected an absolute path/],
    [{ CNI_IFNAME: '' }, /CNI_IFNAME "": expected an interface name/],
    [{ CNI_ARGS: 'IP' }, /CNI_ARGS: "IP" is not KEY=VALUE/],
  ])('refuses %j', (override, error) => {
    expect(codeOf(() => parseCniEnvironment({ ...env, ...override }))).toEqual({ code: CNI_ERRORS.INVALID_ENVIRONMENT, message: expect.stringMatching(error) });
  });
  test('CNI_ARGS values may contain "="', () => expect(parseCniArgs('A=b=c;;B=')).toEqual({ A: 'b=c', B: '' }));
});

describe('names', () => {
  test.each([
    [{}, 'c0ffee', 'eth0', 'c0ffee'],
    [{ K8S_POD_NAME: 'web-0', K8S_POD_NAMESPACE: 'shop' }, 'c0ffee', 'eth0', 'web-0.shop'],
    [{ K8S_POD_NAME: 'web-0' }, 'c0ffee', 'net1', 'web-0.net1'],
  ])('endpoint of %j (%s, %s) is %s', (args, id, ifname, expected) => expect(endpointName(args, id, ifname)).toBe(expected));

  test('names that are not DNS-style are cleaned deterministically, with a hash so different inputs stay different', () => {
    expect(sanitizeName('My_Pod')).toMatch(/^my-pod-[0-9a-f]{8}$/);
    expect(sanitizeName('My_Pod')).toBe(sanitizeName('My_Pod'));
    expect(sanitizeName('My_Pod')).not.toBe(sanitizeName('my-pod'));
    expect(sanitizeName('my-pod')).toBe('my-pod');
    expect(sanitizeName('___')).toMatch(/^pod-[0-9a-f]{8}$/);
    expect(sanitizeName('a'.repeat(300))).toHaveLength(253);
  });

  test('host veth names fit Linux (15 characters) and differ per interface', () => {
    expect(hostVethName('c0ffee', 'eth0')).toMatch(/^lm[0-9a-f]{12}$/);
    expect(hostVethName('c0ffee', 'eth0')).not.toBe(hostVethName('c0ffee', 'eth1'));
  });
});

test('the ADD result points the address at the pod’s interface', () => {
  const result = buildCniResult('1.0.0', { hostInterface: { name: 'lm1', mac: '02:00:00:00:00:01' }, podInterface: { name: 'eth0', mac: '0a:58:0a:00:00:05', netns: '/run/netns/p' }, ip: '10.0.0.5', prefixLength: 24, cidr: '10.0.0.0/24', gateway: '10.0.0.1' });
  expect(result).toEqual({
    cniVersion: '1.0.0',
    interfaces: [{ name: 'lm1', mac: '02:00:00:00:00:01' }, { name: 'eth0', mac: '0a:58:0a:00:00:05', sandbox: '/run/netns/p' }],
    ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 1 }],
    routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }],
    dns: {},
  });
});

describe('loom agent flags', () => {
  const good = { host: 'node-1', ovsdb: 'unix:/run/openvswitch/db.sock', underlayIp: '192.168.50.1/24', underlayIface: 'eth1', controller: ['tcp:10.0.0.1:6653', 'unix:/run/loom/of.sock'], api: 'http://10.0.0.1:7070/' };
  test('a good set', () => {
    expect(parseAgentConfig({ ...good, netns: 'host-a', reportInterval: '5' })).toEqual({
      host: 'node-1',
      ovsdb: 'unix:/run/openvswitch/db.sock',
      underlayIp: '192.168.50.1',
      underlayPrefix: 24,
      underlayIface: 'eth1',
      controllers: ['tcp:10.0.0.1:6653', 'unix:/run/loom/of.sock'],
      apiUrls: ['http://10.0.0.1:7070'],
      socket: '/run/loom/agent.sock',
      hwOffload: false,
      netns: '/run/netns/host-a',
      reportIntervalMs: 5000,
      reconcileIntervalMs: 10_000,
    });
  });
  test('one API URL per control-plane instance', () => {
    expect(parseAgentConfig({ ...good, api: ['http://10.0.0.1:7070', 'http://10.0.0.2:7070/'] }).apiUrls).toEqual(['http://10.0.0.1:7070', 'http://10.0.0.2:7070']);
    expect(() => parseAgentConfig({ ...good, api: ['http://10.0.0.1:7070', 'http://10.0.0.1:7070/'] })).toThrow('--api: URLs repeat: http://10.0.0.1:7070, http://10.0.0.1:7070');
    expect(() => parseAgentConfig({ ...good, api: [] })).toThrow('--api: required, e.g. --api http://10.0.0.1:7070');
  });
  test('every bad flag is named, with what it accepts', () => {
    expect(() => parseAgentConfig({ host: 'Node_1', ovsdb: 'ptcp:6640', underlayIp: '192.168.50.1', controller: ['6653', '6653'], api: 'localhost:7070', socket: 'agent.sock' })).toThrow(
      new RegExp(
        [
          '--host: "Node_1" is not a DNS-style name',
          '--ovsdb: OVSDB remote "ptcp:6640": that is a listening \\(server\\) address',
          '--underlay-ip: "192.168.50.1" is not IPv4 address/prefix',
          '--underlay-iface: required, e.g. --underlay-iface eth1',
          '--controller: "6653" is not a controller target; accepted: tcp:IP:PORT',
          '--controller: targets repeat',
          '--api: "localhost:7070" is not the control plane\'s base URL',
          '--socket: "agent.sock" is not an absolute path',
        ].join('[^]*'),
      ),
    );
  });
});
