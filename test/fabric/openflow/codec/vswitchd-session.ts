import type { OfctlCommand } from './ovs-tools';
import { captureOfctl } from './ovs-tools';
import { BRIDGE, PORT2, type PrivateOvs } from './private-ovs';
import { rawMessage } from './raw-message';

/**
 * A controller's conversation with a real ovs-vswitchd, step by step, to record what the
 * switch sends: replies, errors and asynchronous messages. Requests are raw bytes — from
 * ovs-ofctl where it can produce them, else written out here — never from the codec.
 */

export interface SessionStep {
  name: string;
  sent: Buffer[];
  received: Buffer[];
}


function msg(type: number, xid: number, bodyHex = ''): Buffer {
  return rawMessage(type, xid, Buffer.from(bodyHex.replace(/\s+/g, ''), 'hex'));
}

function withXid(m: Buffer, xid: number): Buffer {
  const b = Buffer.from(m);
  b.writeUInt32BE(xid, 4);
  return b;
}

/** The messages ovs-ofctl sends for a command, minus its handshake and barriers. */
async function ofctl(c: Omit<OfctlCommand, 'name'>): Promise<Buffer[]> {
  const all = await captureOfctl({ name: 'session', ...c });
  return all.filter((m) => m[1] !== 0 && m[1] !== 20);
}

const isType = (type: number) => (m: Buffer) => m[1] === type;
const isBarrierReply = (xid: number) => (m: Buffer) => m[1] === 21 && m.readUInt32BE(4) === xid;
const ONF_BUNDLE = '4f4e4600 000008fc';
const bundleControl = (xid: number, id: number, controlType: number, flags = 1) =>
  msg(4, xid, `${ONF_BUNDLE} ${id.toString(16).padStart(8, '0')} ${controlType.toString(16).padStart(4, '0')} ${flags.toString(16).padStart(4, '0')}`);
const isBundleReply = (controlType: number) => (m: Buffer) => m[1] === 4 && m.length >= 24 && m.readUInt16BE(20) === controlType;

/** A flow_mod header and fixed part: add, table `table`, priority 0x8000, no buffer, ANY port/group. */
const flowModFixed = (table: number) => `0000000000000000 0000000000000000 ${table.toString(16).padStart(2, '0')}00 0000 0000 8000 ffffffff ffffffff ffffffff 0000 0000`;
const EMPTY_MATCH = '0001 0004 00000000';

export async function runSession(ovs: PrivateOvs): Promise<SessionStep[]> {
  const PACKET = 'ffffffffffff001122334455080045000014000100004001f9cf0a0000010a000002';
  const setup = [
    ...(await ofctl({ command: 'add-flow', args: ['table=0,priority=100,ip,actions=load:0x5->NXM_NX_REG0[],set_field:0x64->tun_id,goto_table:1'] })),
    ...(await ofctl({ command: 'add-flow', args: ['cookie=0xabc,table=1,priority=100,ip,actions=CONTROLLER:128'] })),
    ...(await ofctl({ command: 'add-flow', args: ['cookie=0x77,table=2,priority=5,idle_timeout=60,send_flow_rem,ip,nw_dst=10.9.9.9,actions=drop'] })),
    ...(await ofctl({ command: 'add-group', args: ['group_id=2,type=select,bucket=weight:10,actions=output:1,bucket=weight:20,actions=ct(commit,table=5)'] })),
    ...(await ofctl({ command: 'add-group', args: ['group_id=4,type=fast_failover,bucket=watch_port:1,actions=output:1,bucket=watch_group:2,actions=group:2'] })),
  ].map((m, i) => withXid(m, 100 + i));
  const packetOut = await ofctl({ command: 'packet-out', args: [`in_port=CONTROLLER packet=${PACKET} actions=output:TABLE`] });
  const multipart = async (command: string, args: string[] = []) => (await ofctl({ command, args })).map((m) => withXid(m, 40));
  const delFlow = await ofctl({ command: 'del-flows', args: ['table=2,cookie=0x77/-1'] });
  const bundledFlow = (await ofctl({ command: 'add-flow', args: ['table=3,priority=1,actions=drop'] }))[0];

  const conn = await ovs.connect();
  const steps: SessionStep[] = [];
  const step = async (name: string, sent: Buffer[], wanted: ((m: Buffer) => boolean)[], trigger?: () => Promise<void>, settleMs = 0) => {
    conn.send(...sent);
    await trigger?.();
    steps.push({ name, sent, received: await conn.until(wanted, settleMs) });
  };
  /** For requests answered only on failure: the barrier reply says they were processed. */
  const withBarrier = (name: string, sent: Buffer[], also: ((m: Buffer) => boolean)[] = [], trigger?: () => Promise<void>) =>
    step(name, [...sent, msg(20, 999)], [isBarrierReply(999), ...also], trigger, also.length ? 300 : 0);
  try {
    await step('hello', [msg(0, 1, '0001 0008 00000010')], [isType(0)]);
    await step('features', [msg(5, 2)], [isType(6)]);
    await step('get-config', [msg(7, 3)], [isType(8)]);
    await step('set-config', [msg(9, 4, '0000 0080'), msg(7, 5)], [isType(8)]);
    await step('role-master', [msg(24, 6, '00000002 00000000 0000000000000001')], [isType(25)]);
    await step('role-nochange', [msg(24, 7, '00000000 00000000 0000000000000000')], [isType(25)]);
    await step('role-stale', [msg(24, 8, '00000003 00000000 0000000000000000')], [isType(1)]);
    await step('get-async', [msg(26, 9)], [isType(27)]);
    await step('set-async', [msg(28, 10, '00000003 00000000 00000007 00000007 0000000f 00000000'), msg(26, 11)], [isType(27)]);
    await step('echo', [msg(2, 12, Buffer.from('loom-codec').toString('hex'))], [isType(3)]);
    await withBarrier('install', setup);
    await withBarrier('packet-in', packetOut.map((m) => withXid(m, 20)), [isType(10)]);
    await step('multipart-desc', await multipart('dump-desc'), [isType(19)]);
    await step('multipart-flow', await multipart('dump-flows'), [isType(19)]);
    await step('multipart-aggregate', await multipart('dump-aggregate'), [isType(19)]);
    await step('multipart-table', await multipart('dump-tables'), [isType(19)]);
    await step('multipart-port-stats', await multipart('dump-ports', ['1']), [isType(19)]);
    await step('multipart-group-desc', await multipart('dump-groups'), [isType(19)]);
    await step('multipart-port-desc', await multipart('dump-ports-desc'), [isType(19)]);
    await withBarrier('flow-removed', delFlow.map((m) => withXid(m, 50)), [isType(11)]);
    await withBarrier('port-status', [], [isType(12)], () =>
      ovs.vsctl('add-port', BRIDGE, PORT2, '--', 'set', 'interface', PORT2, 'type=internal', 'ofport_request=2', 'mac="02:00:00:00:00:02"'),
    );
    await step('error-bad-type', [msg(30, 60)], [isType(1)]);
    await step('error-bad-prereq', [msg(14, 61, `${flowModFixed(0)} 0001 000c 80001804 0a000001 00000000`)], [isType(1)]);
    await step('error-bad-table-id', [msg(14, 62, `${flowModFixed(5)} ${EMPTY_MATCH} 0001 0008 01000000`)], [isType(1)]);
    await step('error-nx-conjunction', [msg(14, 63, `${flowModFixed(0)} ${EMPTY_MATCH} 0004 0018 00000000 ffff 0010 00002320 0022 00 01 00000001`)], [isType(1)]);
    await step('error-bundle-bad-id', [bundleControl(64, 99, 4)], [isType(1)]);
    const add = Buffer.concat([msg(4, 71, `4f4e4600 000008fd 00000007 0000 0001`), withXid(bundledFlow, 71)]);
    add.writeUInt16BE(add.length, 2);
    await step('bundle-commit', [bundleControl(70, 7, 0), add, bundleControl(72, 7, 2), bundleControl(73, 7, 4)], [isBundleReply(5)]);
    await step('bundle-discard', [bundleControl(80, 8, 0, 3), bundleControl(81, 8, 6, 3)], [isBundleReply(7)]);
  } finally {
    conn.close();
  }
  return steps;
}

