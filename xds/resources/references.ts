import { CLUSTER_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from './type-urls';

/**
 * Names a resource refers to, of the type a client fetches next: a listener's route
 * configurations, a route configuration's clusters, an EDS cluster's load assignment.
 */
export function referencedNames(typeUrl: string, resource: Record<string, unknown>): string[] {
  switch (typeUrl) {
    case LISTENER_TYPE_URL:
      return valuesOf(resource, 'route_config_name');
    case ROUTE_TYPE_URL: {
      const clusters = new Set<string>();
      for (const vhost of (resource.virtual_hosts as { routes?: { route?: { cluster?: string; weighted_clusters?: { clusters: { name: string }[] } } }[] }[]) ?? []) {
        for (const { route } of vhost.routes ?? []) {
          if (route?.cluster) clusters.add(route.cluster);
          for (const weighted of route?.weighted_clusters?.clusters ?? []) clusters.add(weighted.name);
        }
      }
      return [...clusters];
    }
    case CLUSTER_TYPE_URL: {
      if (resource.type !== 'EDS') return [];
      return [(resource.eds_cluster_config as { service_name?: string } | undefined)?.service_name || (resource.name as string)];
    }
    default:
      return [];
  }
}

/** Values of every `key` anywhere inside a plain resource object. */
function valuesOf(value: unknown, key: string, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => valuesOf(v, key, found));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === key && typeof v === 'string') found.push(v);
      else valuesOf(v, key, found);
    }
  }
  return found;
}
