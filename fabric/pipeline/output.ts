import { Feature, flow, type PipelineFlow } from './flow';
import type { HostPlan } from './host-plan';
import { TargetOfport } from './registers';

/**
 * Output: sends the packet to TargetOfport. One flow per port (OpenFlow 1.3 cannot output
 * to a port held in a register); a packet without a target is dropped.
 */
export function outputFlows(plan: HostPlan): PipelineFlow[] {
  const ports = [...plan.local.map((e) => e.ofport), plan.host.tunnelOfport];
  return [
    ...ports.map((port) => flow('Output', 200).matchReg(TargetOfport, port).output(port).build(Feature.Overlay)),
    flow('Output', 0).build(Feature.Overlay),
  ];
}
