import type { OvsHost } from '../../../harness/ovs-host';
import { createLogger } from '../../../../src/log';
import { EthType, type Action } from '../../../../fabric/openflow/codec';
import {
  ControllerServer,
  DesiredFlows,
  FlowsRejectedError,
  FlowSync,
  GroupsRejectedError,
  InvalidGroupsError,
  InvalidOptionError,
  type Flow,
  type Group,
} from '../../../../fabric/openflow/controller';
import { startControlledBridge, type ControlledBridge } from './controlled-bridge';
import { BRIDGE, dumpFlows, dumpGroups, eventually } from './ovs-bridge';

/**
 * Desired groups against a real ovs-vswitchd: groups go into the same bundle as the flows
 * using them, are repaired when changed behind our back or lost, and a refused group
 * leaves flows and groups as they were.
 */

const log = createLogger('test', 'silent');
const DPID = 0x6a0bn;
const OWNER = 0x30;
let bridge: ControlledBridge;
let host: OvsHost;
let server: ControllerServer;
let sync: FlowSync;

beforeAll(async () => {
  bridge = await startControlledBridge('of-groups', DPID);
  ({ host, server } = bridge);
  for (const port of [1, 2, 3]) await host.vsctl('add-port', BRIDGE, `p${port}`, '--', 'set', 'interface', `p${port}`, 'type=internal', `ofport_request=${port}`);
  sync = new FlowSync(server, { owner: OWNER, checkIntervalMs: 300, ownsGroups: true, log });
});
afterAll(async () => {
  await sync?.close();
  await bridge?.stop();
});

const output = (port: number): Action => ({ type: 'output', port });
const toGroup = (dst: string, groupId: number): Flow => ({
  tableId: 0,
  priority: 100,
  match: { ethType: EthType.IPV4, ipv4Dst: dst },
  instructions: [{ type: 'apply_actions', actions: [{ type: 'group', groupId }] }],
});

/** A flood group and a load-balancing group, and a flow to each. */
const GROUPS: Group[] = [
  { groupId: 1, groupType: 'all', buckets: [{ actions: [output(1)] }, { actions: [output(2)] }] },
  { groupId: 2, groupType: 'select', buckets: [{ weight: 10, actions: [output(2)] }, { weight: 20, actions: [output(3)] }] },
];
const GROUPS_TEXT = [
  'group_id=1,type=all,bucket=actions=output:1,bucket=actions=output:2',
  'group_id=2,type=select,bucket=weight:10,actions=output:2,bucket=weight:20,actions=output:3',
];
const FLOWS: Flow[] = [toGroup('10.0.0.1', 1), toGroup('10.0.0.2', 2)];
const FLOWS_TEXT = ['priority=100,ip,nw_dst=10.0.0.1 actions=group:1', 'priority=100,ip,nw_dst=10.0.0.2 actions=group:2'];

function expectedFlows(flows: readonly Flow[], text: readonly string[]): string[] {
  const cookies = DesiredFlows.build(flows, sync.cookies).cookies();
  return text.map((t, i) => `cookie=0x${cookies[i].toString(16)}, ${t}`).sort();
}

async function expectSwitchHolds(groupsText: readonly string[], flows: readonly Flow[], flowsText: readonly string[]): Promise<void> {
  expect(await dumpGroups(host)).toEqual([...groupsText].sort());
  expect(await dumpFlows(host)).toEqual(expectedFlows(flows, flowsText));
}

/** Each test starts from a switch without flows and groups, as the sync knows. */
beforeEach(async () => {
  await sync.setFlows(DPID, [], []);
  await host.ofctl('-O', 'OpenFlow13', 'del-groups', BRIDGE);
  await host.ofctl('del-flows', BRIDGE);
});

const unchanged = { added: 0, deleted: 0, flows: 2, groups: { added: 0, modified: 0, deleted: 0, groups: 2 } };

test('groups and the flows using them go in with one sync; dump-groups shows them; a second sync has nothing to do', async () => {
  expect(await sync.setFlows(DPID, FLOWS, GROUPS)).toEqual({ ...unchanged, added: 2, groups: { ...unchanged.groups, added: 2 } });
  await expectSwitchHolds(GROUPS_TEXT, FLOWS, FLOWS_TEXT);
  expect(await sync.setFlows(DPID, FLOWS, GROUPS)).toEqual(unchanged);
  // The flow sends through its group: both buckets of the flood group.
  const trace = await host.appctl('ofproto/trace', BRIDGE, 'in_port=3,ip,nw_dst=10.0.0.1');
  expect(trace).toMatch(/group:1\s+bucket 0\s+output:1\s+bucket 1\s+output:2\s/);
});

test('changed buckets are a modify of that group alone; the flows using it stay', async () => {
  await sync.setFlows(DPID, FLOWS, GROUPS);
  const changed = [GROUPS[0], { ...GROUPS[1], buckets: [{ weight: 5, actions: [output(1)] }] }];
  expect(await sync.setFlows(DPID, FLOWS, changed)).toEqual({ ...unchanged, groups: { ...unchanged.groups, modified: 1 } });
  await expectSwitchHolds([GROUPS_TEXT[0], 'group_id=2,type=select,bucket=weight:5,actions=output:1'], FLOWS, FLOWS_TEXT);
  // A new type is a modify too: a delete and add would take the flows using the group with it.
  const indirect = [GROUPS[0], { groupId: 2, groupType: 'indirect' as const, buckets: [{ actions: [output(3)] }] }];
  expect(await sync.setFlows(DPID, FLOWS, indirect)).toEqual({ ...unchanged, groups: { ...unchanged.groups, modified: 1 } });
  await expectSwitchHolds([GROUPS_TEXT[0], 'group_id=2,type=indirect,bucket=actions=output:3'], FLOWS, FLOWS_TEXT);
});

test('a group is deleted in the same sync as the flows using it; no groups given means none', async () => {
  await sync.setFlows(DPID, FLOWS, GROUPS);
  expect(await sync.setFlows(DPID, FLOWS.slice(0, 1), GROUPS.slice(0, 1))).toEqual({ added: 0, deleted: 1, flows: 1, groups: { added: 0, modified: 0, deleted: 1, groups: 1 } });
  await expectSwitchHolds(GROUPS_TEXT.slice(0, 1), FLOWS.slice(0, 1), FLOWS_TEXT.slice(0, 1));
  // No groups given: the owner of the groups leaves none.
  expect(await sync.setFlows(DPID, [])).toEqual({ added: 0, deleted: 1, flows: 0, groups: { added: 0, modified: 0, deleted: 1, groups: 0 } });
  await expectSwitchHolds([], [], []);
});

test('groups changed behind our back are put right by the periodic check', async () => {
  await sync.setFlows(DPID, FLOWS, GROUPS);
  await host.ofctl('-O', 'OpenFlow13', 'mod-group', BRIDGE, 'group_id=1,type=all,bucket=output:3');
  await host.ofctl('-O', 'OpenFlow13', 'add-group', BRIDGE, 'group_id=99,type=all,bucket=output:1');
  await eventually(() => expectSwitchHolds(GROUPS_TEXT, FLOWS, FLOWS_TEXT));
  // Deleting the groups deletes the flows using them: both come back.
  await host.ofctl('-O', 'OpenFlow13', 'del-groups', BRIDGE);
  expect(await dumpFlows(host)).toEqual([]);
  await eventually(() => expectSwitchHolds(GROUPS_TEXT, FLOWS, FLOWS_TEXT));
});

test('ovs-vswitchd restarts (groups and flows are lost): the controller restores both', async () => {
  await sync.setFlows(DPID, FLOWS, GROUPS);
  const restored = new Promise((resolve) => sync.once('synced', (_dpid, result) => resolve(result)));
  await host.restartVswitchd();
  expect(await restored).toEqual({ ...unchanged, added: 2, groups: { ...unchanged.groups, added: 2 } });
  await expectSwitchHolds(GROUPS_TEXT, FLOWS, FLOWS_TEXT);
});

describe('what the switch refuses changes nothing', () => {
  const before = async () => {
    await sync.setFlows(DPID, FLOWS, GROUPS);
    return { groups: await dumpGroups(host), flows: await dumpFlows(host) };
  };

  test('a refused group: the group changes and flows in the same sync are not applied, the error names the group', async () => {
    const was = await before();
    // OVS allows one bucket in an indirect group.
    const bad: Group = { groupId: 3, groupType: 'indirect', buckets: [{ actions: [output(1)] }, { actions: [output(2)] }] };
    const groups = [{ ...GROUPS[0], buckets: [{ actions: [output(3)] }] }, GROUPS[1], bad];
    const err = (await sync.setFlows(DPID, [...FLOWS, toGroup('10.0.0.3', 3)], groups).catch((e: unknown) => e)) as GroupsRejectedError;
    expect(err).toBeInstanceOf(GroupsRejectedError);
    expect(err.rejected.map((r) => [r.index, r.groupId, r.error.errorName])).toEqual([[2, 3, 'OFPGMFC_INVALID_GROUP']]);
    expect(err.message).toBe('dpid:0000000000006a0b: groups refused, nothing applied: groups[2] (group_id=3 type=indirect): OFPGMFC_INVALID_GROUP');
    expect({ groups: await dumpGroups(host), flows: await dumpFlows(host) }).toEqual(was);
    expect(sync.status(DPID)).toMatchObject({ groups: 3, lastError: err });
    // Not retried by the periodic check; the next good state goes in.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect({ groups: await dumpGroups(host), flows: await dumpFlows(host) }).toEqual(was);
    expect(await sync.setFlows(DPID, FLOWS, GROUPS)).toEqual(unchanged);
  });

  test('a refused flow: the group changes of the same sync are not applied either', async () => {
    const was = await before();
    const groups = [GROUPS[0], { ...GROUPS[1], buckets: [{ weight: 1, actions: [output(1)] }] }, { groupId: 4, groupType: 'all' as const, buckets: [] }];
    const backwards: Flow = { tableId: 5, priority: 1, instructions: [{ type: 'goto_table', tableId: 2 }] };
    const err = (await sync.setFlows(DPID, [...FLOWS, backwards], groups).catch((e: unknown) => e)) as FlowsRejectedError;
    expect(err).toBeInstanceOf(FlowsRejectedError);
    expect(err.rejected.map((r) => [r.index, r.error.errorName])).toEqual([[2, 'OFPBIC_BAD_TABLE_ID']]);
    expect({ groups: await dumpGroups(host), flows: await dumpFlows(host) }).toEqual(was);
  });
});

test('a set using a group it does not hold is refused before anything is sent', async () => {
  await sync.setFlows(DPID, FLOWS, GROUPS);
  const set = () => sync.setFlows(DPID, [...FLOWS, toGroup('10.0.0.9', 9)], GROUPS);
  expect(set).toThrow(InvalidGroupsError);
  expect(set).toThrow(/^flows\[2\]: group:9 is not a desired group \(desired group ids: 1, 2\) \(nothing was applied\)$/);
  expect(() => sync.setFlows(DPID, FLOWS, [GROUPS[0], GROUPS[1], GROUPS[0]])).toThrow(/^groups\[2\]\.groupId: 1 is also groups\[0\]'s/);
  expect(await dumpGroups(host)).toEqual(GROUPS_TEXT);
});

test('a group OVS keeps in another form than sent is not rewritten at every sync and check', async () => {
  // eth_dst as Nicira's NXM_OF_ETH_DST: OVS holds it as the OXM field and reports that.
  const nxm: Group = { groupId: 7, groupType: 'all', buckets: [{ actions: [{ type: 'set_field', raw: { oxmClass: 0x0000, field: 1, value: Buffer.from('020000000007', 'hex') } }, output(1)] }] };
  expect(await sync.setFlows(DPID, [], [nxm])).toMatchObject({ groups: { added: 1, modified: 0 } });
  expect(await dumpGroups(host)).toEqual(['group_id=7,type=all,bucket=actions=set_field:02:00:00:00:00:07->eth_dst,output:1']);
  const synced = jest.fn();
  sync.on('synced', synced);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  sync.off('synced', synced);
  expect(synced).not.toHaveBeenCalled();
  expect(await sync.setFlows(DPID, [], [nxm])).toMatchObject({ groups: { added: 0, modified: 0, deleted: 0 } });
});

test('one FlowSync per switch source owns the groups; the others do not take groups', async () => {
  expect(() => new FlowSync(server, { owner: OWNER + 1, ownsGroups: true, log })).toThrow(InvalidOptionError);
  expect(() => new FlowSync(server, { owner: OWNER + 1, ownsGroups: true, log })).toThrow(/^ownsGroups: the FlowSync of owner 0x30 owns this switch source's groups already/);
  await using other = new FlowSync(server, { owner: OWNER + 1, log });
  expect(() => other.setFlows(DPID, [], [])).toThrow(/^groups: this FlowSync \(owner 0x31\) does not own the switches' groups; pass groups to the one created with ownsGroups: true/);
  // Its flows may use the owner's groups, and it leaves the groups alone.
  await sync.setFlows(DPID, FLOWS, GROUPS);
  expect(await other.setFlows(DPID, [toGroup('10.0.0.5', 2)])).toEqual({ added: 1, deleted: 0, flows: 1 });
  expect(await dumpGroups(host)).toEqual(GROUPS_TEXT);
  expect(other.status(DPID)).not.toHaveProperty('groups');
  expect(await other.setFlows(DPID, [])).toEqual({ added: 0, deleted: 1, flows: 0 });
});
