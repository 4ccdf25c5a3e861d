import fs from 'node:fs';
import { encodeOperations } from '../../../fabric/ovsdb/operations';
import { Replica } from '../../../fabric/ovsdb/replica';
import { parseSchema } from '../../../fabric/ovsdb/schema';
import type { TableUpdates2 } from '../../../fabric/ovsdb/table-updates';
import { Transaction } from '../../../fabric/ovsdb/transaction';
import { planBridge } from '../../../fabric/ovsdb/vswitch/bridge-plan';
import { planControllers } from '../../../fabric/ovsdb/vswitch/controller-plan';
import { planHwOffload } from '../../../fabric/ovsdb/vswitch/other-config-plan';
import { flowBasedVxlanPort, planPort, planPortRemoval } from '../../../fabric/ovsdb/vswitch/port-plan';
import { VSWITCH_TABLES, VswitchConfigError } from '../../../fabric/ovsdb/vswitch/vswitch-tables';
import { VSWITCH_SCHEMA } from '../../harness/ovs-host';

/** The plans are pure: a replica in, operations out. These compare the operations as sent. */
const schema = parseSchema(JSON.parse(fs.readFileSync(VSWITCH_SCHEMA, 'utf8')));

const ROOT = '00000000-0000-4000-8000-00000000000a';
const BR = '00000000-0000-4000-8000-0000000000b1';
const BR_PORT = '00000000-0000-4000-8000-0000000000b2';
const BR_IFACE = '00000000-0000-4000-8000-0000000000b3';
const CTL = '00000000-0000-4000-8000-0000000000c1';
const OTHER_BR = '00000000-0000-4000-8000-0000000000d1';
const TAKEN_PORT = '00000000-0000-4000-8000-0000000000d2';
const uuid = (u: string) => ['uuid', u];

function replicaWith(updates: TableUpdates2 = {}): Replica {
  const replica = new Replica(schema, new Map(Object.entries(VSWITCH_TABLES)));
  replica.applyUpdates2({ Open_vSwitch: { [ROOT]: { initial: { other_config: ['map', [['hw-offload', 'false']]] } } }, ...updates });
  return replica;
}

/** br-int as ensureBridge leaves it, with one controller. */
const BR_INT: TableUpdates2 = {
  Bridge: {
    [BR]: { initial: { name: 'br-int', datapath_type: 'netdev', fail_mode: 'secure', protocols: 'OpenFlow13', ports: uuid(BR_PORT), controller: uuid(CTL), external_ids: ['map', [['owner', 'loom']]] } },
    [OTHER_BR]: { initial: { name: 'br-phy', ports: uuid(TAKEN_PORT) } },
  },
  Port: { [BR_PORT]: { initial: { name: 'br-int', interfaces: uuid(BR_IFACE) } }, [TAKEN_PORT]: { initial: { name: 'eth0' } } },
  Interface: { [BR_IFACE]: { initial: { name: 'br-int', type: 'internal', ofport: 65534 } } },
  Controller: { [CTL]: { initial: { target: 'tcp:127.0.0.1:6653' } } },
};

function plan(replica: Replica, build: (txn: Transaction) => void): unknown[] {
  const txn = new Transaction(replica);
  build(txn);
  return encodeOperations(schema, txn.operations);
}

describe('planBridge', () => {
  it('creates a bridge with its local internal port, and links it from the root row under a verify', () => {
    expect(plan(replicaWith(), (txn) => planBridge(txn, txn.replica, { name: 'br-int', datapathType: 'netdev', externalIds: { owner: 'loom' } }))).toEqual([
      { op: 'wait', table: 'Open_vSwitch', where: [['_uuid', '==', uuid(ROOT)]], columns: ['bridges'], until: '==', rows: [{ bridges: ['set', []] }], timeout: 0 },
      { op: 'insert', table: 'Interface', row: { name: 'br-int', type: 'internal' }, 'uuid-name': 'row1' },
      { op: 'insert', table: 'Port', row: { name: 'br-int', interfaces: ['set', [['named-uuid', 'row1']]] }, 'uuid-name': 'row2' },
      {
        op: 'insert',
        table: 'Bridge',
        row: {
          name: 'br-int',
          datapath_type: 'netdev',
          fail_mode: ['set', ['secure']],
          protocols: ['set', ['OpenFlow13']],
          ports: ['set', [['named-uuid', 'row2']]],
          other_config: ['map', []],
          external_ids: ['map', [['owner', 'loom']]],
        },
        'uuid-name': 'row3',
      },
      { op: 'mutate', table: 'Open_vSwitch', where: [['_uuid', '==', uuid(ROOT)]], mutations: [['bridges', 'insert', ['set', [['named-uuid', 'row3']]]]] },
    ]);
  });

  it('changes only what differs on an existing bridge, and leaves other external_ids keys alone', () => {
    expect(plan(replicaWith(BR_INT), (txn) => planBridge(txn, txn.replica, { name: 'br-int', datapathType: 'netdev', failMode: 'standalone', externalIds: { zone: 'a' } }))).toEqual([
      { op: 'update', table: 'Bridge', where: [['_uuid', '==', uuid(BR)]], row: { fail_mode: ['set', ['standalone']] } },
      { op: 'mutate', table: 'Bridge', where: [['_uuid', '==', uuid(BR)]], mutations: [['external_ids', 'insert', ['map', [['zone', 'a']]]]] },
    ]);
  });

  it('adds nothing when the bridge already matches', () => {
    expect(plan(replicaWith(BR_INT), (txn) => planBridge(txn, txn.replica, { name: 'br-int', datapathType: 'netdev', externalIds: { owner: 'loom' } }))).toEqual([]);
  });
});

describe('planPort', () => {
  it('adds a flow-based VXLAN port to the bridge under a verify of its ports', () => {
    expect(plan(replicaWith(BR_INT), (txn) => planPort(txn, txn.replica, flowBasedVxlanPort('br-int')))).toEqual([
      { op: 'wait', table: 'Bridge', where: [['_uuid', '==', uuid(BR)]], columns: ['ports'], until: '==', rows: [{ ports: ['set', [uuid(BR_PORT)]] }], timeout: 0 },
      { op: 'insert', table: 'Interface', row: { name: 'vxlan0', type: 'vxlan', options: ['map', [['remote_ip', 'flow'], ['key', 'flow']]], external_ids: ['map', []] }, 'uuid-name': 'row1' },
      { op: 'insert', table: 'Port', row: { name: 'vxlan0', interfaces: ['set', [['named-uuid', 'row1']]] }, 'uuid-name': 'row2' },
      { op: 'mutate', table: 'Bridge', where: [['_uuid', '==', uuid(BR)]], mutations: [['ports', 'insert', ['set', [['named-uuid', 'row2']]]]] },
    ]);
  });

  it('refuses a port that exists on another bridge, and a bridge that does not exist', () => {
    const replica = replicaWith(BR_INT);
    expect(() => plan(replica, (txn) => planPort(txn, replica, { bridge: 'br-int', name: 'eth0' }))).toThrow(new VswitchConfigError('port eth0 already exists on bridge br-phy, not br-int'));
    expect(() => plan(replica, (txn) => planPort(txn, replica, { bridge: 'br-ex', name: 'eth1' }))).toThrow('port eth1: bridge br-ex does not exist');
  });

  it('removes a port by dropping it from its bridge', () => {
    expect(plan(replicaWith(BR_INT), (txn) => planPortRemoval(txn, txn.replica, 'eth0'))).toEqual([
      { op: 'mutate', table: 'Bridge', where: [['_uuid', '==', uuid(OTHER_BR)]], mutations: [['ports', 'delete', ['set', [uuid(TAKEN_PORT)]]]] },
    ]);
  });
});

describe('planControllers', () => {
  it('keeps the Controller row of a target that stays and inserts the new one', () => {
    expect(plan(replicaWith(BR_INT), (txn) => planControllers(txn, txn.replica, { bridge: 'br-int', targets: ['tcp:127.0.0.1:6653', 'unix:/run/loom/of.sock'] }))).toEqual([
      { op: 'wait', table: 'Bridge', where: [['_uuid', '==', uuid(BR)]], columns: ['controller'], until: '==', rows: [{ controller: ['set', [uuid(CTL)]] }], timeout: 0 },
      { op: 'insert', table: 'Controller', row: { target: 'unix:/run/loom/of.sock' }, 'uuid-name': 'row1' },
      { op: 'update', table: 'Bridge', where: [['_uuid', '==', uuid(BR)]], row: { controller: ['set', [uuid(CTL), ['named-uuid', 'row1']]], fail_mode: ['set', ['secure']] } },
    ]);
  });

  it('adds nothing when the targets and fail mode already hold', () => {
    expect(plan(replicaWith(BR_INT), (txn) => planControllers(txn, txn.replica, { bridge: 'br-int', targets: ['tcp:127.0.0.1:6653'] }))).toEqual([]);
  });
});

describe('planHwOffload', () => {
  it('replaces the key (an insert alone would keep the old value), or adds nothing when it holds', () => {
    expect(plan(replicaWith(), (txn) => planHwOffload(txn, txn.replica, true))).toEqual([
      {
        op: 'mutate',
        table: 'Open_vSwitch',
        where: [['_uuid', '==', uuid(ROOT)]],
        mutations: [
          ['other_config', 'delete', ['set', ['hw-offload']]],
          ['other_config', 'insert', ['map', [['hw-offload', 'true']]]],
        ],
      },
    ]);
    expect(plan(replicaWith(), (txn) => planHwOffload(txn, txn.replica, false))).toEqual([]);
  });
});
