import { EthType } from '../../openflow/codec';
import { Feature, flow, NetworkId, type HostPlan, type PipelineFlow } from '../../pipeline';

/**
 * L3Rewrite: a client sends to a VIP through its gateway (the VIP is off its subnet), so
 * after ServiceLB's DNAT the packet carries a pod's IP but still the gateway's MAC, which
 * L2Forwarding does not know. For every endpoint of a network with a gateway, here or
 * elsewhere, a packet to the gateway's MAC and that endpoint's IP leaves as if the
 * gateway had routed it: from the gateway's MAC to the endpoint's.
 *
 * Only in `networks` — those where some VIP is balanced on this host — and there for every
 * endpoint, not only today's backends: a connection a backend took before it left its
 * service keeps working.
 */
export function l3RewriteFlows(plan: HostPlan, networks: ReadonlySet<number>): PipelineFlow[] {
  return [...plan.local, ...plan.remote].flatMap((e) => {
    const gatewayMac = e.network.gatewayMac?.toLowerCase();
    if (gatewayMac === undefined || !networks.has(e.network.id)) return [];
    return [
      flow('L3Rewrite', 100)
        .match({ ethType: EthType.IPV4, ethDst: gatewayMac, ipv4Dst: e.ip })
        .matchReg(NetworkId, e.network.id)
        .setField({ field: 'ethSrc', value: gatewayMac })
        .setField({ field: 'ethDst', value: e.mac })
        .goto('L2Forwarding')
        .build(Feature.ServiceLB),
    ];
  });
}
