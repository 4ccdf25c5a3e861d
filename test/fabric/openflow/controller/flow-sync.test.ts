import type { OvsHost } from '../../../harness/ovs-host';
import { createLogger } from '../../../../src/log';
import { CtFlags, CtState, EthType, IpProto, Port, type Action } from '../../../../fabric/openflow/codec';
import { ControllerServer, DesiredFlows, DuplicateFlowError, FlowConflictError, FlowsRejectedError, FlowSync, InvalidFlowError, type Flow } from '../../../../fabric/openflow/controller';
import { startControlledBridge, type ControlledBridge } from './controlled-bridge';
import { BRIDGE, dumpFlows, eventually, removeControllers, setControllers } from './ovs-bridge';

/**
 * Desired-state flow sync against a real ovs-vswitchd: what lands in the flow table, what
 * happens to it when OVS loses it, and what a refused change leaves behind (nothing).
 */

const log = createLogger('test', 'silent');
const DPID = 0xf00dn;
const OWNER = 0x10;
let bridge: ControlledBridge;
let host: OvsHost;
let server: ControllerServer;
let sync: FlowSync;
let target: string;

beforeAll(async () => {
  bridge = await startControlledBridge('of-sync', DPID);
  ({ host, server, target } = bridge);
  sync = new FlowSync(server, { owner: OWNER, checkIntervalMs: 300, log });
});
afterAll(async () => {
  await sync?.close();
  await bridge?.stop();
});

const apply = (actions: Action[]) => ({ type: 'apply_actions' as const, actions });
const output = (port: number) => ({ type: 'output' as const, port });

/** A small pipeline touching what the fabric uses: ARP, registers, conntrack, tunnels, drops. */
const PIPELINE: Flow[] = [
  { tableId: 0, priority: 200, match: { inPort: 1, ethType: EthType.ARP }, instructions: [apply([output(Port.NORMAL)])] },
  { tableId: 0, priority: 100, match: { inPort: 1, ethType: EthType.IPV4, ipv4Src: '10.0.1.0/24' }, instructions: [apply([{ type: 'set_field', field: 'reg0', value: 5 }]), { type: 'goto_table', tableId: 10 }] },
  { tableId: 0, priority: 0 },
  { tableId: 10, priority: 100, match: { ethType: EthType.IPV4 }, instructions: [apply([{ type: 'ct', zone: 5, recircTable: 20 }])] },
  { tableId: 20, priority: 100, match: { ethType: EthType.IPV4, ctState: { value: CtState.trk | CtState.est, mask: CtState.trk | CtState.est } }, instructions: [{ type: 'goto_table', tableId: 30 }] },
  { tableId: 20, priority: 90, match: { ethType: EthType.IPV4, ipProto: IpProto.TCP, tcpDst: 80, ctState: { value: CtState.trk | CtState.new, mask: CtState.trk | CtState.new } }, instructions: [apply([{ type: 'ct', flags: CtFlags.COMMIT, zone: 5 }]), { type: 'goto_table', tableId: 30 }] },
  { tableId: 30, priority: 100, match: { ethType: EthType.IPV4, ipv4Dst: '10.0.2.7' }, instructions: [apply([{ type: 'set_field', field: 'tunDst', value: '192.168.0.2' }, { type: 'set_field', field: 'tunId', value: 5001n }, output(10)])] },
  { tableId: 30, priority: 100, match: { ethType: EthType.IPV4, ipv4Dst: '10.0.1.3' }, instructions: [apply([output(3)])] },
];

/** What `ovs-ofctl dump-flows` shows for PIPELINE, flow by flow. */
const PIPELINE_TEXT = [
  'priority=200,arp,in_port=1 actions=NORMAL',
  'priority=100,ip,in_port=1,nw_src=10.0.1.0/24 actions=set_field:0x5->reg0,goto_table:10',
  'priority=0 actions=drop',
  'table=10, priority=100,ip actions=ct(table=20,zone=5)',
  'table=20, priority=100,ct_state=+est+trk,ip actions=goto_table:30',
  'table=20, priority=90,ct_state=+new+trk,tcp,tp_dst=80 actions=ct(commit,zone=5),goto_table:30',
  'table=30, priority=100,ip,nw_dst=10.0.2.7 actions=set_field:192.168.0.2->tun_dst,set_field:0x1389->tun_id,output:10',
  'table=30, priority=100,ip,nw_dst=10.0.1.3 actions=output:3',
];

/** The exact dump-flows lines for `flows` (whose `ovs-ofctl` text is `text`), cookies included. */
function expected(flows: readonly Flow[], text: readonly string[]): string[] {
  const desired = DesiredFlows.build(flows, sync.cookies);
  return text.map((t, i) => `cookie=0x${desired.cookies()[i].toString(16)}, ${t}`).sort();
}

test('flows installed through the controller appear in dump-flows exactly as intended, cookies marking the owner', async () => {
  await host.ofctl('del-flows', BRIDGE);
  expect(await sync.setFlows(DPID, PIPELINE)).toEqual({ added: 8, deleted: 0, flows: 8 });
  expect(await dumpFlows(host)).toEqual(expected(PIPELINE, PIPELINE_TEXT));
  for (const cookie of DesiredFlows.build(PIPELINE, sync.cookies).cookies()) expect(cookie >> 48n).toBe(BigInt(OWNER));
  expect(sync.status(DPID)).toMatchObject({ connected: true, canWrite: true, inSync: true, flows: 8, lastError: undefined });
  // Nothing to do the second time.
  expect(await sync.setFlows(DPID, PIPELINE)).toEqual({ added: 0, deleted: 0, flows: 8 });
});

test('a change sends only the difference; flows of other owners and without cookie are never touched', async () => {
  await sync.setFlows(DPID, PIPELINE);
  await host.ofctl('add-flow', BRIDGE, 'cookie=0x0011000000000001,table=50,priority=1,actions=drop');
  await host.ofctl('add-flow', BRIDGE, 'table=50,priority=2,actions=drop');
  const changed = [...PIPELINE.slice(0, 6), { ...PIPELINE[6], instructions: [apply([output(11)])] }, { tableId: 40, priority: 1 }];
  const changedText = [...PIPELINE_TEXT.slice(0, 6), 'table=30, priority=100,ip,nw_dst=10.0.2.7 actions=output:11', 'table=40, priority=1 actions=drop'];
  // Removed: flows 6 (modified) and 7; added: the modified 6 and the new one.
  expect(await sync.setFlows(DPID, changed)).toEqual({ added: 2, deleted: 2, flows: 8 });
  expect(await dumpFlows(host)).toEqual(
    [...expected(changed, changedText), 'cookie=0x11000000000001, table=50, priority=1 actions=drop', 'table=50, priority=2 actions=drop'].sort(),
  );
  await host.ofctl('del-flows', BRIDGE, 'table=50');
});

test('changes made while a sync runs are merged into the next one', async () => {
  await sync.setFlows(DPID, PIPELINE);
  const synced = jest.fn();
  sync.on('synced', synced);
  const first = sync.setFlows(DPID, PIPELINE.slice(0, 1));
  await new Promise((resolve) => setImmediate(resolve));
  const later = [2, 3, 4].map((n) => sync.setFlows(DPID, PIPELINE.slice(0, n)));
  const results = await Promise.all([first, ...later]);
  sync.off('synced', synced);
  // The first change started a sync; the three made while it ran went out together in one more.
  expect(results.map((r) => r.flows)).toEqual([1, 4, 4, 4]);
  expect(synced).toHaveBeenCalledTimes(2);
  expect(await dumpFlows(host)).toEqual(expected(PIPELINE.slice(0, 4), PIPELINE_TEXT.slice(0, 4)));
});

test('a set with a flow the switch refuses changes nothing, and the error names the flow', async () => {
  await sync.setFlows(DPID, PIPELINE);
  const bad = [...PIPELINE, { tableId: 30, priority: 5, instructions: [{ type: 'goto_table' as const, tableId: 20 }] }];
  const err = (await sync.setFlows(DPID, bad).catch((e: unknown) => e)) as FlowsRejectedError;
  expect(err).toBeInstanceOf(FlowsRejectedError);
  expect(err.rejected.map((r) => [r.index, r.error.errorName])).toEqual([[8, 'OFPBIC_BAD_TABLE_ID']]);
  expect(err.message).toBe('dpid:000000000000f00d: flows refused, nothing applied: flows[8] (table=30 priority=5 {}): OFPBIC_BAD_TABLE_ID');
  expect(await dumpFlows(host)).toEqual(expected(PIPELINE, PIPELINE_TEXT));
  expect(sync.status(DPID)?.lastError).toBe(err);
  // A refused set is not retried by the periodic check; the next set is applied.
  await new Promise((resolve) => setTimeout(resolve, 700));
  expect(await sync.setFlows(DPID, PIPELINE.slice(0, 2))).toEqual({ added: 0, deleted: 6, flows: 2 });
});

test('sets that cannot be encoded or hold the same flow twice are refused before anything is sent', () => {
  expect(() => sync.setFlows(DPID, [PIPELINE[0], { tableId: 300 }])).toThrow(InvalidFlowError);
  expect(() => sync.setFlows(DPID, [PIPELINE[0], { tableId: 300 }])).toThrow(/^flows\[1\]: OpenFlow encode: flow_mod.tableId: 300 is not an unsigned 8-bit integer \(nothing was applied\)$/);
  expect(() => sync.setFlows(DPID, [PIPELINE[0], PIPELINE[1], { ...PIPELINE[0], instructions: [] }])).toThrow(DuplicateFlowError);
  expect(() => sync.setFlows(DPID, [PIPELINE[0], PIPELINE[1], { ...PIPELINE[0], instructions: [] }])).toThrow(/^flows\[0\] and flows\[2\] are the same flow \(table=0 priority=200/);
});

test('two flows OVS sees as one are reported as a conflict naming the flow that lost', async () => {
  // The same match in two encodings: OXM eth_dst, and Nicira's NXM_OF_ETH_DST through the
  // codec's escape hatch for raw entries. Different bytes, one flow to OVS.
  const conflicting: Flow[] = [
    { tableId: 60, priority: 1, match: { ethDst: '02:00:00:00:00:01' }, instructions: [apply([output(1)])] },
    { tableId: 60, priority: 1, match: { other: [{ oxmClass: 0x0000, field: 1, value: Buffer.from('020000000001', 'hex') }] }, instructions: [apply([output(2)])] },
  ];
  const err = (await sync.setFlows(DPID, conflicting).catch((e: unknown) => e)) as FlowConflictError;
  expect(err).toBeInstanceOf(FlowConflictError);
  expect(err.missing).toEqual([0]);
  expect(err.message).toMatch(/^dpid:000000000000f00d: 1 desired flow\(s\) replaced by another .*: flows\[0\] \(table=60 priority=1 \{"ethDst":"02:00:00:00:00:01"\}\)$/);
  expect(await dumpFlows(host)).toEqual([expect.stringMatching(/table=60, priority=1,dl_dst=02:00:00:00:00:01 actions=output:2$/)]);
});

test('a restarted controller deletes its owner’s flows left from the earlier run; switches without a desired set are left alone', async () => {
  await host.ofctl('del-flows', BRIDGE);
  await host.ofctl('add-flow', BRIDGE, 'cookie=0x001000000000beef,table=70,priority=1,actions=drop');
  const leftAlone = new FlowSync(server, { owner: OWNER + 1, log });
  const restarted = new FlowSync(server, { owner: OWNER, checkIntervalMs: 300, log });
  await sync.close();
  try {
    expect(await restarted.setFlows(DPID, PIPELINE.slice(0, 1))).toEqual({ added: 1, deleted: 1, flows: 1 });
    expect(await dumpFlows(host)).toEqual(expected(PIPELINE.slice(0, 1), PIPELINE_TEXT.slice(0, 1)));
    expect(leftAlone.status(DPID)).toMatchObject({ connected: true, flows: 0 });
  } finally {
    await leftAlone.close();
    sync = restarted;
  }
});

describe('OVS losing its flows is repaired', () => {
  beforeEach(() => sync.setFlows(DPID, PIPELINE));

  test('ovs-vswitchd restarts (userspace flows are lost): the controller restores the table', async () => {
    const restored = new Promise((resolve) => sync.once('synced', (_dpid, result) => resolve(result)));
    await host.restartVswitchd();
    expect(await restored).toEqual({ added: 8, deleted: 0, flows: 8 });
    expect(await dumpFlows(host)).toEqual(expected(PIPELINE, PIPELINE_TEXT));
  });

  test('the last controller removed flushes the table; once one is back, the flows are too', async () => {
    await removeControllers(host, BRIDGE);
    await eventually(async () => expect(await dumpFlows(host)).toEqual([]));
    await setControllers(host, BRIDGE, [target]);
    await eventually(async () => expect(await dumpFlows(host)).toEqual(expected(PIPELINE, PIPELINE_TEXT)));
  });

  test('someone deleting flows by hand: the periodic check notices and puts them back', async () => {
    await host.ofctl('del-flows', BRIDGE, 'table=30');
    expect(await dumpFlows(host)).toHaveLength(6);
    await eventually(async () => expect(await dumpFlows(host)).toEqual(expected(PIPELINE, PIPELINE_TEXT)));
  });
});

test('a large set goes in as one bundle; a later change sends only its difference', async () => {
  const many: Flow[] = Array.from({ length: 5000 }, (_, i) => ({
    tableId: 80,
    priority: 100,
    match: { ethType: EthType.IPV4, ipv4Dst: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
    instructions: [apply([output(1 + (i % 8))])],
  }));
  expect(await sync.setFlows(DPID, many)).toEqual({ added: 5000, deleted: 8, flows: 5000 });
  expect(Number((await host.ofctl('dump-aggregate', BRIDGE, 'table=80')).match(/flow_count=(\d+)/)?.[1])).toBe(5000);
  const changed = many.map((f, i) => (i === 1234 ? { ...f, instructions: [apply([output(9)])] } : f));
  expect(await sync.setFlows(DPID, changed)).toEqual({ added: 1, deleted: 1, flows: 5000 });
  expect(await host.ofctl('dump-flows', BRIDGE, '--no-stats', 'table=80,ip,nw_dst=10.0.4.210')).toMatch(/actions=output:9/);
});
