/**
 * Service load balancing in the overlay: service VIPs → ServiceLB and L3Rewrite flows and
 * select groups for one host. Pure; see README.md.
 */

export { serviceLbFlows, type ServiceLbFlows } from './service-lb-flows';
export { affinitySlots, SLOTS_PER_BACKEND } from './affinity-slots';
export { groupIds, groupKey } from './group-ids';
export { l3RewriteFlows } from './l3-rewrite';
export { vipTargets, type Backend, type VipTarget } from './vip-targets';
