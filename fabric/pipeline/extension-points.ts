import { Feature, flow, type PipelineFlow } from './flow';

/**
 * The tables later features fill, passing every packet on for now. Each pass-through
 * flow is owned by the feature that will replace it (see Feature):
 *
 * - ServiceLB: service VIP → backend (conntrack + DNAT), before egress rules see the
 *   packet, so those rules apply to the backend's address.
 * - EgressSecurity: security groups on packets leaving a pod here (per-network conntrack
 *   zone; the zone can be the NetworkId).
 * - IngressSecurity: security groups on packets entering a pod here, from a pod or the
 *   tunnel; TargetOfport already says which pod.
 */
export function extensionPointFlows(): PipelineFlow[] {
  return [
    flow('ServiceLB', 0).goto('EgressSecurity').build(Feature.ServiceLB),
    flow('EgressSecurity', 0).goto('L2Forwarding').build(Feature.EgressSecurity),
    flow('IngressSecurity', 0).goto('Output').build(Feature.IngressSecurity),
  ];
}
