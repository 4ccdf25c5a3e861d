/**
 * Names of generated xDS resources. Cluster names carry what they select, so a look at
 * `loom proxy-status` or an Envoy admin page says where traffic goes.
 */

/** All serving endpoints of a service: `echo`. */
export function serviceClusterName(service: string): string {
  return service;
}

/** A labelled subset: `echo~version=v1`. */
export function subsetClusterName(service: string, subset: Record<string, string>): string {
  const labels = Object.keys(subset).sort().map((k) => `${k}=${subset[k]}`);
  return labels.length === 0 ? service : `${service}~${labels.join(',')}`;
}

/** Exactly one endpoint, for backend pinning: `echo@b2`. */
export function pinnedClusterName(service: string, endpoint: string): string {
  return `${service}@${endpoint}`;
}

/** A cluster that never has endpoints: requests pinned to an unknown backend fail there. */
export const NO_BACKEND_CLUSTER = 'loom.no-backend';

/** Envoy's pass-through for traffic to destinations outside the mesh. */
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';

/** gRPC resolves `xds:///echo` and `xds:///echo:50051` through listeners of those names. */
export function grpcListenerNames(service: string, ports: number[]): string[] {
  return [service, ...ports.map((p) => `${service}:${p}`)];
}

export function grpcRouteConfigName(service: string): string {
  return `grpc.${service}`;
}

export const ENVOY_VIRTUAL_OUTBOUND_LISTENER = 'virtualOutbound';
export const ENVOY_VIRTUAL_OUTBOUND_PORT = 15001;

export function envoyOutboundListenerName(port: number): string {
  return `outbound_0.0.0.0_${port}`;
}

export function envoyRouteConfigName(port: number): string {
  return String(port);
}
