import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { parseAgentConfig, startAgent, stableDatapathId } from '../../../fabric/agent';
import { createLogger } from '../../../src/log';
import { registerAgentCommands } from '../../../src/cli/agent-commands';
import { AGENT_PATHS, type AgentStatus, callAgent, type CniResult } from '../../../fabric/cni';
import { run } from '../../harness/netns';
import { assertPluginBuilt, brIntPorts, type ControlPlane, type LoomHost, Pod, startControlPlane, startLoomHost } from '../../harness/pod';

/**
 * The agent on a real OVS host (userspace datapath: this machine has no OVS kernel
 * module). The agent runs in the test process and works in the host's namespace through
 * nsenter (see test/harness/pod.ts for why).
 */

const execFileAsync = promisify(execFile);
const UNDERLAY = '192.168.61.1/24';
const NETWORK = 'kind: Network\nname: blue\ncidr: 10.61.0.0/24\nvni: 6100\ngateway: 10.61.0.1\n';

let plane: ControlPlane;
let host: LoomHost;

beforeAll(async () => {
  assertPluginBuilt();
  plane = await startControlPlane(NETWORK);
  host = await startLoomHost('agent-a', { apiUrl: plane.apiUrl, underlay: UNDERLAY, gateway: '192.168.61.254', hwOffload: true });
});
afterAll(async () => {
  await host?.stop();
  await plane?.close();
});

const vsctl = (...args: string[]) => host.ovs.vsctl(...args).then((s) => s.trim());
const inHost = (cmd: string, args: string[]) => host.ovs.exec(cmd, args);

async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('bootstrap', () => {
  test('br-int: secure, OpenFlow13, netdev after the kernel datapath failed (and says why), stable datapath id, tables named', async () => {
    const setup = host.agent.setup!;
    expect(setup).toMatchObject({ datapathType: 'netdev', fallback: expect.stringMatching(/could not create it/), podMtu: 1450, underlayMtu: 1500, hwOffload: true });
    expect((await vsctl('get', 'Bridge', 'br-int', 'datapath_type', 'fail_mode', 'protocols', 'other_config:datapath-id')).split('\n')).toEqual(['netdev', 'secure', '[OpenFlow13]', stableDatapathId('agent-a')]);
    expect(await vsctl('get', 'Bridge', 'br-int', 'datapath_id')).toBe(stableDatapathId('agent-a'));
    // ovs-ofctl takes the pipeline's table names: they are in OVSDB.
    await host.ovs.ofctl('add-flow', 'br-int', 'table=SpoofGuard,priority=1,actions=drop');
    expect(await host.ovs.ofctl('--names', 'dump-flows', 'br-int')).toMatch(/table=SpoofGuard, .*priority=1 actions=drop/);
    await host.ovs.ofctl('del-flows', 'br-int');
  });

  test('br-phy holds the underlay NIC and its address; the NIC ignores ARP; the default route moved along', async () => {
    expect(await vsctl('list-ports', 'br-phy')).toBe('ul0');
    expect(await vsctl('get', 'Bridge', 'br-phy', 'datapath_type', 'fail_mode')).toBe('netdev\nstandalone');
    expect(await inHost('ip', ['-4', '-o', 'addr', 'show', 'dev', 'br-phy'])).toContain(UNDERLAY);
    expect(await inHost('ip', ['-4', '-o', 'addr', 'show', 'dev', 'ul0'])).toBe('');
    expect((await inHost('sysctl', ['-n', 'net.ipv4.conf.ul0.arp_ignore'])).trim()).toBe('8');
    expect(await inHost('ip', ['-4', 'route', 'show', 'default'])).toMatch(/^default via 192\.168\.61\.254 dev br-phy/);
    // ovs-vswitchd learned the underlay route from the namespace's table: tunnels can go out.
    await eventually(async () => (await host.ovs.appctl('ovs/route/show')).includes('192.168.61.0/24 dev br-phy'), 'OVS to learn the underlay route');
  });

  test('one flow-based VXLAN port on 4789, and the controllers: several, out-of-band, rate-limited', async () => {
    expect(await vsctl('get', 'Interface', 'vxlan0', 'type', 'options')).toBe('vxlan\n{dst_port="4789", key=flow, remote_ip=flow}');
    expect(Number(await vsctl('get', 'Interface', 'vxlan0', 'ofport'))).toBe(host.agent.setup!.tunnelOfport);
    expect(await vsctl('get-controller', 'br-int')).toBe(`tcp:127.0.0.1:6653\nunix:${host.ovs.runDir}/controller.sock`);
    const controllers = await vsctl('--columns=connection_mode,controller_rate_limit,controller_burst_limit', '--format=csv', '--no-headings', 'list', 'Controller');
    expect(controllers.split('\n')).toEqual(['out-of-band,1000,250', 'out-of-band,1000,250']);
  });

  test('hardware offload: the flag is set, ovs-vswitchd enabled its flow API, and no NIC here took a flow', async () => {
    expect(await vsctl('get', 'Open_vSwitch', '.', 'other_config:hw-offload')).toBe('"true"');
    expect(host.ovs.readLog('ovs-vswitchd')).toContain('Flow API Enabled');
    expect(await host.ovs.appctl('dpctl/dump-flows', 'type=offloaded')).toBe('');
  });

  test('the host is reported to the control plane, and `loom get hosts` shows it', async () => {
    const reported = await eventually(async () => ((await plane.call('GET', '/v1/hosts')).body.items as Record<string, unknown>[]).find((h) => h.name === 'agent-a'), 'the host report');
    expect(reported).toEqual({
      name: 'agent-a',
      underlayIp: '192.168.61.1',
      datapathType: 'netdev',
      tunnelOfport: host.agent.setup!.tunnelOfport,
      mtu: 1450,
      hwOffload: { enabled: true, offloadedFlows: 0 },
      datapathId: stableDatapathId('agent-a'),
      vswitchdCtl: `${host.ovs.runDir}/ovs-vswitchd.ctl`,
      reportedAt: expect.any(String),
    });
    const { stdout } = await execFileAsync(process.execPath, [path.resolve(__dirname, '../../../bin/loom.js'), 'get', 'hosts', '--api', plane.apiUrl]);
    expect(stdout).toMatch(/^NAME\s+UNDERLAY\s+DATAPATH\s+MTU\s+HW OFFLOAD\s+REPORTED\s*\nagent-a\s+192\.168\.61\.1\s+netdev\s+1450\s+on \(0 flows\)\s+\S+/);
  });

  test('the CNI socket answers with the agent’s status', async () => {
    const status = await callAgent<AgentStatus>(host.socket, 'GET', AGENT_PATHS.status);
    expect(status).toMatchObject({ host: 'agent-a', ovsdbConnected: true, datapathType: 'netdev', podMtu: 1450, hwOffload: { enabled: true, offloadedFlows: 0 }, lastReport: { ok: true }, lastReconcile: { ok: true }, ports: [] });
  });
});

describe('refusals', () => {
  test('an underlay NIC that is not there stops the agent before it changes anything, naming the flag', async () => {
    const seqno = await vsctl('get', 'Open_vSwitch', '.', 'next_cfg');
    const config = parseAgentConfig({ host: 'agent-a', ovsdb: host.ovs.dbRemote, underlayIp: UNDERLAY, underlayIface: 'eth9', controller: ['tcp:127.0.0.1:6653'], api: plane.apiUrl, socket: `${host.socket}.2`, netns: host.ovs.netns });
    await expect(startAgent(config, createLogger('test', 'silent'))).rejects.toThrow(`underlay interface eth9 does not exist in network namespace /run/netns/${host.ovs.netns}; --underlay-iface names the NIC`);
    expect(await vsctl('get', 'Open_vSwitch', '.', 'next_cfg')).toBe(seqno);
  });

  test('`loom agent` checks all its flags before starting', async () => {
    const program = new Command().exitOverride();
    registerAgentCommands(program);
    await expect(program.parseAsync(['agent', '--host', 'a', '--underlay-ip', '10.0.0.1/24', '--api', 'http://127.0.0.1:1'], { from: 'user' })).rejects.toThrow(
      /2 problems, nothing was applied:\n {2}- --underlay-iface: required, e\.g\. --underlay-iface eth1\n {2}- --controller: required \(repeatable\)/,
    );
  });
});

describe('surviving OVS', () => {
  let pod: Pod;
  let result: CniResult;
  beforeAll(async () => {
    pod = await Pod.create('agent-pod');
    result = await callAgent<CniResult>(host.socket, 'POST', AGENT_PATHS.add, { cniVersion: '1.0.0', containerId: pod.containerId, netns: pod.path, ifname: 'eth0', network: 'blue', args: {} });
  });
  afterAll(async () => {
    if (pod) await callAgent(host.socket, 'POST', AGENT_PATHS.del, { cniVersion: '1.0.0', containerId: pod.containerId, netns: pod.path, ifname: 'eth0', network: 'blue', args: {} }).catch(() => undefined);
    await pod?.delete();
  });

  const snapshot = async () => ({
    bridges: await vsctl('list-br'),
    ports: (await brIntPorts(host.ovs)).map((p) => `${p.name} ${p.externalIds['iface-id'] ?? ''}`).sort(),
    underlay: await inHost('ip', ['-4', '-o', 'addr', 'show', 'dev', 'br-phy']).then((s) => s.includes(UNDERLAY)),
    route: await inHost('ip', ['-4', 'route', 'show', 'default']),
    controllers: await vsctl('get-controller', 'br-int'),
  });

  test('an ovs-vswitchd restart keeps everything (the configuration is in OVSDB), and the agent carries on', async () => {
    const before = await snapshot();
    await host.ovs.restartVswitchd();
    await host.agent.reconcile();
    expect(await snapshot()).toEqual(before);
    expect(host.agent.status().lastReconcile).toMatchObject({ ok: true, repaired: [] });
    expect(await vsctl('get', 'Bridge', 'br-int', 'datapath_id')).toBe(stableDatapathId('agent-a'));
  });

  test('a restarted agent finds the pods already attached, changes nothing, and still serves them', async () => {
    const before = await snapshot();
    const agent = await host.restartAgent();
    expect(agent.status().ports).toEqual([{ owner: pod.containerId, network: 'blue', containerId: pod.containerId, ifname: 'eth0', port: result.interfaces[0].name, ip: '10.61.0.2', mac: result.interfaces[1].mac, ofport: expect.any(Number) }]);
    expect(agent.status().lastReconcile).toMatchObject({ ok: true, repaired: [] });
    expect(await snapshot()).toEqual(before);
    await expect(callAgent(host.socket, 'POST', AGENT_PATHS.check, { cniVersion: '1.0.0', containerId: pod.containerId, netns: pod.path, ifname: 'eth0', network: 'blue', args: {} })).resolves.toEqual({});
  });

  test('an OVSDB reconnect makes the agent check its setup again', async () => {
    const last = host.agent.status().lastReconcile!.at;
    await run('ovs-appctl', ['-t', path.join(host.ovs.runDir, 'ovsdb-server.ctl'), 'ovsdb-server/reconnect']);
    await eventually(async () => host.agent.status().ovsdbConnected && host.agent.status().lastReconcile!.at !== last, 'a reconciliation after the reconnect');
    expect(host.agent.status().lastReconcile).toMatchObject({ ok: true });
  });

  test('bridges deleted under its feet (as a wiped database would) are re-created, pod ports and the underlay address included', async () => {
    const before = await snapshot();
    expect(before.ports).toEqual([`${result.interfaces[0].name} ${pod.containerId}`, 'vxlan0 ']);
    const ofport = (await brIntPorts(host.ovs)).find((p) => p.name === result.interfaces[0].name)!.ofport;
    await host.ovs.vsctl('del-br', 'br-int', '--', 'del-br', 'br-phy');
    await eventually(async () => JSON.stringify(await snapshot()) === JSON.stringify(before) && host.agent.status().lastReconcile?.ok, 'the agent to re-create br-int, br-phy and the pod port');
    expect(host.agent.status().lastRepair!.repaired).toEqual(
      expect.arrayContaining(['created br-int', 'created br-phy', `added ${'192.168.61.1/24'} to br-phy`, 'added vxlan0', `re-attached ${result.interfaces[0].name} (${pod.containerId})`]),
    );
    const [port] = (await brIntPorts(host.ovs)).filter((p) => p.name === result.interfaces[0].name);
    expect(port.externalIds).toMatchObject({ 'iface-id': pod.containerId, 'attached-mac': result.interfaces[1].mac, 'loom-network': 'blue' });
    // It asked for its old OpenFlow port, so the endpoint (and the flows built from it) stay right.
    expect(port.ofport).toBe(ofport);
    expect((await plane.call('GET', `/v1/endpoints/${pod.containerId}`)).body).toMatchObject({ host: 'agent-a', ofport });
    // The new br-int has the pipeline's table names again.
    await host.ovs.ofctl('add-flow', 'br-int', 'table=Output,priority=0,actions=drop');
    await host.ovs.ofctl('del-flows', 'br-int');
  });
});
