/** xDS resource types Loom serves, declared once. */
export const LISTENER_TYPE_URL = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const ROUTE_TYPE_URL = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
export const CLUSTER_TYPE_URL = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const ENDPOINT_TYPE_URL = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';

export type ResourceTypeUrl = typeof LISTENER_TYPE_URL | typeof ROUTE_TYPE_URL | typeof CLUSTER_TYPE_URL | typeof ENDPOINT_TYPE_URL;

/**
 * Make-before-break: a cluster and its endpoints exist before a listener or route
 * refers to them, so pushes go out in this order.
 */
export const PUSH_ORDER: readonly ResourceTypeUrl[] = [CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL];

export const SHORT_NAME: Record<ResourceTypeUrl, 'LDS' | 'RDS' | 'CDS' | 'EDS'> = {
  [LISTENER_TYPE_URL]: 'LDS',
  [ROUTE_TYPE_URL]: 'RDS',
  [CLUSTER_TYPE_URL]: 'CDS',
  [ENDPOINT_TYPE_URL]: 'EDS',
};

/** LDS and CDS responses must always carry every subscribed resource (xDS "state of the world"). */
export function requiresFullState(typeUrl: string): boolean {
  return typeUrl === LISTENER_TYPE_URL || typeUrl === CLUSTER_TYPE_URL;
}

export function isResourceTypeUrl(typeUrl: string): typeUrl is ResourceTypeUrl {
  return typeUrl in SHORT_NAME;
}
