import { Feature, flow, type PipelineFlow } from './flow';

/**
 * The tables other features fill (fabric/compiler), each passing every packet on at
 * priority 0. Each pass-through flow is owned by the feature that adds flows above it
 * (see Feature):
 *
 * - ServiceLB: a new connection to a service VIP → a backend (select group, conntrack
 *   DNAT), before egress rules see the packet, so those rules apply to the backend's
 *   address. Packets of established service connections were translated by Conntrack.
 * - EgressSecurity: security groups on packets leaving a pod here.
 * - L3Rewrite: a translated packet still carries the gateway's MAC; the service LB
 *   rewrites it to the backend's, so L2Forwarding can deliver it.
 * - IngressSecurity: security groups on packets entering a pod here, from a pod or the
 *   tunnel; TargetOfport already says which pod.
 */
export function extensionPointFlows(): PipelineFlow[] {
  return [
    flow('ServiceLB', 0).goto('EgressSecurity').build(Feature.ServiceLB),
    flow('EgressSecurity', 0).goto('L3Rewrite').build(Feature.EgressSecurity),
    flow('L3Rewrite', 0).goto('L2Forwarding').build(Feature.ServiceLB),
    flow('IngressSecurity', 0).goto('ConntrackCommit').build(Feature.IngressSecurity),
  ];
}
