import { EthType, Port, whole } from '../openflow/codec';
import { Feature, flow, type PipelineFlow } from './flow';
import type { HostPlan } from './host-plan';
import { NetworkId } from './registers';
import { PACKET_IN_MAX_LEN } from './packet-in';

const ARP_REQUEST = 1;
const ARP_REPLY = 2;

/**
 * ArpResponder: ARP never crosses the overlay. A request for an IP the network knows (an
 * endpoint on any host, or the network's gateway) is answered here, out of the port it
 * came in on; one for an unknown IP goes to the controller; other ARP (replies nobody
 * asked for) is dropped. Only pods' ARP gets here: tunnel traffic skips this table.
 */
export function arpResponderFlows(plan: HostPlan): PipelineFlow[] {
  const known = [...plan.local, ...plan.remote].map((e) => answer(e.network.id, e.ip, e.mac));
  const gateways = plan.networks.flatMap((n) => (n.gatewayIp !== undefined && n.gatewayMac !== undefined ? [answer(n.id, n.gatewayIp, n.gatewayMac.toLowerCase())] : []));
  return [
    ...known,
    ...gateways,
    flow('ArpResponder', 100).match({ ethType: EthType.ARP, arpOp: ARP_REQUEST }).toController(PACKET_IN_MAX_LEN).build(Feature.Overlay),
    flow('ArpResponder', 90).match({ ethType: EthType.ARP }).build(Feature.Overlay),
    flow('ArpResponder', 0).goto('Conntrack').build(Feature.Overlay),
  ];
}

/**
 * The classic OVS ARP responder: turn the request into the reply in place — the
 * requester becomes the destination, `mac` the source and the sender — and send it back.
 */
function answer(networkId: number, ip: string, mac: string): PipelineFlow {
  return flow('ArpResponder', 200)
    .match({ ethType: EthType.ARP, arpOp: ARP_REQUEST, arpTpa: ip })
    .matchReg(NetworkId, networkId)
    .apply(
      { type: 'reg_move', src: whole('ethSrc'), dst: whole('ethDst') },
      { type: 'set_field', field: 'ethSrc', value: mac },
      { type: 'set_field', field: 'arpOp', value: ARP_REPLY },
      { type: 'reg_move', src: whole('arpSha'), dst: whole('arpTha') },
      { type: 'reg_move', src: whole('arpSpa'), dst: whole('arpTpa') },
      { type: 'set_field', field: 'arpSha', value: mac },
      { type: 'set_field', field: 'arpSpa', value: ip },
    )
    .output(Port.IN_PORT)
    .build(Feature.Overlay);
}
