import { hostState, HostStateCache, type HostState } from '../../../fabric/compiler';
import { formatFlows } from '../../../fabric/pipeline';
import { parseResourceDocuments } from '../../../src/model/documents';
import type { ReportedHost } from '../../../src/model/host';
import { applyResources, deleteResource, type Mesh } from '../../../src/model/mesh';
import { GOLDEN_MESH, HOSTS, meshOf, NETWORKS, pod } from './security-groups/meshes';

/**
 * The controller's HostStateCache against the pure hostState: equal after every kind of
 * change, computing again only what the change can reach, and handing the rest back as
 * the same objects (which the flow sync then does not encode again).
 */

const apply = (mesh: Mesh, yaml: string) => applyResources(mesh, parseResourceDocuments(yaml, 'change.yaml')).mesh;
const NAMES = HOSTS.map((h) => h.name);

interface Step {
  change: string;
  mesh: Mesh;
  hosts: readonly ReportedHost[];
}

/** One change of each kind the mesh and the host reports see, each from the one before. */
function steps(): Step[] {
  const out: Step[] = [{ change: 'the golden mesh', mesh: meshOf(...NETWORKS, GOLDEN_MESH), hosts: HOSTS }];
  const next = (change: string, edit: (s: Step) => Partial<Step>) => {
    const last = out.at(-1)!;
    out.push({ ...last, ...edit(last), change });
  };
  next('a security-group rule', (s) => ({ mesh: apply(s.mesh, GOLDEN_MESH.split('---\n').find((d) => d.includes('name: web\nmembers'))!.replace('[80, "8000-8080"]', '[81, "8000-8080"]')) }));
  // Its export now allows the new port too.
  next('a service’s VIP and port', (s) => ({ mesh: apply(s.mesh, 'kind: Service\nname: web\nports: [{port: 80, protocol: http}, {port: 443, protocol: tcp}]\nvip: 10.96.0.20\n') }));
  next('a pod on host B', (s) => ({ mesh: apply(s.mesh, pod('web-3', { ip: '10.0.0.7', host: 'host-b', labels: { app: 'web', tenant: 'shop' }, service: 'web', port: 8080 })) }));
  next('a route (no flows)', (s) => ({ mesh: apply(s.mesh, 'kind: Route\nname: web\nservice: web\n') }));
  next('a network’s gateway', (s) => ({ mesh: apply(s.mesh, 'kind: Network\nname: green\ncidr: 10.0.0.0/24\nvni: 5002\ngateway: 10.0.0.1\n') }));
  next('host C gone', (s) => ({ hosts: s.hosts.filter((h) => h.name !== 'host-c') }));
  next('host A’s tunnel port', (s) => ({ hosts: s.hosts.map((h) => (h.name === 'host-a' ? { ...h, tunnelOfport: 101 } : h)) }));
  next('a group deleted', (s) => ({ mesh: deleteResource(s.mesh, 'SecurityGroup', 'open-front') }));
  return out;
}

test('after every kind of change, each host’s state is what hostState computes from scratch', () => {
  const cache = new HostStateCache();
  for (const step of steps()) {
    for (const host of NAMES) expect([step.change, host, cache.hostState(step.mesh, step.hosts, host)]).toEqual([step.change, host, hostState(step.mesh, step.hosts, host)]);
  }
});

test('a change computes again only what it reaches: the rest are the same objects as before', () => {
  const cache = new HostStateCache();
  const states = new Map<string, HostState>();
  const fresh = (host: string, step: Step) => {
    const before = states.get(host)!;
    const now = cache.hostState(step.mesh, step.hosts, host)!;
    states.set(host, now);
    return { same: now === before, flows: now.flows.filter((f) => !before.flows.includes(f)).length, groups: now.groups.filter((g) => !before.groups.includes(g)).length };
  };
  const [first, rule, vip, newPod, route] = steps();
  for (const host of NAMES) states.set(host, cache.hostState(first.mesh, first.hosts, host)!);
  // The rule moved a port: host A holds web's members, so only its ingress clause flows (port 80 loses the rule, 81 is new); B has a member too; C none.
  expect(fresh('host-a', rule)).toEqual({ same: false, flows: 2, groups: 0 });
  expect(fresh('host-c', rule)).toEqual({ same: true, flows: 0, groups: 0 });
  // The VIP and port: the service LB's flows and its group are new, and the export's port both ways (partner-1 here is egress-isolated); the overlay's flows stay.
  const before = states.get('host-a')!.flows;
  expect(fresh('host-a', vip)).toMatchObject({ same: false, groups: 1 });
  const changed = states.get('host-a')!.flows.filter((f) => !before.includes(f));
  expect(changed.filter((f) => f.feature === 'service-lb').length).toBeGreaterThan(0);
  expect(formatFlows(changed.filter((f) => f.feature !== 'service-lb'))).toMatch(/^table=EgressSecurity, priority=100,tcp,tp_dst=443 actions=conjunction\(\d+,3\/3\)\ntable=IngressSecurity, priority=100,tcp,tp_dst=443 actions=conjunction\(\d+,3\/3\)\n$/);
  // A Route is nothing to the fabric: the state itself is kept.
  fresh('host-a', newPod);
  expect(fresh('host-a', route)).toEqual({ same: true, flows: 0, groups: 0 });
});
