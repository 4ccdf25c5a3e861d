import { CtFlags, CtState, EthType } from '../openflow/codec';
import { Feature, flow, type PipelineFlow } from './flow';
import { NetworkId, PacketSource, Source } from './registers';
import { tableId } from './tables';

/**
 * The connection tracker's three stages. Each network is its own conntrack zone (its
 * NetworkId), because networks may reuse addresses: 10.1.0.5 in one network and in
 * another are two different peers.
 *
 * - Conntrack: every IPv4 packet is tracked with `nat`, which translates packets of
 *   connections already committed with NAT (a service connection's later packets to the
 *   VIP, and the backend's replies, back to the VIP) and only tracks the rest.
 * - ConntrackState: invalid packets are dropped; the tunnel's skip what the sending host
 *   did (service LB, egress rules).
 * - ConntrackCommit: a new connection that got through every rule is committed, so its
 *   replies are `+est` (security groups let those through without a reverse rule).
 */
export function conntrackFlows(): PipelineFlow[] {
  const zone = { field: NetworkId.reg, ofs: NetworkId.ofs, nbits: NetworkId.nbits } as const;
  const tracked = (state: number, mask: number) => ({ ctState: { value: state, mask } });
  return [
    flow('Conntrack', 100)
      .match({ ethType: EthType.IPV4 })
      .apply({ type: 'ct', zone, recircTable: tableId('ConntrackState'), actions: [{ type: 'nat' }] })
      .build(Feature.Conntrack),
    flow('Conntrack', 0).goto('ConntrackState').build(Feature.Conntrack),

    flow('ConntrackState', 200).match(tracked(CtState.trk | CtState.inv, CtState.trk | CtState.inv)).build(Feature.Conntrack),
    flow('ConntrackState', 100).matchReg(PacketSource, Source.Tunnel).goto('L2Forwarding').build(Feature.Conntrack),
    flow('ConntrackState', 0).goto('ServiceLB').build(Feature.Conntrack),

    flow('ConntrackCommit', 100)
      .match({ ethType: EthType.IPV4, ...tracked(CtState.trk | CtState.new, CtState.trk | CtState.new) })
      .apply({ type: 'ct', flags: CtFlags.COMMIT, zone })
      .goto('Output')
      .build(Feature.Conntrack),
    flow('ConntrackCommit', 0).goto('Output').build(Feature.Conntrack),
  ];
}
