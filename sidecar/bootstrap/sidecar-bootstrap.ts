import type { HostPort } from '../../src/config';
import { PROXY_PORTS } from '../redirect/proxy-ports';
import { envoyBootstrap, type XdsTls } from './bootstrap';

/**
 * The bootstrap of an injected Envoy sidecar: ADS to Loom for listeners and clusters, plus
 * what must work before (and without) the control plane:
 * - `virtualInbound` on the port the redirect sends inbound connections to, passing each
 *   on to where it was going (the app), so capture never cuts a pod off;
 * - a readiness listener kubelet can reach, answering only `GET /ready` from the admin
 *   endpoint (which stays on 127.0.0.1): ready means the first LDS and CDS have arrived.
 * The outbound port needs no mention: Loom's xDS server sends `virtualOutbound` on it.
 * Written in proto3 JSON, which is what Envoy reads: no Duration, Struct or wrapper
 * fields, whose JSON form differs from their message form.
 */
export interface SidecarBootstrapOptions {
  /** The node cluster: the workload the pod belongs to. The node id comes from `--service-node`. */
  cluster: string;
  xds: HostPort;
  xdsTls?: XdsTls;
}

export const INBOUND_LISTENER = 'virtualInbound';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';
export const READINESS_LISTENER = 'loom-readiness';
export const ADMIN_CLUSTER = 'loom-admin';

const any = (type: string, fields: Record<string, unknown> = {}) => ({ '@type': `type.googleapis.com/${type}`, ...fields });
const socketAddress = (address: string, port: number) => ({ socket_address: { address, port_value: port } });

export function sidecarBootstrap(o: SidecarBootstrapOptions): Record<string, unknown> {
  const base = envoyBootstrap({ cluster: o.cluster, xds: o.xds, xdsTls: o.xdsTls, adminPort: PROXY_PORTS.admin }) as {
    node: Record<string, unknown>;
    static_resources: { clusters: unknown[] };
  };
  return {
    ...base,
    node: { cluster: o.cluster },
    static_resources: {
      listeners: [inboundListener(), readinessListener()],
      clusters: [
        ...base.static_resources.clusters,
        { name: INBOUND_PASSTHROUGH_CLUSTER, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' },
        {
          name: ADMIN_CLUSTER,
          type: 'STATIC',
          load_assignment: { cluster_name: ADMIN_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress('127.0.0.1', PROXY_PORTS.admin) } }] }] },
        },
      ],
    },
  };
}

function inboundListener(): Record<string, unknown> {
  return {
    name: INBOUND_LISTENER,
    address: socketAddress('0.0.0.0', PROXY_PORTS.inbound),
    traffic_direction: 'INBOUND',
    listener_filters: [{ name: 'envoy.filters.listener.original_dst', typed_config: any('envoy.extensions.filters.listener.original_dst.v3.OriginalDst') }],
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.tcp_proxy',
            typed_config: any('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', { stat_prefix: INBOUND_LISTENER, cluster: INBOUND_PASSTHROUGH_CLUSTER }),
          },
        ],
      },
    ],
  };
}

function readinessListener(): Record<string, unknown> {
  return {
    name: READINESS_LISTENER,
    address: socketAddress('0.0.0.0', PROXY_PORTS.readiness),
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: any('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', {
              stat_prefix: READINESS_LISTENER,
              route_config: {
                name: READINESS_LISTENER,
                virtual_hosts: [{ name: READINESS_LISTENER, domains: ['*'], routes: [{ match: { path: '/ready' }, route: { cluster: ADMIN_CLUSTER } }] }],
              },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: any('envoy.extensions.filters.http.router.v3.Router') }],
            }),
          },
        ],
      },
    ],
  };
}
