import { Capabilities, CtFlags, FlowModFlags, Port, PortConfig, PortFeatures, PortState, type OfpMessage, type PortDesc } from '../../../../fabric/openflow/codec';
import { apply, bucket, output, PACKET } from './expected-helpers';

/**
 * What each step of the ovs-vswitchd session must decode to (barrier replies aside).
 * Durations are whatever the switch measured when the fixture was recorded.
 */

const duration = expect.any(Number) as number;
const empty = Buffer.alloc(0);

const port = (portNo: number, name: string, hwAddr: string): PortDesc => ({
  portNo,
  hwAddr,
  name,
  config: PortConfig.PORT_DOWN,
  state: PortState.LINK_DOWN,
  curr: PortFeatures.RATE_10GB_FD | PortFeatures.COPPER,
  advertised: 0,
  supported: 0,
  peer: 0,
  currSpeed: 10_000_000,
  maxSpeed: 0,
});

const flowStats = {
  durationSec: duration,
  durationNsec: duration,
  idleTimeout: 0,
  hardTimeout: 0,
  flags: 0,
};

export const EXPECTED_VSWITCHD: Record<string, OfpMessage[]> = {
  hello: [{ type: 'hello', xid: 1, version: 4, versions: [4] }],
  features: [
    {
      type: 'features_reply',
      xid: 2,
      datapathId: 0xabcn,
      nBuffers: 0,
      nTables: 254,
      auxiliaryId: 0,
      capabilities: Capabilities.FLOW_STATS | Capabilities.TABLE_STATS | Capabilities.PORT_STATS | Capabilities.GROUP_STATS | Capabilities.QUEUE_STATS,
    },
  ],
  'get-config': [{ type: 'get_config_reply', xid: 3, flags: 0, missSendLen: 0 }],
  'set-config': [{ type: 'get_config_reply', xid: 5, flags: 0, missSendLen: 128 }],
  'role-master': [{ type: 'role_reply', xid: 6, role: 'master', generationId: 1n }],
  'role-nochange': [{ type: 'role_reply', xid: 7, role: 'master', generationId: 1n }],
  'role-stale': [
    { type: 'error', xid: 8, errorType: 11, code: 0, name: 'OFPRRFC_STALE', data: Buffer.from('041800180000000800000003000000000000000000000000', 'hex') },
  ],
  'get-async': [{ type: 'get_async_reply', xid: 9, packetInMask: [3, 0], portStatusMask: [7, 7], flowRemovedMask: [15, 0] }],
  'set-async': [{ type: 'get_async_reply', xid: 11, packetInMask: [3, 0], portStatusMask: [7, 7], flowRemovedMask: [15, 0] }],
  echo: [{ type: 'echo_reply', xid: 12, data: Buffer.from('loom-codec') }],
  install: [],
  'packet-in': [
    {
      type: 'packet_in',
      xid: 0,
      bufferId: 0xffffffff,
      totalLen: 34,
      reason: 1,
      tableId: 1,
      cookie: 0xabcn,
      match: { inPort: Port.CONTROLLER, tunId: 0x64n, reg0: 5 },
      data: PACKET,
    },
  ],
  'multipart-desc': [
    {
      type: 'multipart_reply',
      xid: 40,
      flags: 0,
      body: { kind: 'desc', mfrDesc: 'Nicira, Inc.', hwDesc: 'Open vSwitch', swDesc: '3.1.0', serialNum: 'None', dpDesc: 'None' },
    },
  ],
  'multipart-flow': [
    {
      type: 'multipart_reply',
      xid: 40,
      flags: 0,
      body: {
        kind: 'flow',
        flows: [
          {
            ...flowStats,
            tableId: 0,
            priority: 100,
            cookie: 0n,
            packetCount: 1n,
            byteCount: 34n,
            match: { ethType: 0x0800 },
            instructions: [
              apply({ type: 'reg_load', dst: { field: 'reg0', ofs: 0, nbits: 32 }, value: 5n }, { type: 'set_field', field: 'tunId', value: 0x64n }),
              { type: 'goto_table', tableId: 1 },
            ],
          },
          { ...flowStats, tableId: 1, priority: 100, cookie: 0xabcn, packetCount: 1n, byteCount: 34n, match: { ethType: 0x0800 }, instructions: [apply(output(Port.CONTROLLER, 128))] },
          {
            ...flowStats,
            tableId: 2,
            priority: 5,
            idleTimeout: 60,
            flags: FlowModFlags.SEND_FLOW_REM,
            cookie: 0x77n,
            packetCount: 0n,
            byteCount: 0n,
            match: { ethType: 0x0800, ipv4Dst: '10.9.9.9' },
            instructions: [],
          },
        ],
      },
    },
  ],
  'multipart-aggregate': [{ type: 'multipart_reply', xid: 40, flags: 0, body: { kind: 'aggregate', packetCount: 2n, byteCount: 68n, flowCount: 3 } }],
  'multipart-table': [
    {
      type: 'multipart_reply',
      xid: 40,
      flags: 0,
      body: {
        kind: 'table',
        tables: Array.from({ length: 254 }, (_, tableId) => ({
          tableId,
          activeCount: tableId <= 2 ? 1 : 0,
          lookupCount: tableId <= 1 ? 1n : 0n,
          matchedCount: tableId <= 1 ? 1n : 0n,
        })),
      },
    },
  ],
  'multipart-port-stats': [
    {
      type: 'multipart_reply',
      xid: 40,
      flags: 0,
      body: {
        kind: 'port_stats',
        ports: [
          {
            portNo: 1,
            rxPackets: 0n,
            txPackets: 0n,
            rxBytes: 0n,
            txBytes: 0n,
            rxDropped: 0n,
            txDropped: 0n,
            rxErrors: 0n,
            txErrors: 0n,
            rxFrameErr: 0n,
            rxOverErr: 0n,
            rxCrcErr: 0n,
            collisions: 0n,
            durationSec: duration,
            durationNsec: duration,
          },
        ],
      },
    },
  ],
  'multipart-group-desc': [
    {
      type: 'multipart_reply',
      xid: 40,
      flags: 0,
      body: {
        kind: 'group_desc',
        groups: [
          {
            groupType: 'select',
            groupId: 2,
            buckets: [bucket([output(1)], { weight: 10 }), bucket([{ type: 'ct', flags: CtFlags.COMMIT, zone: 0, recircTable: 5, alg: 0, actions: [] }], { weight: 20 })],
          },
          { groupType: 'fast_failover', groupId: 4, buckets: [bucket([output(1)], { watchPort: 1 }), bucket([{ type: 'group', groupId: 2 }], { watchGroup: 2 })] },
        ],
      },
    },
  ],
  'multipart-port-desc': [
    {
      type: 'multipart_reply',
      xid: 40,
      flags: 0,
      body: { kind: 'port_desc', ports: [port(1, 'loomcodec-p1', '02:00:00:00:00:01'), port(Port.LOCAL, 'loomcodec-br', '02:00:00:00:00:fe')] },
    },
  ],
  'flow-removed': [
    {
      type: 'flow_removed',
      xid: 0,
      cookie: 0x77n,
      priority: 5,
      reason: 2,
      tableId: 2,
      durationSec: duration,
      durationNsec: duration,
      idleTimeout: 60,
      hardTimeout: 0,
      packetCount: 0n,
      byteCount: 0n,
      match: { ethType: 0x0800, ipv4Dst: '10.9.9.9' },
    },
  ],
  'port-status': [{ type: 'port_status', xid: 0, reason: 0, port: port(2, 'loomcodec-p2', '02:00:00:00:00:02') }],
  'error-bad-type': [{ type: 'error', xid: 60, errorType: 1, code: 1, name: 'OFPBRC_BAD_TYPE', data: Buffer.from('041e00080000003c', 'hex') }],
  'error-bad-prereq': [{ type: 'error', xid: 61, errorType: 4, code: 9, name: 'OFPBMC_BAD_PREREQ', data: expect.any(Buffer) as Buffer }],
  'error-bad-table-id': [{ type: 'error', xid: 62, errorType: 3, code: 2, name: 'OFPBIC_BAD_TABLE_ID', data: expect.any(Buffer) as Buffer }],
  'error-nx-conjunction': [
    { type: 'error', xid: 63, errorType: 0xffff, code: 15, experimenter: 0x2320, name: 'NXBAC_BAD_CONJUNCTION', data: expect.any(Buffer) as Buffer },
  ],
  'error-bundle-bad-id': [
    {
      type: 'error',
      xid: 64,
      errorType: 0xffff,
      code: 2302,
      experimenter: 0x4f4e4600,
      name: 'OFPBFC_BAD_ID',
      data: Buffer.from('04040018000000404f4e4600000008fc0000006300040001', 'hex'),
    },
  ],
  'bundle-commit': [
    { type: 'bundle_control', xid: 70, bundleId: 7, controlType: 'open_reply', flags: 0, properties: empty },
    { type: 'bundle_control', xid: 72, bundleId: 7, controlType: 'close_reply', flags: 0, properties: empty },
    { type: 'bundle_control', xid: 73, bundleId: 7, controlType: 'commit_reply', flags: 0, properties: empty },
  ],
  'bundle-discard': [
    { type: 'bundle_control', xid: 80, bundleId: 8, controlType: 'open_reply', flags: 0, properties: empty },
    { type: 'bundle_control', xid: 81, bundleId: 8, controlType: 'discard_reply', flags: 0, properties: empty },
  ],
};
