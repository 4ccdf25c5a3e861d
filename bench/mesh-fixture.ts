import type { Endpoint } from '../src/model/endpoint';
import { applyResources, emptyMesh, type Mesh } from '../src/model/mesh';
import type { Service } from '../src/model/service';

/** The benchmark mesh: `services` gRPC services with `endpointsPerService` endpoints each. */
export const SERVICE_PORT = 50051;

export function serviceName(i: number): string {
  return `svc-${i}`;
}

export function endpointName(service: number, endpoint: number): string {
  return `svc-${service}-ep${endpoint}`;
}

export function benchMesh(services: number, endpointsPerService: number): Mesh {
  const resources: (Service | Endpoint)[] = [];
  for (let s = 0; s < services; s++) {
    resources.push({ kind: 'Service', name: serviceName(s), ports: [{ name: 'grpc', port: SERVICE_PORT, protocol: 'grpc' }] });
    for (let e = 0; e < endpointsPerService; e++) {
      resources.push({
        kind: 'Endpoint',
        name: endpointName(s, e),
        service: serviceName(s),
        address: `10.${(s >> 8) & 255}.${s & 255}.${e + 10}`,
        port: SERVICE_PORT,
        host: `host-${e}`,
      });
    }
  }
  return applyResources(emptyMesh(), resources.map((resource) => ({ resource }))).mesh;
}

/**
 * The change of round `round`: one endpoint moves to a port no earlier round used, so
 * every round produces new EDS content (two ClusterLoadAssignments change: the
 * service's cluster and the endpoint's pinned cluster `svc@ep`).
 */
export function endpointChange(mesh: Mesh, round: number, services: number, endpointsPerService: number): { mesh: Mesh; endpoint: string } {
  const s = round % services;
  const e = Math.floor(round / services) % endpointsPerService;
  const name = endpointName(s, e);
  const current = mesh.endpoints[name];
  if (!current) throw new Error(`bench mesh has no endpoint ${name}`);
  const changed: Endpoint = { ...current, port: 20_000 + (round % 40_000) };
  return { mesh: applyResources(mesh, [{ resource: changed }]).mesh, endpoint: name };
}
