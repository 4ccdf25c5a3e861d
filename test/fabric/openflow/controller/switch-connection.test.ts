import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../../src/log';
import { ErrorType, PacketInReason, PortReason } from '../../../../fabric/openflow/codec';
import {
  BatchError,
  ConnectionClosedError,
  ControllerServer,
  EchoTimeoutError,
  OpenFlowError,
  RequestTimeoutError,
  type ControllerServerOptions,
  type SwitchConnection,
} from '../../../../fabric/openflow/controller';
import { FakeSwitch } from './fake-switch';

/**
 * The connection layer against a switch the test plays (FakeSwitch): what a real switch
 * rarely does on cue — answer out of order, stay silent, offer the wrong version.
 */

const log = createLogger('test', 'silent');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function listen(options: ControllerServerOptions = {}, addresses?: string[]): Promise<ControllerServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-of-'));
  dirs.push(dir);
  return ControllerServer.listen(addresses ?? [`unix:${path.join(dir, 'c.sock')}`], { log, ...options });
}

async function connected(options: ControllerServerOptions = {}, dpid = 0xabcn) {
  const server = await listen(options);
  const sw = await FakeSwitch.connect(server.addresses[0], { datapathId: dpid });
  const conn = await server.waitForSwitch(dpid);
  return { server, sw, conn };
}

test('handshake: offers OpenFlow 1.3 in a version bitmap, learns the datapath id from FEATURES', async () => {
  await using server = await listen();
  const sw = await FakeSwitch.connect(server.addresses[0], { datapathId: 0x1234n, versions: [1, 4, 5] });
  const hello = await sw.next('hello');
  expect(hello.versions).toEqual([4]);
  const conn = await server.waitForSwitch(0x1234n);
  expect(conn.id).toBe('dpid:0000000000001234');
  expect(conn.features).toMatchObject({ nTables: 254, auxiliaryId: 0 });
  expect(server.switches.get(0x1234n)).toBe(conn);
  await sw.close();
});

test('handshake: a switch without OpenFlow 1.3 gets HELLO_FAILED and is never announced', async () => {
  await using server = await listen();
  const announced = jest.fn();
  server.on('switch', announced);
  const sw = await FakeSwitch.connect(server.addresses[0], { versions: [1] });
  const error = await sw.next('error');
  expect(error.errorType).toBe(ErrorType.HELLO_FAILED);
  expect(error.data.toString()).toMatch(/offers versions 1; this controller speaks OpenFlow 1.3/);
  await sw.closed;
  expect(announced).not.toHaveBeenCalled();
});

test('handshake: a peer that never says HELLO is dropped after the handshake timeout', async () => {
  await using server = await listen({ handshakeTimeoutMs: 200 });
  const net = await import('node:net');
  const socket = net.connect(server.addresses[0].slice('unix:'.length));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.on('error', () => undefined).resume();
  await closed;
  expect(server.switches.size).toBe(0);
});

test('replies are matched by xid, in any order; multipart parts are collected until one without MORE', async () => {
  const { server, sw, conn } = await connected();
  await using _ = server;
  const barrier = conn.barrier();
  const dump = conn.dumpFlows({ tableId: 3 });
  const [b, m] = [await sw.next('barrier_request'), await sw.next('multipart_request')];
  expect(m.body).toMatchObject({ kind: 'flow', tableId: 3 });
  const flow = (priority: number) => ({ tableId: 3, durationSec: 0, durationNsec: 0, priority, idleTimeout: 0, hardTimeout: 0, flags: 0, cookie: 0n, packetCount: 0n, byteCount: 0n, match: {}, instructions: [] });
  sw.send(
    { type: 'multipart_reply', xid: m.xid, flags: 1, body: { kind: 'flow', flows: [flow(1), flow(2)] } },
    { type: 'barrier_reply', xid: b.xid },
    { type: 'multipart_reply', xid: m.xid, flags: 0, body: { kind: 'flow', flows: [flow(3)] } },
  );
  await barrier;
  expect((await dump).map((f) => f.priority)).toEqual([1, 2, 3]);
});

test('an OFPT_ERROR rejects its request with OpenFlowError naming the error and the request', async () => {
  const { server, sw, conn } = await connected();
  await using _ = server;
  const reply = conn.request({ type: 'role_request', role: 'master', generationId: 1n });
  const req = await sw.next('role_request');
  sw.send({ type: 'error', xid: req.xid, errorType: ErrorType.ROLE_REQUEST_FAILED, code: 0, data: Buffer.alloc(0) });
  const err = await reply.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenFlowError);
  expect(err).toMatchObject({ errorName: 'OFPRRFC_STALE', request: { type: 'role_request', role: 'master' } });
  expect((err as Error).message).toBe('dpid:0000000000000abc: OFPRRFC_STALE: role_request master generation 1');
});

test('a request without reply times out with RequestTimeoutError; the connection stays usable and drops the late reply', async () => {
  const { server, sw, conn } = await connected({ requestTimeoutMs: 100 });
  await using _ = server;
  await expect(conn.request({ type: 'get_config_request' })).rejects.toBeInstanceOf(RequestTimeoutError);
  const late = await sw.next('get_config_request');
  sw.send({ type: 'get_config_reply', xid: late.xid, flags: 0, missSendLen: 128 });
  const next = conn.request({ type: 'get_config_request' });
  const req = await sw.next('get_config_request');
  sw.send({ type: 'get_config_reply', xid: req.xid, flags: 0, missSendLen: 256 });
  await expect(next).resolves.toMatchObject({ missSendLen: 256 });
});

test('sendAll waits for a barrier and names every refused message by its index', async () => {
  const { server, sw, conn } = await connected();
  await using _ = server;
  const flows = [1, 2, 3].map((priority) => ({ type: 'flow_mod' as const, command: 'add' as const, priority, match: { inPort: priority } }));
  const done = conn.sendAll(flows);
  const mods = [await sw.next('flow_mod'), await sw.next('flow_mod'), await sw.next('flow_mod')];
  expect(new Set(mods.map((m) => m.xid)).size).toBe(3);
  const barrier = await sw.next('barrier_request');
  sw.send({ type: 'error', xid: mods[1].xid, errorType: ErrorType.BAD_MATCH, code: 9, data: Buffer.alloc(0) }, { type: 'barrier_reply', xid: barrier.xid });
  const err = (await done.catch((e: unknown) => e)) as BatchError;
  expect(err).toBeInstanceOf(BatchError);
  expect(err.errors).toHaveLength(1);
  expect(err.errors[0]).toMatchObject({ errorName: 'OFPBMC_BAD_PREREQ', index: 1, request: flows[1] });
});

test('a batch with a message that cannot be encoded is refused whole: nothing is sent', async () => {
  const { server, sw, conn } = await connected();
  await using _ = server;
  const good = { type: 'flow_mod' as const, command: 'add' as const, priority: 1 };
  await expect(conn.sendAll([good, { ...good, priority: 70000 }])).rejects.toThrow('OpenFlow encode: flow_mod.priority: 70000 is not an unsigned 16-bit integer');
  // Whatever was sent is in before the barrier that follows.
  const after = conn.barrier();
  const barrier = await sw.next('barrier_request');
  expect(sw.received.filter((m) => m.type === 'flow_mod')).toEqual([]);
  sw.send({ type: 'barrier_reply', xid: barrier.xid });
  await after;
});

test('an error for a message nobody waits on is a switchError event', async () => {
  const { server, sw, conn } = await connected();
  await using _ = server;
  const seen = new Promise<OpenFlowError>((resolve) => conn.once('switchError', resolve));
  const xid = conn.send({ type: 'flow_mod', command: 'add', match: {} });
  sw.send({ type: 'error', xid, errorType: ErrorType.BAD_REQUEST, code: 10, data: Buffer.alloc(0) });
  expect((await seen).errorName).toBe('OFPBRC_IS_SLAVE');
  expect(conn.role).toBe('slave');
});

test('echo: the switch gets its own xid and data back', async () => {
  const { server, sw } = await connected();
  await using _ = server;
  sw.send({ type: 'echo_request', xid: 77, data: Buffer.from('ping') });
  const reply = await sw.next('echo_reply');
  expect(reply).toMatchObject({ xid: 77, data: Buffer.from('ping') });
});

test('echo keepalive: a silent switch is probed, then closed with EchoTimeoutError; pending requests reject', async () => {
  const server = await listen({ echoIntervalMs: 100, echoTimeoutMs: 150 });
  await using _ = server;
  const sw = await FakeSwitch.connect(server.addresses[0], { ignoreEcho: true });
  const conn = await server.waitForSwitch();
  const pending = conn.request({ type: 'get_config_request' }, { timeoutMs: 5000 });
  await sw.next('echo_request');
  const reason = await conn.closed();
  expect(reason).toBeInstanceOf(EchoTimeoutError);
  expect(reason?.message).toMatch(/^dpid:0000000000000abc: switch silent for \d+ ms, echo request unanswered$/);
  const err = await pending.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectionClosedError);
  expect((err as Error).cause).toBe(reason);
  await sw.closed;
  expect(server.switches.size).toBe(0);
});

test('echo keepalive: an answering switch stays connected', async () => {
  const { server, conn } = await connected({ echoIntervalMs: 50, echoTimeoutMs: 100 });
  await using _ = server;
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(conn.isClosed).toBe(false);
});

test('PACKET_IN, PORT_STATUS, FLOW_REMOVED and role changes are events', async () => {
  const { server, sw, conn } = await connected();
  await using _ = server;
  const events: string[] = [];
  conn.on('packetIn', (m) => events.push(`packetIn ${m.match.inPort} ${m.data.length}`));
  conn.on('portStatus', (m) => events.push(`portStatus ${m.port.name}`));
  conn.on('flowRemoved', (m) => events.push(`flowRemoved ${m.cookie}`));
  conn.on('role', (role) => events.push(`role ${role}`));
  const port = { portNo: 1, hwAddr: '02:00:00:00:00:01', name: 'p1', config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 };
  sw.send(
    { type: 'packet_in', xid: 0, reason: PacketInReason.NO_MATCH, tableId: 0, match: { inPort: 7 }, data: Buffer.alloc(60) },
    { type: 'port_status', xid: 0, reason: PortReason.ADD, port },
    { type: 'flow_removed', xid: 0, cookie: 5n, priority: 1, reason: 2, tableId: 0, durationSec: 0, durationNsec: 0, idleTimeout: 0, hardTimeout: 0, packetCount: 0n, byteCount: 0n, match: {} },
    // OVS's ONF role status on OpenFlow 1.3: demoted to slave because another controller became master.
    { type: 'experimenter', xid: 0, experimenter: 0x4f4e4600, expType: 1911, data: Buffer.from('00000003000000000000000000000002', 'hex') },
  );
  await new Promise((resolve) => conn.once('role', resolve));
  expect(events).toEqual(['packetIn 7 60', 'portStatus p1', 'flowRemoved 5', 'role slave']);
  expect(conn.canWrite).toBe(false);
});

test('a switch that connects again replaces its old connection', async () => {
  await using server = await listen();
  const first = await FakeSwitch.connect(server.addresses[0]);
  const old = await server.waitForSwitch();
  const second = await FakeSwitch.connect(server.addresses[0]);
  await first.closed;
  expect(await old.closed()).toBeInstanceOf(ConnectionClosedError);
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(server.switches.get(0xabcn)).not.toBe(old);
  expect(server.switches.get(0xabcn)?.isClosed).toBe(false);
  await second.close();
});

test('listens on TCP and on unix sockets at once; close() ends connections and removes the socket file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-of-'));
  dirs.push(dir);
  const sock = path.join(dir, 'c.sock');
  const server = await ControllerServer.listen([`unix:${sock}`, 'tcp:127.0.0.1:0'], { log });
  expect(server.addresses[1]).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
  const viaTcp = await FakeSwitch.connect(server.addresses[1], { datapathId: 2n });
  const viaUnix = await FakeSwitch.connect(server.addresses[0], { datapathId: 1n });
  const conns: SwitchConnection[] = await Promise.all([server.waitForSwitch(1n), server.waitForSwitch(2n)]);
  expect(conns.map((c) => c.peer)).toEqual([`unix:${sock}`, expect.stringMatching(/^tcp:127\.0\.0\.1:\d+$/)]);
  await server.close();
  await Promise.all([viaTcp.closed, viaUnix.closed]);
  expect(await conns[0].closed()).toBeUndefined();
  expect(fs.existsSync(sock)).toBe(false);
});

test('a unix socket another controller is listening on is not taken over; a stale one is', async () => {
  await using first = await listen();
  await expect(ControllerServer.listen([first.addresses[0]], { log })).rejects.toThrow(/another controller is listening there/);
  const stale = first.addresses[0].replace('c.sock', 'stale.sock');
  fs.writeFileSync(stale.slice(5), '');
  await (await ControllerServer.listen([stale], { log })).close();
});
