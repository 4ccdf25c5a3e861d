import type { Endpoint } from '../../src/model/endpoint';

/**
 * A ClusterLoadAssignment with one locality per host. gRPC ignores localities without a
 * weight, and balances across localities by it: the weight is the sum of the endpoint
 * weights, so every endpoint gets its share whatever host it is on.
 */
export function loadAssignment(clusterName: string, endpoints: Endpoint[]): Record<string, unknown> {
  const byHost = new Map<string, Endpoint[]>();
  for (const ep of [...endpoints].sort((a, b) => a.name.localeCompare(b.name))) {
    const host = ep.host ?? '';
    byHost.set(host, [...(byHost.get(host) ?? []), ep]);
  }
  return {
    cluster_name: clusterName,
    endpoints: [...byHost.keys()].sort().map((host) => {
      const members = byHost.get(host)!;
      return {
        locality: host ? { zone: host } : {},
        load_balancing_weight: { value: members.reduce((sum, ep) => sum + (ep.weight ?? 1), 0) },
        lb_endpoints: members.map((ep) => ({
          endpoint: { address: { socket_address: { address: ep.address, port_value: ep.port } }, hostname: ep.name },
          health_status: 'HEALTHY',
          load_balancing_weight: { value: ep.weight ?? 1 },
        })),
      };
    }),
  };
}
