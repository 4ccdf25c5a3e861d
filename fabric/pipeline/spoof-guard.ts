import { EthType } from '../openflow/codec';
import { Feature, flow, type PipelineFlow } from './flow';
import type { HostPlan } from './host-plan';

/**
 * SpoofGuard: a pod sends IPv4 only from its own MAC and IP, and ARP only claiming its
 * own MAC and IP (in the Ethernet header and in the ARP body). Everything else from a pod
 * — other sources, IPv6, other EtherTypes — is dropped.
 */
export function spoofGuardFlows(plan: HostPlan): PipelineFlow[] {
  const flows = plan.local.flatMap((e) => [
    flow('SpoofGuard', 200).match({ inPort: e.ofport, ethSrc: e.mac, ethType: EthType.IPV4, ipv4Src: e.ip }).goto('ArpResponder').build(Feature.Overlay),
    flow('SpoofGuard', 200).match({ inPort: e.ofport, ethSrc: e.mac, ethType: EthType.ARP, arpSpa: e.ip, arpSha: e.mac }).goto('ArpResponder').build(Feature.Overlay),
  ]);
  return [...flows, flow('SpoofGuard', 0).build(Feature.Overlay)];
}
