import type { ReportedHost } from '../../src/model/host';
import type { Mesh } from '../../src/model/mesh';
import { hostFlows, hostViewFromMesh, type PipelineFlow, type PipelineGroup } from '../pipeline';
import { securityGroupFlows, type CompiledRule, type SecurityGroupFlows } from './security-groups';
import { serviceLbFlows, type ServiceLbFlows } from './service-lb';

/** Everything one host's br-int should hold: what the controller's flow sync installs, in one bundle. */
export interface HostState {
  flows: PipelineFlow[];
  groups: PipelineGroup[];
  /** The security-group rules with flows here, by conjunction id: what flow counters and traces are read back as. */
  rules: CompiledRule[];
}

/**
 * One host's whole desired state from the model and the agents' reports: the overlay
 * pipeline (`hostFlows`) and every feature's flows above its pass-throughs. Undefined for
 * a host that has not reported its tunnel port yet (see hostViewFromMesh). Pure; throws
 * InvalidViewError when the model cannot be turned into flows for this host.
 */
export function hostState(mesh: Mesh, hosts: readonly ReportedHost[], hostName: string): HostState | undefined {
  const view = hostViewFromMesh(mesh, hosts, hostName);
  if (!view) return undefined;
  return combined(hostFlows(view), serviceLbFlows(mesh, view), securityGroupFlows(mesh, view));
}

export function combined(overlay: readonly PipelineFlow[], lb: ServiceLbFlows, security: SecurityGroupFlows): HostState {
  return { flows: [...overlay, ...lb.flows, ...security.flows], groups: lb.groups, rules: security.rules };
}
