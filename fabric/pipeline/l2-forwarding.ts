import { Feature, flow, type PipelineFlow } from './flow';
import type { HostPlan } from './host-plan';
import { PACKET_IN_MAX_LEN } from './packet-in';
import { NetworkId, PacketSource, Source, TargetOfport } from './registers';

/**
 * L2Forwarding: the destination MAC, looked up within the packet's network only — that
 * is the isolation between networks, whose CIDRs (and so IPs) may overlap.
 *
 * - An endpoint here: its port becomes TargetOfport, then IngressSecurity.
 * - An endpoint elsewhere, for packets from a pod here: the tunnel's destination is its
 *   host's underlay IP and the key its network's VNI, then past IngressSecurity (its own
 *   host applies ingress rules) to ConntrackCommit, so this host knows the replies. Packets from the tunnel never go back into it.
 * - Unknown destinations from a pod go to the controller; from the tunnel they are dropped
 *   (the sending host only tunnels to endpoints it knows to be here).
 */
export function l2ForwardingFlows(plan: HostPlan): PipelineFlow[] {
  const local = plan.local.map((e) =>
    flow('L2Forwarding', 200)
      .matchReg(NetworkId, e.network.id)
      .match({ ethDst: e.mac })
      .loadReg(TargetOfport, e.ofport)
      .goto('IngressSecurity')
      .build(Feature.Overlay),
  );
  const remote = plan.remote.map((e) =>
    flow('L2Forwarding', 200)
      .matchReg(NetworkId, e.network.id)
      .matchReg(PacketSource, Source.LocalPod)
      .match({ ethDst: e.mac })
      .setField({ field: 'tunDst', value: e.underlayIp })
      .setField({ field: 'tunId', value: BigInt(e.network.vni) })
      .loadReg(TargetOfport, plan.host.tunnelOfport)
      .goto('ConntrackCommit')
      .build(Feature.Overlay),
  );
  return [
    ...local,
    ...remote,
    flow('L2Forwarding', 1).matchReg(PacketSource, Source.LocalPod).toController(PACKET_IN_MAX_LEN).build(Feature.Overlay),
    flow('L2Forwarding', 0).build(Feature.Overlay),
  ];
}
