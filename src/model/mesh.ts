import { InvalidInputError, NotFoundError, type InputProblem } from '../errors';
import type { ResourceLocation } from './documents';
import { cidrContains, parseCidr, parseIp } from '../net/ip-address';
import type { Endpoint } from './endpoint';
import { KINDS, type Collection, type Kind, type Resource } from './kinds';
import type { Network } from './network';
import type { Route } from './route';
import type { SecurityGroup } from './security-group';
import { securityGroupProblems } from './security-group-checks';
import type { Service } from './service';

/**
 * The desired mesh: plain data, keyed by name per kind. Every change goes through
 * `applyResources` / `deleteResource`, which return a new Mesh or throw with every
 * problem found — they never return a half-changed mesh.
 */
export interface Mesh {
  services: Readonly<Record<string, Service>>;
  endpoints: Readonly<Record<string, Endpoint>>;
  routes: Readonly<Record<string, Route>>;
  securityGroups: Readonly<Record<string, SecurityGroup>>;
  networks: Readonly<Record<string, Network>>;
}

export function emptyMesh(): Mesh {
  return { services: {}, endpoints: {}, routes: {}, securityGroups: {}, networks: {} };
}

export function collectionOf(kind: Kind): Collection {
  return KINDS[kind].collection;
}

export function listResources(mesh: Mesh, kind: Kind): Resource[] {
  const items = mesh[collectionOf(kind)] as Record<string, Resource>;
  return Object.keys(items).sort().map((name) => items[name]);
}

export function getResource(mesh: Mesh, kind: Kind, name: string): Resource {
  const item = (mesh[collectionOf(kind)] as Record<string, Resource>)[name];
  if (!item) throw new NotFoundError(kind, name);
  return item;
}

export interface ApplyOutcome {
  mesh: Mesh;
  created: string[];
  configured: string[];
  unchanged: string[];
}

/** Upserts resources (by kind and name) and checks the result as a whole. */
export function applyResources(mesh: Mesh, items: { resource: Resource; location?: ResourceLocation }[]): ApplyOutcome {
  // A collection the change does not touch stays the same object: whoever computes from a
  // mesh (the fabric controller) can tell what changed by identity and skip the rest.
  const copies: Partial<Record<Collection, Record<string, Resource>>> = {};
  const writable = (name: Collection) => (copies[name] ??= { ...mesh[name] });
  const outcome: Omit<ApplyOutcome, 'mesh'> = { created: [], configured: [], unchanged: [] };
  const locations = new Map<string, ResourceLocation | undefined>();
  for (const { resource, location } of items) {
    const name = collectionOf(resource.kind);
    const label = `${resource.kind.toLowerCase()}/${resource.name}`;
    const previous = (copies[name] ?? mesh[name])[resource.name];
    locations.set(`${resource.kind} ${resource.name}`, location);
    if (previous && JSON.stringify(previous) === JSON.stringify(resource)) {
      outcome.unchanged.push(label);
      continue;
    }
    (previous ? outcome.configured : outcome.created).push(label);
    writable(name)[resource.name] = resource;
  }
  const next = { ...mesh, ...copies } as Mesh;
  // The mesh before this change had no problems, so every problem found now is this change's.
  const problems = checkReferences(next);
  if (problems.length > 0) {
    throw new InvalidInputError(problems.map((p) => ({ ...p, ...placeOf(locations.get(p.resource)) })));
  }
  return { mesh: next, ...outcome };
}

/** Removes one resource; refused while other resources still refer to it. */
export function deleteResource(mesh: Mesh, kind: Kind, name: string): Mesh {
  getResource(mesh, kind, name);
  const collection = collectionOf(kind);
  const { [name]: _removed, ...rest } = mesh[collection] as Record<string, Resource>;
  const next = { ...mesh, [collection]: rest } as Mesh;
  const dependents = checkReferences(next);
  if (dependents.length > 0) {
    throw new InvalidInputError([
      {
        source: `delete ${kind} ${name}`,
        message: `still referred to by ${[...new Set(dependents.map((d) => d.resource))].join(', ')}; delete or change those first`,
      },
    ]);
  }
  return next;
}

type ReferenceProblem = Omit<InputProblem, 'source'> & { resource: string };

/** Cross-resource rules: references resolve, one Route per Service, affinity needs a hashing balancer, security groups fit together. */
export function checkReferences(mesh: Mesh): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const known = Object.keys(mesh.services).sort();
  const missingService = (name: string) => `service "${name}" does not exist; known services: ${known.join(', ') || '(none)'}`;

  for (const ep of Object.values(mesh.endpoints)) {
    if (ep.service && !mesh.services[ep.service]) problems.push({ resource: `Endpoint ${ep.name}`, path: 'service', message: missingService(ep.service) });
  }

  problems.push(...networkProblems(mesh));
  problems.push(...securityGroupProblems(mesh));

  const routeOfService = new Map<string, string>();
  for (const route of Object.values(mesh.routes)) {
    const resource = `Route ${route.name}`;
    if (!mesh.services[route.service]) problems.push({ resource, path: 'service', message: missingService(route.service) });
    const other = routeOfService.get(route.service);
    if (other) problems.push({ resource, path: 'service', message: `service "${route.service}" already has Route "${other}"; a service has one Route with ordered rules` });
    routeOfService.set(route.service, route.name);

    (route.rules ?? []).forEach((rule, r) => {
      (rule.destinations ?? []).forEach((d, i) => {
        if (!mesh.services[d.service]) problems.push({ resource, path: `rules[${r}].destinations[${i}].service`, message: missingService(d.service) });
      });
      if (rule.affinity) {
        for (const name of new Set((rule.destinations ?? [{ service: route.service }]).map((d) => d.service))) {
          const lb = mesh.services[name]?.loadBalancer;
          if (lb && lb !== 'ring_hash' && lb !== 'maglev') {
            problems.push({ resource, path: `rules[${r}].affinity`, message: `needs a hashing load balancer but service "${name}" uses ${lb}; set its loadBalancer to ring_hash or maglev` });
          }
        }
      }
    });
  }
  return problems;
}

/** VNIs are unique; an attached endpoint's address is in its network, unique there, and so is its MAC. */
function networkProblems(mesh: Mesh): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const byVni = new Map<number, string>();
  for (const net of Object.values(mesh.networks).sort((a, b) => a.name.localeCompare(b.name))) {
    const other = byVni.get(net.vni);
    if (other) problems.push({ resource: `Network ${net.name}`, path: 'vni', message: `VNI ${net.vni} is already used by Network "${other}"; each network needs its own` });
    byVni.set(net.vni, net.name);
  }
  const known = Object.keys(mesh.networks).sort();
  const taken = new Map<string, string>();
  for (const ep of Object.values(mesh.endpoints).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!ep.network) continue;
    const resource = `Endpoint ${ep.name}`;
    const net = mesh.networks[ep.network];
    if (!net) {
      problems.push({ resource, path: 'network', message: `network "${ep.network}" does not exist; known networks: ${known.join(', ') || '(none)'}` });
      continue;
    }
    const cidr = parseCidr(net.cidr);
    const address = parseIp(ep.address);
    if (!cidr || !address || !cidrContains(cidr, address)) problems.push({ resource, path: 'address', message: `${ep.address} is outside network "${net.name}" (${net.cidr})` });
    for (const [what, value] of [['address', ep.address], ['mac', ep.mac]] as const) {
      if (!value) continue;
      const key = `${net.name}\0${what}\0${value}`;
      const holder = taken.get(key);
      if (holder) problems.push({ resource, path: what, message: `${value} is already used by Endpoint "${holder}" in network "${net.name}"` });
      taken.set(key, ep.name);
    }
  }
  return problems;
}

function placeOf(location: ResourceLocation | undefined): Pick<InputProblem, 'source' | 'document' | 'line'> {
  return location ? { source: location.source, document: location.document, line: location.line } : { source: 'mesh' };
}
