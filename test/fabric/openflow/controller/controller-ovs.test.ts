import { run } from '../../../harness/netns';
import type { OvsHost } from '../../../harness/ovs-host';
import { createLogger } from '../../../../src/log';
import { PacketInReason, Port, PortReason, type FlowModInput } from '../../../../fabric/openflow/codec';
import { BundleError, commitBundle, ControllerServer, OpenFlowError, type Outgoing } from '../../../../fabric/openflow/controller';
import { BRIDGE, controllerSocket, dumpFlows, setControllers, startBridgeHost } from './ovs-bridge';

/**
 * The connection layer against a real ovs-vswitchd: OVS connects to our listener (unix
 * socket in its run dir, or TCP over a veth), and what it answers is what the runtime
 * reports — features, events, errors, bundles.
 */

const log = createLogger('test', 'silent');
let host: OvsHost;
let server: ControllerServer;

beforeAll(async () => {
  host = await startBridgeHost('of-conn', { dpid: 0x5eedn });
  const socket = controllerSocket(host);
  server = await ControllerServer.listen([`unix:${socket}`], { log });
  await setControllers(host, BRIDGE, [`unix:${socket}`]);
});
afterAll(async () => {
  await server?.close();
  await host?.stop();
});

const flow = (priority: number, extra: Partial<FlowModInput> = {}): Outgoing => ({
  type: 'flow_mod',
  command: 'add',
  cookie: 0x77n,
  priority,
  match: { inPort: priority },
  instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 2 }] }],
  ...extra,
});

test('OVS connects over a unix socket in its run dir; the datapath id is the bridge’s', async () => {
  const conn = await server.waitForSwitch(0x5eedn);
  expect(conn.id).toBe('dpid:0000000000005eed');
  expect(conn.peer).toMatch(/^unix:.*\.sock$/);
  expect(conn.features?.nTables).toBe(254);
  expect(conn.role).toBe('equal');
});

test('PORT_STATUS when a port is added; PACKET_IN for a packet sent to CONTROLLER', async () => {
  const conn = await server.waitForSwitch(0x5eedn);
  const portStatus = new Promise<string>((resolve) => conn.once('portStatus', (m) => resolve(`${m.reason === PortReason.ADD ? 'add' : m.reason} ${m.port.name}`)));
  await host.vsctl('add-port', BRIDGE, 'p1', '--', 'set', 'interface', 'p1', 'type=internal', 'ofport_request=1');
  expect(await portStatus).toBe('add p1');

  const packet = Buffer.from('ffffffffffff0200000000010800450000140001000040017bc80a0000010a000002', 'hex');
  const packetIn = new Promise<{ reason: number; data: Buffer }>((resolve) => conn.once('packetIn', resolve));
  conn.send({ type: 'packet_out', inPort: Port.CONTROLLER, actions: [{ type: 'output', port: Port.CONTROLLER }], data: packet });
  expect(await packetIn).toMatchObject({ reason: PacketInReason.ACTION, data: packet });
});

test('what OVS refuses rejects with OpenFlowError naming the error and the message', async () => {
  const conn = await server.waitForSwitch(0x5eedn);
  const backwards = flow(9, { tableId: 3, instructions: [{ type: 'goto_table', tableId: 1 }] });
  const err = await conn.sendAll([flow(8), backwards]).catch((e: unknown) => e);
  expect((err as { errors: OpenFlowError[] }).errors.map((e) => [e.index, e.errorName, e.message])).toEqual([
    [1, 'OFPBIC_BAD_TABLE_ID', 'dpid:0000000000005eed: OFPBIC_BAD_TABLE_ID: message 1: flow_mod add table=3 priority=9 {"inPort":9} cookie=0x77'],
  ]);
  // Not atomic: the good flow went in.
  expect(await dumpFlows(host)).toEqual(['cookie=0x77, priority=8,in_port=8 actions=output:2']);
  await conn.sendAll([{ type: 'flow_mod', command: 'delete', tableId: 0xff, cookie: 0x77n, cookieMask: 0xffffffffffffffffn }]);
  expect(await dumpFlows(host)).toEqual([]);
});

describe('bundles', () => {
  beforeEach(() => host.ofctl('del-flows', BRIDGE));

  test('a bundle applies all its flows at once', async () => {
    const conn = await server.waitForSwitch(0x5eedn);
    await commitBundle(conn, [flow(1), flow(2), flow(3)]);
    expect(await dumpFlows(host)).toEqual([1, 2, 3].map((p) => `cookie=0x77, priority=${p},in_port=${p} actions=output:2`));
  });

  test('one flow OVS refuses when it is added: nothing applied, the error names it', async () => {
    const conn = await server.waitForSwitch(0x5eedn);
    await host.ofctl('add-flow', BRIDGE, 'priority=50,actions=drop');
    const bad = flow(2, { tableId: 5, instructions: [{ type: 'goto_table', tableId: 4 }] });
    const err = await commitBundle(conn, [flow(1), bad, flow(3)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).errors.map((e) => [e.index, e.errorName, e.request])).toEqual([[1, 'OFPBIC_BAD_TABLE_ID', bad]]);
    expect(await dumpFlows(host)).toEqual(['priority=50 actions=drop']);
  });

  test('one flow OVS can only refuse at commit (a missing group): nothing applied, the error names it', async () => {
    const conn = await server.waitForSwitch(0x5eedn);
    const bad = flow(2, { instructions: [{ type: 'apply_actions', actions: [{ type: 'group', groupId: 42 }] }] });
    const err = (await commitBundle(conn, [flow(1), bad]).catch((e: unknown) => e)) as BundleError;
    expect(err).toBeInstanceOf(BundleError);
    expect(err.errors.map((e) => [e.index, e.errorName])).toEqual([[1, 'OFPBAC_BAD_OUT_GROUP']]);
    expect(err.controlError?.errorName).toBe('OFPBFC_MSG_FAILED');
    expect(err.message).toMatch(/bundle refused, nothing applied: .*OFPBAC_BAD_OUT_GROUP: message 1: flow_mod add table=0 priority=2/);
    expect(await dumpFlows(host)).toEqual([]);
  });
});

test('OVS connects over TCP to a controller listening on a veth address', async () => {
  // OVS in a namespace cannot reach the root namespace's loopback: a veth pair it can.
  const pid = process.pid;
  const [root, peer] = [`lofr${pid}`, `lofp${pid}`];
  const net = `169.254.${(pid >> 6) & 0xff}.${(pid & 0x3f) << 2}`;
  const [rootIp, peerIp] = [1, 2].map((n) => net.replace(/\d+$/, (last) => String(Number(last) + n)));
  await run('ip', ['link', 'add', root, 'type', 'veth', 'peer', 'name', peer, 'netns', host.netns]);
  try {
    await run('ip', ['addr', 'add', `${rootIp}/30`, 'dev', root]);
    await run('ip', ['link', 'set', root, 'up']);
    await host.exec('ip', ['addr', 'add', `${peerIp}/30`, 'dev', peer]);
    await host.exec('ip', ['link', 'set', peer, 'up']);
    await using tcp = await ControllerServer.listen([`tcp:${rootIp}:0`], { log });
    await host.vsctl('add-br', 'br-tcp', '--', 'set', 'bridge', 'br-tcp', 'datapath_type=netdev', 'fail_mode=secure', 'protocols=OpenFlow13', 'other-config:datapath-id=000000000000007c');
    await setControllers(host, 'br-tcp', [tcp.addresses[0]]);
    const conn = await tcp.waitForSwitch(0x7cn);
    expect(conn.peer).toMatch(new RegExp(`^tcp:${peerIp.replace(/\./g, '\\.')}:\\d+$`));
    await conn.barrier();
  } finally {
    await host.vsctl('--if-exists', 'del-br', 'br-tcp');
    await run('ip', ['link', 'del', root]).catch(() => undefined);
  }
});
