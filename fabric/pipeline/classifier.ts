import { Feature, flow, type PipelineFlow } from './flow';
import type { HostPlan } from './host-plan';
import { NetworkId, PacketSource, Source } from './registers';

/**
 * Classifier: which network a packet belongs to, and whether it came from a pod here or
 * from the tunnel. A pod's port belongs to exactly one network; tunnel traffic is
 * accepted only with the VNI of a network that has endpoints here. Anything else (the
 * bridge's own port, unknown ports and VNIs) is dropped.
 */
export function classifierFlows(plan: HostPlan): PipelineFlow[] {
  const fromPods = plan.local.map((e) =>
    flow('Classifier', 200)
      .match({ inPort: e.ofport })
      .loadReg(NetworkId, e.network.id)
      .loadReg(PacketSource, Source.LocalPod)
      .goto('SpoofGuard')
      .build(Feature.Overlay),
  );
  const fromTunnel = plan.networks.map((n) =>
    flow('Classifier', 200)
      .match({ inPort: plan.host.tunnelOfport, tunId: BigInt(n.vni) })
      .loadReg(NetworkId, n.id)
      .loadReg(PacketSource, Source.Tunnel)
      .goto('Conntrack')
      .build(Feature.Overlay),
  );
  return [...fromPods, ...fromTunnel, flow('Classifier', 0).build(Feature.Overlay)];
}
