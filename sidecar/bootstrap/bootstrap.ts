import { isIP } from 'node:net';
import type { HostPort } from '../../src/config';

/**
 * Bootstraps that point a proxy or a proxyless gRPC client at Loom's xDS server. Both
 * are proto3 JSON with proto field names, which Envoy and gRPC read as they are.
 */
export interface BootstrapOptions {
  /** Optional for an injected sidecar, whose pod name is only known at start (`--service-node`). */
  nodeId?: string;
  cluster?: string;
  xds: HostPort;
  /** Envoy only: verify Loom's xDS server with this CA and the xDS host name; plaintext when absent. */
  xdsTls?: XdsTls;
  /** Envoy admin; bound to localhost so only the pod itself can reach it. */
  adminPort?: number;
}

export interface XdsTls {
  /** PEM bundle, inlined so the bootstrap needs no file besides itself. */
  caPem: string;
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
          ...(o.xdsTls ? { transport_socket: xdsTransportSocket(o.xds.host, o.xdsTls) } : {}),
        },
      ],
    },
  };
}

/** TLS to the xDS server, checking that its certificate names the host we dial. */
function xdsTransportSocket(host: string, tls: XdsTls): Record<string, unknown> {
  const byIp = isIP(host) !== 0;
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      ...(byIp ? {} : { sni: host }),
      common_tls_context: {
        alpn_protocols: ['h2'],
        validation_context: {
          trusted_ca: { inline_string: tls.caPem },
          match_typed_subject_alt_names: [{ san_type: byIp ? 'IP_ADDRESS' : 'DNS', matcher: { exact: host } }],
        },
      },
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
