import { oncePerObject } from '../memo';
import type { Endpoint } from './endpoint';
import type { Mesh } from './mesh';
import { selects, TENANT_LABEL, type Peer, type SgExport } from './security-group';

/**
 * Who security groups are about, resolved against the endpoints of a mesh: the members of
 * each group, the endpoints a peer stands for, tenants, and what an export exposes. Pure;
 * each group resolved at most once. Endpoints come sorted by name.
 */
export interface SecurityGroupIndex {
  /** The members of group `name`: its selector's endpoints, its services' backends, its groups' members. Empty for an unknown group. */
  members(group: string): readonly Endpoint[];
  /** The endpoints a peer stands for; none for a CIDR peer (it stands for addresses). */
  peerEndpoints(peer: Peer): readonly Endpoint[];
  /** What export `exp` of group `group` exposes: the selected endpoints that are members of the group. */
  exported(group: string, exp: SgExport): readonly Endpoint[];
  /** Tenant name → its endpoints, tenants sorted by name. */
  readonly tenants: ReadonlyMap<string, readonly Endpoint[]>;
}

/**
 * The index of `mesh`, built once per mesh object (a mesh is never changed once built):
 * the controller compiles every host from one mesh, and resolving selectors over every
 * endpoint is most of what a group costs.
 */
export const indexSecurityGroups: (mesh: Mesh) => SecurityGroupIndex = oncePerObject(buildIndex);

function buildIndex(mesh: Mesh): SecurityGroupIndex {
  const endpoints = Object.values(mesh.endpoints).sort((a, b) => compare(a.name, b.name));
  const resolved = new Map<string, readonly Endpoint[]>();

  const backends = groupBy(endpoints, (ep) => ep.service);
  // Many rules name the same selector; each is matched against every endpoint once.
  const selected = new Map<string, readonly Endpoint[]>();
  const bySelector = (selector: Readonly<Record<string, string>>): readonly Endpoint[] => {
    const key = JSON.stringify(Object.entries(selector).sort(([a], [b]) => compare(a, b)));
    let eps = selected.get(key);
    if (!eps) {
      eps = endpoints.filter((ep) => selects(selector, ep.labels));
      selected.set(key, eps);
    }
    return eps;
  };
  const byService = (service: string): readonly Endpoint[] => backends.get(service) ?? [];

  const members = (name: string, visiting: ReadonlySet<string> = new Set()): readonly Endpoint[] => {
    const known = resolved.get(name);
    if (known) return known;
    const group = mesh.securityGroups[name];
    // A cycle is refused when the mesh is checked; stopping here keeps resolution total anyway.
    if (!group || visiting.has(name)) return [];
    const inner = new Set([...visiting, name]);
    const names = new Set<string>();
    if (group.members.selector) bySelector(group.members.selector).forEach((ep) => names.add(ep.name));
    for (const s of group.members.services ?? []) byService(s).forEach((ep) => names.add(ep.name));
    for (const g of group.members.groups ?? []) members(g, inner).forEach((ep) => names.add(ep.name));
    const result = endpoints.filter((ep) => names.has(ep.name));
    resolved.set(name, result);
    return result;
  };

  const tenants = groupBy(endpoints, (ep) => ep.labels?.[TENANT_LABEL]);

  return {
    members: (group) => members(group),
    peerEndpoints(peer) {
      if (peer.group !== undefined) return members(peer.group);
      if (peer.service !== undefined) return byService(peer.service);
      if (peer.selector !== undefined) return bySelector(peer.selector);
      return [];
    },
    exported(group, exp) {
      const selected = new Set((exp.service !== undefined ? byService(exp.service) : bySelector(exp.selector ?? {})).map((ep) => ep.name));
      return members(group).filter((ep) => selected.has(ep.name));
    },
    tenants: new Map([...tenants].sort(([a], [b]) => compare(a, b))),
  };
}

function groupBy(endpoints: readonly Endpoint[], key: (ep: Endpoint) => string | undefined): Map<string, Endpoint[]> {
  const groups = new Map<string, Endpoint[]>();
  for (const ep of endpoints) {
    const k = key(ep);
    if (k === undefined) continue;
    const list = groups.get(k);
    if (list) list.push(ep);
    else groups.set(k, [ep]);
  }
  return groups;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
