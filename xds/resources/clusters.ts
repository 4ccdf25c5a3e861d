import type { LoadBalancer } from '../../src/model/service';
import { any } from '../protos';
import type { ClientProfile } from './client-profile';
import { ADS_CONFIG_SOURCE, duration } from './proto-values';

const LB_POLICY: Record<LoadBalancer, string> = {
  round_robin: 'ROUND_ROBIN',
  ring_hash: 'RING_HASH',
  least_request: 'LEAST_REQUEST',
  random: 'RANDOM',
  maglev: 'MAGLEV',
};

export interface ClusterOptions {
  loadBalancer: LoadBalancer;
  /** Upstream speaks HTTP/2 (gRPC): Envoy must be told, gRPC clients always do. */
  http2: boolean;
}

/** An EDS cluster whose endpoints come over the same ADS stream. */
export function edsCluster(name: string, options: ClusterOptions, profile: ClientProfile): Record<string, unknown> {
  const cluster: Record<string, unknown> = {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS_CONFIG_SOURCE, service_name: name },
    connect_timeout: duration(5000),
    lb_policy: LB_POLICY[options.loadBalancer],
  };
  if (options.loadBalancer === 'ring_hash') cluster.ring_hash_lb_config = { hash_function: 'XX_HASH' };
  if (profile.consumer === 'envoy' && options.http2) {
    cluster.typed_extension_protocol_options = {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': any('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', {
        explicit_http_config: { http2_protocol_options: {} },
      }),
    };
  }
  return cluster;
}

/** Envoy forwards traffic for destinations outside the mesh to where it was going. */
export function passthroughCluster(name: string): Record<string, unknown> {
  return { name, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: duration(5000) };
}
