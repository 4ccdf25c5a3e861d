import { CtFlags, CtState, FlowModFlags, Group, IpFrag, NatFlags, Port, Table, TunFlags, VlanVid, type OfpMessage } from '../../../../fabric/openflow/codec';
import { apply, bucket, flowMod, output, PACKET } from './expected-helpers';

/**
 * What each ovs-ofctl fixture must decode to (its HELLO and BARRIER aside), written from
 * the flow text and checked against OVS's ofp-print text stored next to the bytes.
 */
export const EXPECTED_OFCTL: Record<string, OfpMessage[]> = {
  'flow-ct-commit': [
    flowMod({
      tableId: 3,
      priority: 100,
      match: { ethType: 0x0800, ipv4Dst: '10.0.0.0/24' },
      instructions: [apply({ type: 'ct', flags: CtFlags.COMMIT, zone: 5, recircTable: 10, alg: 0, actions: [] })],
    }),
  ],
  'flow-eth': [
    flowMod({
      match: { inPort: 1, ethSrc: '00:11:22:33:44:55', ethDst: '01:00:00:00:00:00/01:00:00:00:00:00' },
      instructions: [apply(output(2))],
    }),
  ],
  'flow-vlan': [
    flowMod({ priority: 200, match: { vlanVid: VlanVid.PRESENT | 100, vlanPcp: 3 }, instructions: [apply({ type: 'pop_vlan' }, output(3))] }),
  ],
  'flow-vlan-none': [
    flowMod({
      match: { inPort: Port.LOCAL, vlanVid: { value: VlanVid.NONE, mask: VlanVid.PRESENT } },
      instructions: [apply({ type: 'push_vlan', ethertype: 0x8100 }, { type: 'set_field', field: 'vlanVid', value: VlanVid.PRESENT | 100 }, output(1))],
    }),
  ],
  'flow-tcp': [
    flowMod({
      match: { ethType: 0x0800, ipv4Src: '192.168.1.0/24', ipv4Dst: '10.1.2.3', ipProto: 6, tcpSrc: 1234, tcpDst: 80, tcpFlags: { value: 0x02, mask: 0x12 } },
      instructions: [apply(output(Port.CONTROLLER, 128))],
    }),
  ],
  'flow-udp6': [
    flowMod({
      match: { ethType: 0x86dd, ipv6Src: '2001:db8::/32', ipv6Dst: 'fe80::1', ipProto: 17, udpSrc: 53, udpDst: 5353 },
      instructions: [apply(output(Port.IN_PORT))],
    }),
  ],
  'flow-icmp': [
    flowMod({
      match: { ethType: 0x0800, ipProto: 1, icmpv4Type: 8, icmpv4Code: 0 },
      instructions: [apply(output(Port.LOCAL), output(Port.CONTROLLER, 0xffff))],
    }),
  ],
  'flow-sctp': [flowMod({ match: { ethType: 0x0800, ipProto: 132, sctpSrc: 1, sctpDst: { value: 0x1000, mask: 0xf000 } } })],
  'flow-arp-responder': [
    flowMod({
      match: { ethType: 0x0806, arpOp: 1, arpSpa: '10.0.0.1', arpTpa: '10.0.0.0/8', arpSha: 'aa:bb:cc:dd:ee:ff', arpTha: '00:00:00:00:00:00' },
      instructions: [
        apply(
          { type: 'reg_move', src: { field: 'ethSrc', ofs: 0, nbits: 48 }, dst: { field: 'ethDst', ofs: 0, nbits: 48 } },
          { type: 'set_field', field: 'ethSrc', value: 'aa:bb:cc:dd:ee:ff' },
          { type: 'reg_load', dst: { field: 'arpOp', ofs: 0, nbits: 16 }, value: 2n },
          { type: 'reg_move', src: { field: 'arpSha', ofs: 0, nbits: 48 }, dst: { field: 'arpTha', ofs: 0, nbits: 48 } },
          { type: 'reg_load', dst: { field: 'arpSha', ofs: 0, nbits: 48 }, value: 0xaabbccddeeffn },
          output(Port.IN_PORT),
        ),
      ],
    }),
  ],
  'flow-tunnel': [
    flowMod({
      match: { tunId: { value: 0x64n, mask: 0xfffn }, tunSrc: '192.168.0.1', tunDst: '192.168.0.10' },
      instructions: [apply({ type: 'set_field', field: 'tunId', value: 0x1234n }, { type: 'set_field', field: 'tunDst', value: '172.16.0.2' }, output(10))],
    }),
  ],
  'flow-registers': [
    flowMod({
      tableId: 1,
      match: { reg0: { value: 5, mask: 0xff }, reg1: 7, reg15: { value: 0x80000000, mask: 0x80000000 }, metadata: { value: 5n, mask: 0xffn } },
      instructions: [
        { type: 'write_metadata', metadata: 0x10n, mask: 0xffn },
        { type: 'goto_table', tableId: 20 },
      ],
    }),
  ],
  'flow-ct-state': [
    flowMod({
      tableId: 2,
      match: {
        ethType: 0x0800,
        pktMark: 0x42,
        ctState: { value: CtState.trk | CtState.est, mask: CtState.trk | CtState.est | CtState.new },
        ctZone: 5,
        ctMark: { value: 1, mask: 0xf },
      },
      instructions: [
        apply({ type: 'set_field', field: 'reg3', value: 7 }, { type: 'reg_load', dst: { field: 'reg4', ofs: 0, nbits: 4 }, value: 3n }),
        { type: 'write_actions', actions: [output(4)] },
        { type: 'goto_table', tableId: 30 },
      ],
    }),
  ],
  'flow-ct-nat-src': [
    flowMod({
      tableId: 4,
      match: { ethType: 0x0800, ipProto: 6 },
      instructions: [
        apply({
          type: 'ct',
          flags: CtFlags.COMMIT,
          zone: { field: 'reg6', ofs: 0, nbits: 16 },
          recircTable: 20,
          alg: 21,
          actions: [
            { type: 'set_field', field: 'ctMark', value: 1 },
            { type: 'nat', flags: NatFlags.SRC | NatFlags.PROTO_RANDOM, ipMin: '10.0.0.1', ipMax: '10.0.0.10', protoMin: 1000, protoMax: 2000 },
          ],
        }),
      ],
    }),
  ],
  'flow-ct-nat-ipv6': [
    flowMod({
      tableId: 4,
      match: { ethType: 0x86dd },
      instructions: [
        apply({
          type: 'ct',
          flags: CtFlags.COMMIT | CtFlags.FORCE,
          zone: 0,
          alg: 0,
          actions: [{ type: 'nat', flags: NatFlags.DST | NatFlags.PERSISTENT | NatFlags.PROTO_HASH, ipMin: '2001:db8::1', ipMax: '2001:db8::5', protoMin: 80 }],
        }),
      ],
    }),
  ],
  'flow-ct-nat-recirc': [
    flowMod({
      tableId: 4,
      match: { ethType: 0x0800, ctState: { value: 0, mask: CtState.trk } },
      instructions: [apply({ type: 'ct', flags: 0, zone: 7, recircTable: 5, alg: 0, actions: [{ type: 'nat', flags: 0 }] })],
    }),
  ],
  'flow-ct-label': [
    flowMod({
      tableId: 10,
      match: { ethType: 0x0800 },
      instructions: [
        apply({
          type: 'ct',
          flags: CtFlags.COMMIT,
          zone: 0,
          alg: 0,
          actions: [
            { type: 'reg_load', dst: { field: 'ctLabel', ofs: 0, nbits: 1 }, value: 1n },
            { type: 'set_field', field: 'ctMark', value: 5 },
          ],
        }),
      ],
    }),
  ],
  'flow-ct-tuple': [
    flowMod({
      tableId: 11,
      match: {
        ethType: 0x0800,
        ctState: { value: CtState.trk | CtState.new, mask: CtState.trk | CtState.new },
        ctNwSrc: '1.1.1.1',
        ctNwDst: '2.2.2.0/24',
        ctNwProto: 6,
        ctTpSrc: 10,
        ctTpDst: 20,
      },
    }),
  ],
  'flow-ct-tuple-ipv6': [
    flowMod({
      tableId: 11,
      match: {
        ethType: 0x86dd,
        ctState: { value: CtState.trk | CtState.new, mask: CtState.trk | CtState.new },
        ctIpv6Src: '::1',
        ctIpv6Dst: '2001:db8::/64',
        ctNwProto: 17,
        ctTpDst: 53,
      },
    }),
  ],
  'flow-conjunction': [
    flowMod({
      tableId: 6,
      match: { ethType: 0x0800, ipv4Src: '10.0.0.1' },
      instructions: [apply({ type: 'conjunction', id: 10, clause: 1, nClauses: 2 }, { type: 'conjunction', id: 11, clause: 2, nClauses: 3 })],
    }),
  ],
  'flow-conj-id': [flowMod({ tableId: 6, match: { conjId: 10, ethType: 0x0800 }, instructions: [apply(output(5))] })],
  'flow-resubmit-note-group': [
    flowMod({
      tableId: 7,
      match: { inPort: 5 },
      instructions: [
        apply(
          { type: 'resubmit', inPort: Port.IN_PORT, table: 10 },
          { type: 'resubmit', inPort: 3 },
          { type: 'resubmit', inPort: 2, table: 4 },
          { type: 'note', data: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 0]) },
          { type: 'group', groupId: 7 },
        ),
      ],
    }),
  ],
  'flow-cookie-timeouts-flags': [
    flowMod({
      cookie: 0x123456789abcdef0n,
      tableId: 8,
      idleTimeout: 30,
      hardTimeout: 300,
      priority: 7,
      flags: FlowModFlags.SEND_FLOW_REM | FlowModFlags.CHECK_OVERLAP | FlowModFlags.RESET_COUNTS | FlowModFlags.NO_PKT_COUNTS | FlowModFlags.NO_BYT_COUNTS,
      instructions: [{ type: 'clear_actions' }, { type: 'goto_table', tableId: 9 }],
    }),
  ],
  'flow-ttl-controller-partial-load': [
    flowMod({
      tableId: 9,
      match: { ethType: 0x0800 },
      instructions: [
        apply(
          { type: 'dec_nw_ttl' },
          { type: 'ct_clear' },
          { type: 'controller', maxLen: 200, controllerId: 5, reason: 0 },
          { type: 'controller2', userdata: Buffer.from([1, 2, 3]), pause: true },
          { type: 'reg_load', dst: { field: 'metadata', ofs: 0, nbits: 8 }, value: 5n },
          { type: 'reg_load', dst: { field: 'ethDst', ofs: 0, nbits: 8 }, value: 1n },
        ),
      ],
    }),
  ],
  'flow-reg-load2': [
    flowMod({
      tableId: 10,
      instructions: [apply({ type: 'reg_load2', raw: { oxmClass: 1, field: 40, value: Buffer.from([0x12, 0x34]), mask: Buffer.from([0xff, 0xff]) } }, output(1))],
    }),
  ],
  'flow-unmodeled-nx-actions': [
    flowMod({
      tableId: 12,
      instructions: [
        apply(
          {
            type: 'experimenter',
            experimenter: 0x2320,
            data: Buffer.from('0010003c00008000000000000000000000000d0000000000003000000406000000000206000010100000000200000000', 'hex'),
          },
          { type: 'experimenter', experimenter: 0x2320, data: Buffer.from('000a00000032000000000001000000000000000100010004', 'hex') },
        ),
      ],
    }),
  ],
  'flow-ip-fields': [
    flowMod({
      tableId: 11,
      match: {
        dpHash: { value: 3, mask: 0xf },
        recircId: 5,
        ethType: 0x0800,
        ipFrag: IpFrag.ANY,
        ipDscp: 10,
        ipEcn: 1,
        ipTtl: 5,
        tunFlags: { value: TunFlags.OAM, mask: TunFlags.OAM },
        ctState: { value: CtState.trk, mask: CtState.trk },
        ctLabel: { value: 1n, mask: 1n },
      },
    }),
  ],
  'flow-ipv6-nd': [
    flowMod({
      tableId: 11,
      match: {
        ethType: 0x86dd,
        ipv6Flabel: 0x12345,
        ipProto: 58,
        icmpv6Type: 135,
        icmpv6Code: 0,
        ipv6NdTarget: 'fe80::2',
        ipv6NdSll: '00:00:00:00:00:01',
        tunIpv6Src: 'fe80::1',
      },
    }),
  ],
  'flow-mpls': [
    flowMod({
      match: { ethType: 0x8847, mplsTc: 2, mplsBos: 1, mplsLabel: 5 },
      instructions: [
        apply(
          { type: 'set_mpls_ttl', ttl: 5 },
          { type: 'dec_mpls_ttl' },
          { type: 'pop_mpls', ethertype: 0x0800 },
          { type: 'set_queue', queueId: 3 },
          { type: 'set_nw_ttl', ttl: 9 },
          { type: 'dec_ttl_cnt_ids', controllerIds: [1, 2] },
        ),
      ],
    }),
  ],
  'flow-push-mpls': [flowMod({ match: { ethType: 0x0800 }, instructions: [apply({ type: 'push_mpls', ethertype: 0x8847 })] })],
  'flow-modify': [flowMod({ command: 'modify', tableId: 3, match: { ethType: 0x0800, ipv4Dst: '10.0.0.0/24' } })],
  'flow-modify-strict': [
    flowMod({ command: 'modify_strict', tableId: 3, priority: 100, match: { ethType: 0x0800, ipv4Dst: '10.0.0.0/24' }, instructions: [apply(output(4))] }),
  ],
  'flow-delete': [flowMod({ command: 'delete', tableId: 5, cookie: 0x10n, cookieMask: 0xffn, outPort: 3 })],
  'flow-delete-strict': [flowMod({ command: 'delete_strict', tableId: 3, priority: 100, match: { ethType: 0x0800, ipv4Dst: '10.0.0.0/24' } })],
  'flow-delete-all': [flowMod({ command: 'delete', tableId: Table.ALL })],
  'bundle-add-flows': [
    { type: 'bundle_control', xid: 4, bundleId: 0, controlType: 'open_request', flags: 3, properties: Buffer.alloc(0) },
    {
      type: 'bundle_add_message',
      xid: 2,
      bundleId: 0,
      flags: 3,
      message: flowMod({ priority: 10, match: { inPort: 1 }, instructions: [apply({ type: 'resubmit', inPort: Port.IN_PORT, table: 5 })] }),
      properties: Buffer.alloc(0),
    },
    { type: 'bundle_add_message', xid: 3, bundleId: 0, flags: 3, message: flowMod({ xid: 3, tableId: 5, priority: 0 }), properties: Buffer.alloc(0) },
    { type: 'bundle_control', xid: 6, bundleId: 0, controlType: 'commit_request', flags: 3, properties: Buffer.alloc(0) },
  ],
  'group-all': [{ type: 'group_mod', xid: 2, command: 'add', groupType: 'all', groupId: 1, buckets: [bucket([output(1)]), bucket([output(2)])] }],
  'group-select': [
    {
      type: 'group_mod',
      xid: 2,
      command: 'add',
      groupType: 'select',
      groupId: 2,
      buckets: [bucket([output(1)], { weight: 10 }), bucket([{ type: 'set_field', field: 'ipv4Dst', value: '10.0.0.1' }, output(2)], { weight: 20 })],
    },
  ],
  'group-indirect': [
    {
      type: 'group_mod',
      xid: 2,
      command: 'add',
      groupType: 'indirect',
      groupId: 3,
      buckets: [bucket([{ type: 'ct', flags: CtFlags.COMMIT, zone: 0, recircTable: 5, alg: 0, actions: [] }, output(3)])],
    },
  ],
  'group-fast-failover': [
    {
      type: 'group_mod',
      xid: 2,
      command: 'add',
      groupType: 'fast_failover',
      groupId: 4,
      buckets: [bucket([output(1)], { watchPort: 1 }), bucket([output(2)], { watchPort: 2, watchGroup: 9 })],
    },
  ],
  'group-modify': [{ type: 'group_mod', xid: 2, command: 'modify', groupType: 'all', groupId: 1, buckets: [bucket([output(3)])] }],
  'group-delete': [{ type: 'group_mod', xid: 2, command: 'delete', groupType: 'all', groupId: 1, buckets: [] }],
  'group-delete-all': [{ type: 'group_mod', xid: 2, command: 'delete', groupType: 'all', groupId: Group.ALL, buckets: [] }],
  'packet-out': [
    {
      type: 'packet_out',
      xid: 2,
      bufferId: 0xffffffff,
      inPort: 1,
      actions: [output(2), { type: 'set_field', field: 'reg0', value: 5 }, { type: 'resubmit', inPort: Port.IN_PORT, table: 3 }],
      data: PACKET,
    },
  ],
  'packet-out-controller': [{ type: 'packet_out', xid: 2, bufferId: 0xffffffff, inPort: Port.CONTROLLER, actions: [output(Port.IN_PORT)], data: PACKET }],
  'multipart-desc': [{ type: 'multipart_request', xid: 2, flags: 0, body: { kind: 'desc' } }],
  'multipart-table': [{ type: 'multipart_request', xid: 2, flags: 0, body: { kind: 'table' } }],
  'multipart-port-stats': [{ type: 'multipart_request', xid: 2, flags: 0, body: { kind: 'port_stats', portNo: 1 } }],
  'multipart-port-stats-all': [{ type: 'multipart_request', xid: 2, flags: 0, body: { kind: 'port_stats', portNo: Port.ANY } }],
  'multipart-group-desc': [{ type: 'multipart_request', xid: 2, flags: 0, body: { kind: 'group_desc' } }],
  'multipart-port-desc': [{ type: 'multipart_request', xid: 2, flags: 0, body: { kind: 'port_desc' } }],
  'multipart-aggregate': [
    {
      type: 'multipart_request',
      xid: 2,
      flags: 0,
      body: { kind: 'aggregate', tableId: Table.ALL, outPort: Port.ANY, outGroup: Group.ANY, cookie: 0n, cookieMask: 0n, match: {} },
    },
  ],
  'multipart-flow': [
    {
      type: 'multipart_request',
      xid: 2,
      flags: 0,
      body: { kind: 'flow', tableId: 3, outPort: Port.ANY, outGroup: Group.ANY, cookie: 5n, cookieMask: 0xffffffffffffffffn, match: { ethType: 0x0800, reg0: 5 } },
    },
  ],
  'multipart-flow-all': [
    {
      type: 'multipart_request',
      xid: 2,
      flags: 0,
      body: { kind: 'flow', tableId: Table.ALL, outPort: Port.ANY, outGroup: Group.ANY, cookie: 0n, cookieMask: 0n, match: {} },
    },
  ],
  'get-config': [{ type: 'get_config_request', xid: 2 }],
  'set-config': [
    { type: 'get_config_request', xid: 2 },
    { type: 'set_config', xid: 3, flags: 1, missSendLen: 0xffff },
    { type: 'get_config_request', xid: 5 },
  ],
  echo: [{ type: 'echo_request', xid: 0, data: Buffer.alloc(0) }],
};
