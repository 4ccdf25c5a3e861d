import { isIP } from 'node:net';
import type { HostPort } from '../../src/config';

/**
 * Bootstraps that point a proxy or a proxyless gRPC client at Loom's xDS server. Both
 * are proto3 JSON with proto field names, which Envoy and gRPC read as they are.
 */
export interface BootstrapOptions {
  nodeId: string;
  cluster?: string;
  xds: HostPort;
  /** Envoy admin; bound to localhost so only the pod itself can reach it. */
  adminPort?: number;
}

export const XDS_CLUSTER = 'loom-xds';

export function envoyBootstrap(o: BootstrapOptions): Record<string, unknown> {
  const byIp = isIP(o.xds.host) !== 0;
  return {
    node: { id: o.nodeId, cluster: o.cluster ?? o.nodeId },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: o.adminPort ?? 15000 } } },
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }],
        set_node_on_first_message_only: true,
      },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        {
          name: XDS_CLUSTER,
          type: byIp ? 'STATIC' : 'STRICT_DNS',
          load_assignment: {
            cluster_name: XDS_CLUSTER,
            endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: o.xds.host, port_value: o.xds.port } } } }] }],
          },
          // xDS is gRPC: the control-plane connection must be HTTP/2.
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
        },
      ],
    },
  };
}

/** The file named by GRPC_XDS_BOOTSTRAP (or the value of GRPC_XDS_BOOTSTRAP_CONFIG). */
export function grpcBootstrap(o: BootstrapOptions): Record<string, unknown> {
  const uri = o.xds.host.includes(':') ? `[${o.xds.host}]:${o.xds.port}` : `${o.xds.host}:${o.xds.port}`;
  return {
    xds_servers: [{ server_uri: uri, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: o.nodeId, cluster: o.cluster ?? o.nodeId, locality: {} },
  };
}
