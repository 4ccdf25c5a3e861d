import { isServiceEndpoint, isServing, type Endpoint } from '../../src/model/endpoint';
import type { Mesh } from '../../src/model/mesh';
import type { LoadBalancer, Service } from '../../src/model/service';
import type { ClientProfile } from './client-profile';
import { edsCluster, passthroughCluster } from './clusters';
import { loadAssignment } from './endpoints';
import { envoyHttpOutboundListener, envoyTcpOutboundListener, envoyVirtualOutboundListener, grpcApiListener, routeConfiguration } from './listeners';
import {
  NO_BACKEND_CLUSTER,
  PASSTHROUGH_CLUSTER,
  envoyRouteConfigName,
  grpcListenerNames,
  grpcRouteConfigName,
  pinnedClusterName,
  serviceClusterName,
  subsetClusterName,
} from './names';
import { virtualHost } from './routes';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, type ResourceTypeUrl } from './type-urls';

/**
 * The whole translation: a mesh and a client profile in, every xDS resource that profile
 * needs out, by type and name. Pure and deterministic (same mesh → same bytes), so
 * content hashes make good per-resource versions.
 */
export type ResourcesByType = Record<ResourceTypeUrl, Map<string, Record<string, unknown>>>;

export function meshResources(mesh: Mesh, profile: ClientProfile): ResourcesByType {
  const out: ResourcesByType = {
    [LISTENER_TYPE_URL]: new Map(),
    [ROUTE_TYPE_URL]: new Map(),
    [CLUSTER_TYPE_URL]: new Map(),
    [ENDPOINT_TYPE_URL]: new Map(),
  };
  const services = Object.values(mesh.services).sort((a, b) => a.name.localeCompare(b.name));
  const serving = servingEndpointsByService(mesh);
  const routeOf = new Map(Object.values(mesh.routes).map((r) => [r.service, r]));
  const hashed = hashedServices(mesh);

  const addCluster = (service: Service, name: string, endpoints: Endpoint[]) => {
    const wanted: LoadBalancer = service.loadBalancer ?? (hashed.has(service.name) ? 'ring_hash' : 'round_robin');
    const loadBalancer = wanted === 'ring_hash' && profile.legacyCCore ? 'round_robin' : wanted;
    const http2 = service.ports.some((p) => p.protocol === 'grpc');
    out[CLUSTER_TYPE_URL].set(name, edsCluster(name, { loadBalancer, http2 }, profile));
    out[ENDPOINT_TYPE_URL].set(name, loadAssignment(name, endpoints));
  };

  for (const service of services) {
    const members = serving.get(service.name) ?? [];
    addCluster(service, serviceClusterName(service.name), members);
    for (const ep of members) addCluster(service, pinnedClusterName(service.name, ep.name), [ep]);
  }
  for (const route of Object.values(mesh.routes)) {
    for (const rule of route.rules ?? []) {
      for (const d of rule.destinations ?? []) {
        if (!d.subset || Object.keys(d.subset).length === 0) continue;
        const members = (serving.get(d.service) ?? []).filter((ep) => Object.entries(d.subset!).every(([k, v]) => ep.labels?.[k] === v));
        addCluster(mesh.services[d.service], subsetClusterName(d.service, d.subset), members);
      }
    }
    if (route.pinning?.onUnknown === 'fail' && !out[CLUSTER_TYPE_URL].has(NO_BACKEND_CLUSTER)) {
      out[CLUSTER_TYPE_URL].set(NO_BACKEND_CLUSTER, edsCluster(NO_BACKEND_CLUSTER, { loadBalancer: 'round_robin', http2: false }, profile));
      out[ENDPOINT_TYPE_URL].set(NO_BACKEND_CLUSTER, loadAssignment(NO_BACKEND_CLUSTER, []));
    }
  }

  const httpServices = services.filter((s) => s.ports.some((p) => p.protocol !== 'tcp'));
  const vhostOf = (s: Service) => virtualHost({ service: s, route: routeOf.get(s.name), pinnable: serving.get(s.name) ?? [] }, profile);

  if (profile.consumer === 'grpc') {
    for (const service of httpServices) {
      const routeName = grpcRouteConfigName(service.name);
      out[ROUTE_TYPE_URL].set(routeName, routeConfiguration(routeName, [vhostOf(service)]));
      for (const name of grpcListenerNames(service.name, service.ports.map((p) => p.port))) {
        out[LISTENER_TYPE_URL].set(name, grpcApiListener(name, routeName));
      }
    }
    return out;
  }

  out[CLUSTER_TYPE_URL].set(PASSTHROUGH_CLUSTER, passthroughCluster(PASSTHROUGH_CLUSTER));
  const virtual = envoyVirtualOutboundListener();
  out[LISTENER_TYPE_URL].set(virtual.name as string, virtual);
  for (const port of [...new Set(services.flatMap((s) => s.ports.map((p) => p.port)))].sort((a, b) => a - b)) {
    const onPort = services.filter((s) => s.ports.some((p) => p.port === port));
    const http = onPort.filter((s) => s.ports.some((p) => p.port === port && p.protocol !== 'tcp'));
    if (http.length > 0) {
      const routeName = envoyRouteConfigName(port);
      out[ROUTE_TYPE_URL].set(routeName, routeConfiguration(routeName, http.map(vhostOf)));
      const listener = envoyHttpOutboundListener(port, routeName);
      out[LISTENER_TYPE_URL].set(listener.name as string, listener);
    } else {
      // Without service VIPs a TCP port can only belong to one service; the first by name wins.
      const listener = envoyTcpOutboundListener(port, serviceClusterName(onPort[0].name));
      out[LISTENER_TYPE_URL].set(listener.name as string, listener);
    }
  }
  return out;
}

function servingEndpointsByService(mesh: Mesh): Map<string, Endpoint[]> {
  const byService = new Map<string, Endpoint[]>();
  for (const ep of Object.values(mesh.endpoints)) {
    if (!isServing(ep) || !isServiceEndpoint(ep)) continue;
    byService.set(ep.service, [...(byService.get(ep.service) ?? []), ep]);
  }
  return byService;
}

/** Services reached by a rule with hash affinity balance by consistent hash. */
function hashedServices(mesh: Mesh): Set<string> {
  const hashed = new Set<string>();
  for (const route of Object.values(mesh.routes)) {
    for (const rule of route.rules ?? []) {
      if (rule.affinity) for (const d of rule.destinations ?? [{ service: route.service }]) hashed.add(d.service);
    }
  }
  return hashed;
}
