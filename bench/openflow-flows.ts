import { CtFlags, EthType, IpProto } from '../fabric/openflow/codec';
import type { Flow } from '../fabric/openflow/controller';

/**
 * The flows bench:openflow installs: a pipeline-shaped mix (classification with a register
 * load, conntrack commit, tunnel encapsulation, L2 forwarding) in four tables, each flow
 * distinct. Every flow comes as the object the controller takes and as the line
 * `ovs-ofctl add-flows` takes, so both tools install the same flows; the bench checks
 * that both flow tables dump identically.
 */

export interface BenchFlow {
  flow: Flow;
  /** `ovs-ofctl` syntax, without the cookie (the caller adds the controller's). */
  text: string;
}

const ip = (i: number, first: number) => `${first}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const mac = (i: number) => `02:00:${[24, 16, 8, 0].map((s) => ((i >> s) & 255).toString(16).padStart(2, '0')).join(':')}`;

export function benchFlow(i: number): BenchFlow {
  const port = 1 + (i % 32);
  switch (i % 4) {
    case 0:
      return {
        flow: { tableId: 0, priority: 100, match: { inPort: port, ethType: EthType.IPV4, ipv4Src: ip(i, 10) }, instructions: [{ type: 'apply_actions', actions: [{ type: 'set_field', field: 'reg0', value: i }] }, { type: 'goto_table', tableId: 10 }] },
        text: `table=0,priority=100,ip,in_port=${port},nw_src=${ip(i, 10)},actions=set_field:${i}->reg0,goto_table:10`,
      };
    case 1:
      return {
        flow: {
          tableId: 10,
          priority: 200,
          match: { ethType: EthType.IPV4, ipProto: IpProto.TCP, reg0: i, ipv4Dst: ip(i, 11), tcpDst: 1 + (i % 60000) },
          instructions: [{ type: 'apply_actions', actions: [{ type: 'ct', flags: CtFlags.COMMIT, zone: 5 }, { type: 'output', port }] }],
        },
        text: `table=10,priority=200,tcp,reg0=${i},nw_dst=${ip(i, 11)},tp_dst=${1 + (i % 60000)},actions=ct(commit,zone=5),output:${port}`,
      };
    case 2:
      return {
        flow: {
          tableId: 20,
          priority: 150,
          match: { ethType: EthType.IPV4, ipProto: IpProto.UDP, ipv4Dst: ip(i, 12), udpDst: 53 },
          instructions: [{ type: 'apply_actions', actions: [{ type: 'set_field', field: 'tunDst', value: ip(i, 192) }, { type: 'set_field', field: 'tunId', value: BigInt(i) }, { type: 'output', port: 100 }] }],
        },
        text: `table=20,priority=150,udp,nw_dst=${ip(i, 12)},udp_dst=53,actions=set_field:${ip(i, 192)}->tun_dst,set_field:${i}->tun_id,output:100`,
      };
    default:
      return {
        flow: { tableId: 30, priority: 50, match: { ethDst: mac(i) }, instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port }] }] },
        text: `table=30,priority=50,dl_dst=${mac(i)},actions=output:${port}`,
      };
  }
}

export function benchFlows(n: number): BenchFlow[] {
  return Array.from({ length: n }, (_, i) => benchFlow(i));
}
