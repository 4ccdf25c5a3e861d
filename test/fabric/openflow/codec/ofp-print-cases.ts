import {
  BundleFlags,
  ConfigFlags,
  ControllerMaxLen,
  CtFlags,
  CtState,
  errorCode,
  FlowModFlags,
  FlowRemovedReason,
  Group,
  IpFrag,
  MultipartFlags,
  NatFlags,
  PacketInReason,
  Port,
  PortConfig,
  PortFeatures,
  PortReason,
  PortState,
  VlanVid,
  type OfpMessageInput,
} from '../../../../fabric/openflow/codec';
import { PACKET } from './expected-helpers';

/**
 * Messages ovs-ofctl cannot be made to send (switch-side messages, roles, async config,
 * bundle close/discard, every action and field combination) encoded by us, with the text
 * OVS's own decoder (`ovs-ofctl ofp-print`) prints for the bytes. The texts were read
 * against the values by hand; the test re-runs ofp-print on every encoding.
 */
export interface OfpPrintCase {
  name: string;
  value: OfpMessageInput;
  ofpPrint: string;
}

const port = {
  portNo: 7,
  hwAddr: '02:00:00:00:00:07',
  name: 'veth-pod7',
  config: PortConfig.NO_PACKET_IN,
  state: PortState.LIVE,
  curr: PortFeatures.RATE_10GB_FD | PortFeatures.FIBER,
  advertised: 0,
  supported: PortFeatures.RATE_10GB_FD | PortFeatures.RATE_1GB_FD,
  peer: 0,
  currSpeed: 10_000_000,
  maxSpeed: 10_000_000,
};

export const OFP_PRINT_CASES: OfpPrintCase[] = [
  { name: 'hello with a version bitmap', value: { type: 'hello', xid: 1, versions: [1, 4, 6] }, ofpPrint: `OFPT_HELLO (OF1.3) (xid=0x1):
 version bitmap: 0x01, 0x04, 0x06` },
  { name: 'hello without elements', value: { type: 'hello', xid: 2 }, ofpPrint: `OFPT_HELLO (OF1.3) (xid=0x2):
 version bitmap: 0x01, 0x02, 0x03, 0x04` },
  {
    name: 'error by name, carrying the failed request',
    value: { type: 'error', xid: 9, ...errorCode('OFPFMFC_TABLE_FULL')!, data: Buffer.from('0414000800000009', 'hex') },
    ofpPrint: `OFPT_ERROR (OF1.3) (xid=0x9): OFPFMFC_TABLE_FULL
OFPT_BARRIER_REQUEST (OF1.3) (xid=0x9):`,
  },
  {
    name: 'bundle error (ONF experimenter)',
    value: { type: 'error', xid: 9, ...errorCode('OFPBFC_MSG_CONFLICT')!, data: Buffer.from('0414000800000009', 'hex') },
    ofpPrint: `OFPT_ERROR (OF1.3) (xid=0x9): OFPBFC_MSG_CONFLICT
OFPT_BARRIER_REQUEST (OF1.3) (xid=0x9):`,
  },
  { name: 'echo reply', value: { type: 'echo_reply', xid: 3, data: Buffer.from('ping') }, ofpPrint: `OFPT_ECHO_REPLY (OF1.3) (xid=0x3): 4 bytes of payload
00000000  70 69 6e 67                                     |ping            |` },
  { name: 'features request', value: { type: 'features_request', xid: 4 }, ofpPrint: 'OFPT_FEATURES_REQUEST (OF1.3) (xid=0x4):' },
  {
    name: 'features reply',
    value: { type: 'features_reply', xid: 4, datapathId: 0x0000aabbccddeeffn, nBuffers: 256, nTables: 254, auxiliaryId: 0, capabilities: 0x4f },
    ofpPrint: `OFPT_FEATURES_REPLY (OF1.3) (xid=0x4): dpid:0000aabbccddeeff
n_tables:254, n_buffers:256
capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS`,
  },
  { name: 'get config request', value: { type: 'get_config_request', xid: 5 }, ofpPrint: 'OFPT_GET_CONFIG_REQUEST (OF1.3) (xid=0x5):' },
  { name: 'set config', value: { type: 'set_config', xid: 5, flags: ConfigFlags.FRAG_REASM, missSendLen: 128 }, ofpPrint: 'OFPT_SET_CONFIG (OF1.3) (xid=0x5): frags=reassemble miss_send_len=128' },
  { name: 'barrier reply', value: { type: 'barrier_reply', xid: 6 }, ofpPrint: 'OFPT_BARRIER_REPLY (OF1.3) (xid=0x6):' },
  {
    name: 'packet in with pipeline metadata',
    value: {
      type: 'packet_in',
      xid: 0,
      reason: PacketInReason.NO_MATCH,
      tableId: 3,
      cookie: 0x1234n,
      match: {
        inPort: 5,
        tunId: 0x64n,
        tunSrc: '192.168.0.1',
        tunDst: '192.168.0.2',
        reg0: 1,
        reg7: 0xdeadbeef,
        pktMark: 9,
        ctState: CtState.trk | CtState.new,
        ctZone: 3,
        ctMark: 2,
        metadata: 0x77n,
      },
      data: PACKET,
    },
    ofpPrint: `OFPT_PACKET_IN (OF1.3) (xid=0x0): table_id=3 cookie=0x1234 total_len=34 pkt_mark=0x9,ct_state=new|trk,ct_zone=3,ct_mark=0x2,reg0=0x1,reg7=0xdeadbeef,tun_id=0x64,tun_src=192.168.0.1,tun_dst=192.168.0.2,metadata=0x77,in_port=5 (via no_match) data_len=34 (unbuffered)
icmp,vlan_tci=0x0000,dl_src=00:11:22:33:44:55,dl_dst=ff:ff:ff:ff:ff:ff,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,icmp_type=0,icmp_code=0`,
  },
  {
    name: 'flow removed',
    value: {
      type: 'flow_removed',
      xid: 0,
      cookie: 0xfeedn,
      priority: 300,
      reason: FlowRemovedReason.IDLE_TIMEOUT,
      tableId: 8,
      durationSec: 12,
      durationNsec: 500_000_000,
      idleTimeout: 10,
      hardTimeout: 0,
      packetCount: 42n,
      byteCount: 4200n,
      match: { ethType: 0x0800, ipv4Src: '10.1.0.0/16', ipProto: 17, udpDst: 4789 },
    },
    ofpPrint: 'OFPT_FLOW_REMOVED (OF1.3) (xid=0x0): priority=300,udp,nw_src=10.1.0.0/16,tp_dst=4789 reason=idle table_id=8 cookie:0xfeed duration12.500s idle10 pkts42 bytes4200',
  },
  { name: 'port status', value: { type: 'port_status', xid: 0, reason: PortReason.MODIFY, port }, ofpPrint: `OFPT_PORT_STATUS (OF1.3) (xid=0x0): MOD: 7(veth-pod7): addr:02:00:00:00:00:07
     config:     NO_PACKET_IN
     state:      LIVE
     current:    10GB-FD FIBER
     supported:  1GB-FD 10GB-FD
     speed: 10000 Mbps now, 10000 Mbps max` },
  {
    name: 'packet out of a buffered packet',
    value: { type: 'packet_out', xid: 11, bufferId: 42, inPort: 3, actions: [{ type: 'output', port: Port.FLOOD }] },
    ofpPrint: 'OFPT_PACKET_OUT (OF1.3) (xid=0xb): in_port=3 actions=FLOOD buffer=0x0000002a',
  },
  {
    name: 'flow mod: L2 and L3 fields, set_field and stack actions',
    value: {
      type: 'flow_mod',
      xid: 12,
      command: 'add',
      tableId: 20,
      priority: 1000,
      cookie: 0x10000000000002an,
      idleTimeout: 60,
      flags: FlowModFlags.SEND_FLOW_REM,
      match: {
        inPort: 3,
        ethSrc: 'aa:bb:cc:00:00:00/ff:ff:ff:00:00:00',
        ethDst: '02:00:00:00:00:01',
        ethType: 0x0800,
        vlanVid: VlanVid.PRESENT | 10,
        vlanPcp: 5,
        ipv4Src: '10.0.0.0/255.0.255.0',
        ipv4Dst: '10.2.3.4',
        ipFrag: { value: IpFrag.ANY, mask: IpFrag.ANY | IpFrag.LATER },
        ipProto: 6,
        tcpDst: { value: 0x0400, mask: 0xfc00 },
      },
      instructions: [
        {
          type: 'apply_actions',
          actions: [
            { type: 'pop_vlan' },
            { type: 'push_vlan' },
            { type: 'set_field', field: 'vlanVid', value: VlanVid.PRESENT | 20 },
            { type: 'set_field', field: 'ethDst', value: '02:00:00:00:00:02' },
            { type: 'set_field', field: 'ipv4Dst', value: '10.9.9.9' },
            { type: 'set_field', field: 'tcpDst', value: 8080 },
            { type: 'set_field', field: 'tunDst', value: '172.16.0.9' },
            { type: 'set_field', field: 'tunId', value: 5001n },
            { type: 'set_field', field: 'reg5', value: 0xffff },
            { type: 'set_field', field: 'pktMark', value: 3 },
            { type: 'dec_nw_ttl' },
            { type: 'output', port: Port.CONTROLLER, maxLen: ControllerMaxLen.MAX },
          ],
        },
        { type: 'write_metadata', metadata: 0x1n },
        { type: 'goto_table', tableId: 30 },
      ],
    },
    ofpPrint: 'OFPT_FLOW_MOD (OF1.3) (xid=0xc): ADD table:20 priority=1000,tcp,in_port=3,dl_vlan=10,dl_vlan_pcp=5,dl_src=aa:bb:cc:00:00:00/ff:ff:ff:00:00:00,dl_dst=02:00:00:00:00:01,nw_src=10.0.0.0/255.0.255.0,nw_dst=10.2.3.4,nw_frag=first,tp_dst=0x400/0xfc00 cookie:0x10000000000002a idle:60 send_flow_rem actions=pop_vlan,push_vlan:0x8100,set_field:4116->vlan_vid,set_field:02:00:00:00:00:02->eth_dst,set_field:10.9.9.9->ip_dst,set_field:8080->tcp_dst,set_field:172.16.0.9->tun_dst,set_field:0x1389->tun_id,set_field:0xffff->reg5,set_field:0x3->pkt_mark,dec_ttl,CONTROLLER:65509,write_metadata:0x1,goto_table:30',
  },
  {
    name: 'flow mod: IPv6 and ICMPv6 neighbor discovery',
    value: {
      type: 'flow_mod',
      xid: 13,
      command: 'add',
      match: {
        ethType: 0x86dd,
        ipv6Src: '2001:db8:0:1::/64',
        ipv6Dst: 'fd00::1/ffff:ffff:0:0:ffff::',
        ipv6Flabel: { value: 0x1, mask: 0xf },
        ipProto: 58,
        icmpv6Type: 136,
        ipv6NdTarget: '2001:db8::5',
        ipv6NdTll: '02:00:00:00:00:05',
      },
      instructions: [{ type: 'apply_actions', actions: [{ type: 'set_field', field: 'ipv6Dst', value: '2001:db8::9' }, { type: 'output', port: Port.NORMAL }] }],
    },
    ofpPrint: 'OFPT_FLOW_MOD (OF1.3) (xid=0xd): ADD icmp6,ipv6_src=2001:db8:0:1::/64,ipv6_dst=fd00::/ffff:ffff:0:0:ffff::,ipv6_label=0x00001/0x0000f,icmp_type=136,nd_target=2001:db8::5,nd_tll=02:00:00:00:00:05 actions=set_field:2001:db8::9->ipv6_dst,NORMAL',
  },
  {
    name: 'flow mod: ARP',
    value: {
      type: 'flow_mod',
      xid: 14,
      command: 'add',
      match: { ethType: 0x0806, arpOp: 2, arpSpa: '10.0.0.0/8', arpTha: 'ff:ff:ff:ff:ff:ff' },
      instructions: [{ type: 'apply_actions', actions: [{ type: 'set_field', field: 'arpTpa', value: '10.0.0.1' }, { type: 'output', port: Port.IN_PORT }] }],
    },
    ofpPrint: 'OFPT_FLOW_MOD (OF1.3) (xid=0xe): ADD arp,arp_spa=10.0.0.0/8,arp_op=2,arp_tha=ff:ff:ff:ff:ff:ff actions=set_field:10.0.0.1->arp_tpa,IN_PORT',
  },
  {
    name: 'flow mod: registers and conntrack with everything',
    value: {
      type: 'flow_mod',
      xid: 14,
      command: 'add',
      tableId: 1,
      match: { ethType: 0x0800, ipProto: 17, reg3: { value: 0x10, mask: 0xf0 }, ctState: { value: CtState.trk, mask: CtState.trk | CtState.inv }, ctMark: 7, ctLabel: 0x1234n },
      instructions: [
        {
          type: 'apply_actions',
          actions: [
            {
              type: 'ct',
              flags: CtFlags.COMMIT,
              zone: { field: 'reg3', ofs: 16, nbits: 16 },
              recircTable: 2,
              alg: 69,
              actions: [
                { type: 'set_field', field: 'ctMark', value: 0x5 },
                { type: 'set_field', field: 'ctLabel', value: 0xabcn },
                { type: 'nat', flags: NatFlags.DST, ipMin: '10.0.0.5' },
              ],
            },
            { type: 'resubmit', table: 4, ct: true },
            { type: 'reg_move', src: { field: 'reg0', ofs: 0, nbits: 16 }, dst: { field: 'reg1', ofs: 16, nbits: 16 } },
            { type: 'reg_load', dst: { field: 'reg2', ofs: 8, nbits: 8 }, value: 0xffn },
            { type: 'reg_load2', field: 'tunId', value: { value: 0x5n, mask: 0xffn } },
            { type: 'controller2', maxLen: 1500, controllerId: 7, reason: PacketInReason.ACTION, userdata: Buffer.from('loom'), meterId: 3 },
            { type: 'note', data: Buffer.from('hello') },
          ],
        },
      ],
    },
    ofpPrint: 'OFPT_FLOW_MOD (OF1.3) (xid=0xe): ADD table:1 ct_state=-inv+trk,ct_mark=0x7,ct_label=0x1234,udp,reg3=0x10/0xf0 actions=ct(commit,table=2,zone=NXM_NX_REG3[16..31],exec(set_field:0x5->ct_mark,set_field:0xabc->ct_label,nat(dst=10.0.0.5)),alg=tftp),resubmit(,4,ct),move:NXM_NX_REG0[0..15]->NXM_NX_REG1[16..31],load:0xff->NXM_NX_REG2[8..15],set_field:0x5/0xff->tun_id,controller(max_len=1500,id=7,userdata=6c.6f.6f.6d,meter_id=3),note:68.65.6c.6c.6f.00',
  },
  {
    name: 'flow mod: nat variants',
    value: {
      type: 'flow_mod',
      xid: 15,
      command: 'add',
      match: { ethType: 0x0800 },
      instructions: [
        {
          type: 'apply_actions',
          actions: [
            { type: 'ct', flags: CtFlags.COMMIT, actions: [{ type: 'nat', flags: NatFlags.SRC | NatFlags.PERSISTENT, ipMin: '192.168.0.1', ipMax: '192.168.0.9' }] },
            { type: 'ct', recircTable: 3, actions: [{ type: 'nat' }] },
          ],
        },
      ],
    },
    ofpPrint: 'OFPT_FLOW_MOD (OF1.3) (xid=0xf): ADD ip actions=ct(commit,nat(src=192.168.0.1-192.168.0.9,persistent)),ct(table=3,nat)',
  },
  {
    name: 'flow mod: IPv6 nat to one address and port',
    value: {
      type: 'flow_mod',
      xid: 15,
      command: 'add',
      match: { ethType: 0x86dd, ipProto: 6 },
      instructions: [
        { type: 'apply_actions', actions: [{ type: 'ct', flags: CtFlags.COMMIT, actions: [{ type: 'nat', flags: NatFlags.DST, ipMin: 'fd00::1', protoMin: 8080 }] }] },
      ],
    },
    ofpPrint: 'OFPT_FLOW_MOD (OF1.3) (xid=0xf): ADD tcp6 actions=ct(commit,nat(dst=[fd00::1]:8080))',
  },
  {
    name: 'flow mod: the widest conjunction',
    value: {
      type: 'flow_mod',
      xid: 15,
      command: 'add',
      match: { ethType: 0x0800, ipv4Src: '10.0.0.0/8' },
      instructions: [{ type: 'apply_actions', actions: [{ type: 'conjunction', id: 0xffffffff, clause: 64, nClauses: 64 }] }],
    },
    ofpPrint: 'OFPT_FLOW_MOD (OF1.3) (xid=0xf): ADD ip,nw_src=10.0.0.0/8 actions=conjunction(4294967295,64/64)',
  },
  {
    name: 'flow delete by cookie, out_port and out_group',
    value: { type: 'flow_mod', xid: 16, command: 'delete', tableId: 0xff, cookie: 0x5n, cookieMask: 0xffn, outPort: 7, outGroup: 9 },
    ofpPrint: 'OFPT_FLOW_MOD (OF1.3) (xid=0x10): DEL table:255 cookie:0x5/0xff out_port:7 actions=drop',
  },
  {
    name: 'group mod: select with weights and nested ct',
    value: {
      type: 'group_mod',
      xid: 17,
      command: 'add',
      groupType: 'select',
      groupId: 100,
      buckets: [
        { weight: 50, actions: [{ type: 'set_field', field: 'ipv4Dst', value: '10.0.0.11' }, { type: 'ct', flags: CtFlags.COMMIT, recircTable: 9 }] },
        { weight: 50, actions: [{ type: 'group', groupId: 101 }] },
      ],
    },
    ofpPrint: `OFPT_GROUP_MOD (OF1.3) (xid=0x11):
 ADD group_id=100,type=select,bucket=weight:50,actions=set_field:10.0.0.11->ip_dst,ct(commit,table=9),bucket=weight:50,actions=group:101`,
  },
  {
    name: 'multipart request: flows of one table, to a port, by cookie',
    value: { type: 'multipart_request', xid: 18, body: { kind: 'flow', tableId: 3, outPort: 2, cookie: 0x10n, cookieMask: 0xf0n, match: { ethType: 0x0800, ipv4Dst: '10.0.0.1' } } },
    ofpPrint: 'OFPST_FLOW request (OF1.3) (xid=0x12): table=3 out_port=2 ip,nw_dst=10.0.0.1',
  },
  { name: 'multipart request: aggregate of table 4', value: { type: 'multipart_request', xid: 19, body: { kind: 'aggregate', tableId: 4 } }, ofpPrint: 'OFPST_AGGREGATE request (OF1.3) (xid=0x13): table=4' },
  {
    name: 'multipart reply: desc',
    value: {
      type: 'multipart_reply',
      xid: 20,
      body: { kind: 'desc', mfrDesc: 'Loom', hwDesc: 'virtual', swDesc: '0.1.0', serialNum: 'S1', dpDesc: 'host-a br-int' },
    },
    ofpPrint: `OFPST_DESC reply (OF1.3) (xid=0x14):
Manufacturer: Loom
Hardware: virtual
Software: 0.1.0
Serial Num: S1
DP Description: host-a br-int`,
  },
  {
    name: 'multipart reply: flow stats, more to follow',
    value: {
      type: 'multipart_reply',
      xid: 21,
      flags: MultipartFlags.MORE,
      body: {
        kind: 'flow',
        flows: [
          {
            tableId: 3,
            durationSec: 5,
            durationNsec: 0,
            priority: 100,
            idleTimeout: 0,
            hardTimeout: 0,
            flags: 0,
            cookie: 0x1n,
            packetCount: 10n,
            byteCount: 1000n,
            match: { ethType: 0x0800, ipv4Dst: '10.0.0.0/24' },
            instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 1 }] }],
          },
        ],
      },
    },
    ofpPrint: `OFPST_FLOW reply (OF1.3) (xid=0x15): flags=[more]
 cookie=0x1, duration=5s, table=3, n_packets=10, n_bytes=1000, priority=100,ip,nw_dst=10.0.0.0/24 actions=output:1`,
  },
  {
    name: 'multipart reply: table stats',
    value: { type: 'multipart_reply', xid: 22, body: { kind: 'table', tables: [{ tableId: 0, activeCount: 4, lookupCount: 100n, matchedCount: 90n }] } },
    ofpPrint: `OFPST_TABLE reply (OF1.3) (xid=0x16):
  table 0:
    active=4, lookup=100, matched=90`,
  },
  {
    name: 'multipart reply: port stats',
    value: {
      type: 'multipart_reply',
      xid: 23,
      body: {
        kind: 'port_stats',
        ports: [
          {
            portNo: 1,
            rxPackets: 1n,
            txPackets: 2n,
            rxBytes: 3n,
            txBytes: 4n,
            rxDropped: 5n,
            txDropped: 6n,
            rxErrors: 7n,
            txErrors: 8n,
            rxFrameErr: 9n,
            rxOverErr: 10n,
            rxCrcErr: 11n,
            collisions: 12n,
            durationSec: 13,
            durationNsec: 0,
          },
        ],
      },
    },
    ofpPrint: `OFPST_PORT reply (OF1.3) (xid=0x17): 1 ports
  port  1: rx pkts=1, bytes=3, drop=5, errs=7, frame=9, over=10, crc=11
           tx pkts=2, bytes=4, drop=6, errs=8, coll=12
           duration=13s`,
  },
  {
    name: 'multipart reply: group desc',
    value: {
      type: 'multipart_reply',
      xid: 24,
      body: { kind: 'group_desc', groups: [{ groupType: 'indirect', groupId: 5, buckets: [{ actions: [{ type: 'output', port: 2 }] }] }] },
    },
    ofpPrint: `OFPST_GROUP_DESC reply (OF1.3) (xid=0x18):
 group_id=5,type=indirect,bucket=actions=output:2`,
  },
  { name: 'multipart reply: port desc', value: { type: 'multipart_reply', xid: 25, body: { kind: 'port_desc', ports: [port] } }, ofpPrint: `OFPST_PORT_DESC reply (OF1.3) (xid=0x19):
 7(veth-pod7): addr:02:00:00:00:00:07
     config:     NO_PACKET_IN
     state:      LIVE
     current:    10GB-FD FIBER
     supported:  1GB-FD 10GB-FD
     speed: 10000 Mbps now, 10000 Mbps max` },
  {
    name: 'multipart reply: aggregate',
    value: { type: 'multipart_reply', xid: 26, body: { kind: 'aggregate', packetCount: 5n, byteCount: 500n, flowCount: 2 } },
    ofpPrint: 'OFPST_AGGREGATE reply (OF1.3) (xid=0x1a): packet_count=5 byte_count=500 flow_count=2',
  },
  { name: 'role request: become master', value: { type: 'role_request', xid: 27, role: 'master', generationId: 12n }, ofpPrint: 'OFPT_ROLE_REQUEST (OF1.3) (xid=0x1b): role=primary generation_id=12' },
  { name: 'role request: equal', value: { type: 'role_request', xid: 28, role: 'equal', generationId: 0n }, ofpPrint: 'OFPT_ROLE_REQUEST (OF1.3) (xid=0x1c): role=equal generation_id=0' },
  { name: 'role reply: slave', value: { type: 'role_reply', xid: 29, role: 'slave', generationId: 13n }, ofpPrint: 'OFPT_ROLE_REPLY (OF1.3) (xid=0x1d): role=secondary generation_id=13' },
  { name: 'get async request', value: { type: 'get_async_request', xid: 30 }, ofpPrint: 'OFPT_GET_ASYNC_REQUEST (OF1.3) (xid=0x1e):' },
  {
    name: 'set async',
    value: { type: 'set_async', xid: 31, packetInMask: [0b011, 0b001], portStatusMask: [0b111, 0], flowRemovedMask: [0b1111, 0b0100] },
    ofpPrint: `OFPT_SET_ASYNC (OF1.3) (xid=0x1f):
 primary:
       PACKET_IN: no_match action
     PORT_STATUS: add delete modify
    FLOW_REMOVED: idle hard delete group_delete
     ROLE_STATUS: (off)
    TABLE_STATUS: (off)
  REQUESTFORWARD: (off)

 secondary:
       PACKET_IN: no_match
     PORT_STATUS: (off)
    FLOW_REMOVED: delete
     ROLE_STATUS: (off)
    TABLE_STATUS: (off)
  REQUESTFORWARD: (off)`,
  },
  { name: 'bundle open', value: { type: 'bundle_control', xid: 32, bundleId: 1, controlType: 'open_request', flags: BundleFlags.ATOMIC | BundleFlags.ORDERED }, ofpPrint: `ONFT_BUNDLE_CONTROL (OF1.3) (xid=0x20):
 bundle_id=0x1 type=OPEN_REQUEST flags=atomic ordered` },
  {
    name: 'bundle add of a flow mod',
    value: {
      type: 'bundle_add_message',
      xid: 33,
      bundleId: 1,
      flags: BundleFlags.ATOMIC | BundleFlags.ORDERED,
      message: { type: 'flow_mod', xid: 33, command: 'delete', tableId: 5, match: { reg1: 4 }, outGroup: Group.ANY },
    },
    ofpPrint: `ONFT_BUNDLE_ADD_MESSAGE (OF1.3) (xid=0x21):
 bundle_id=0x1 flags=atomic ordered
OFPT_FLOW_MOD (OF1.3) (xid=0x21): DEL table:5 reg1=0x4 actions=drop`,
  },
  { name: 'bundle close', value: { type: 'bundle_control', xid: 34, bundleId: 1, controlType: 'close_request', flags: BundleFlags.ATOMIC }, ofpPrint: `ONFT_BUNDLE_CONTROL (OF1.3) (xid=0x22):
 bundle_id=0x1 type=CLOSE_REQUEST flags=atomic` },
  { name: 'bundle commit', value: { type: 'bundle_control', xid: 35, bundleId: 1, controlType: 'commit_request', flags: BundleFlags.ATOMIC }, ofpPrint: `ONFT_BUNDLE_CONTROL (OF1.3) (xid=0x23):
 bundle_id=0x1 type=COMMIT_REQUEST flags=atomic` },
  { name: 'bundle discard', value: { type: 'bundle_control', xid: 36, bundleId: 2, controlType: 'discard_request' }, ofpPrint: `ONFT_BUNDLE_CONTROL (OF1.3) (xid=0x24):
 bundle_id=0x2 type=DISCARD_REQUEST flags=0` },
];
