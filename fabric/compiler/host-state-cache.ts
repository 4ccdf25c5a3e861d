import type { ReportedHost } from '../../src/model/host';
import type { Mesh } from '../../src/model/mesh';
import { hostFlows, hostViewFromMesh, type HostView, type PipelineFlow } from '../pipeline';
import { combined, type HostState } from './host-state';
import { securityGroupFlows, type SecurityGroupFlows } from './security-groups';
import { serviceLbFlows, type ServiceLbFlows } from './service-lb';

/** What the last compute of one host was made from, and made. */
interface Computed {
  hosts: readonly ReportedHost[];
  mesh: Mesh;
  view: HostView;
  overlay: PipelineFlow[];
  lb: ServiceLbFlows;
  security: SecurityGroupFlows;
  state: HostState;
}

/** The mesh collections each part is made from, besides the host reports (all of them read the host's view). */
const VIEW = ['networks', 'endpoints'] as const;
const SERVICE_LB = [...VIEW, 'services'] as const;
const SECURITY_GROUPS = [...SERVICE_LB, 'securityGroups'] as const;

/**
 * `hostState` for the controller, which computes every host again whenever anything
 * changes. Per host, each part — the view and overlay, service LB, security groups — is
 * computed again only when a mesh collection or the host reports it is made from are not
 * the same objects as at that host's last compute; otherwise it is handed back as the same
 * objects, which the flow sync does not encode again. A security-group change thus costs
 * the security-group flows alone, and a Route change nothing.
 *
 * Identity stands for content because a mesh is never changed in place: applyResources
 * and deleteResource make a new mesh that keeps every collection they do not touch, and
 * host reports come as a new list only when one changed. A collection made anew with the
 * same content (another instance's commit, read from the shared store) only costs a
 * compute. Results equal hostState's, which the tests check.
 */
export class HostStateCache {
  private readonly last = new Map<string, Computed>();

  hostState(mesh: Mesh, hosts: readonly ReportedHost[], hostName: string): HostState | undefined {
    const before = this.last.get(hostName);
    // A compute that throws leaves nothing to reuse.
    this.last.delete(hostName);
    const same = (collections: readonly (keyof Mesh)[]) => before?.hosts === hosts && collections.every((c) => before.mesh[c] === mesh[c]);
    const base = before && same(VIEW) ? before : overlayOf(mesh, hosts, hostName);
    if (!base) return undefined;
    const { view, overlay } = base;
    const lb = before && same(SERVICE_LB) ? before.lb : serviceLbFlows(mesh, view);
    const security = before && same(SECURITY_GROUPS) ? before.security : securityGroupFlows(mesh, view, before?.security);
    const state = before?.overlay === overlay && before.lb === lb && before.security === security ? before.state : combined(overlay, lb, security);
    this.last.set(hostName, { hosts, mesh, view, overlay, lb, security, state });
    return state;
  }

  /** Forgets hosts other than `names` (gone from the cluster). */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.last.keys()) if (!names.has(name)) this.last.delete(name);
  }
}

function overlayOf(mesh: Mesh, hosts: readonly ReportedHost[], hostName: string): Pick<Computed, 'view' | 'overlay'> | undefined {
  const view = hostViewFromMesh(mesh, hosts, hostName);
  return view && { view, overlay: hostFlows(view) };
}
