import { any } from '../protos';
import { ADS_CONFIG_SOURCE } from './proto-values';
import { httpFilters } from './routes';
import { ENVOY_VIRTUAL_OUTBOUND_LISTENER, ENVOY_VIRTUAL_OUTBOUND_PORT, PASSTHROUGH_CLUSTER, envoyOutboundListenerName } from './names';

const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY_TYPE = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

type Json = Record<string, unknown>;

function httpConnectionManager(statPrefix: string, routeConfigName: string) {
  return any(HCM_TYPE, {
    stat_prefix: statPrefix,
    codec_type: 'AUTO',
    rds: { route_config_name: routeConfigName, config_source: ADS_CONFIG_SOURCE },
    http_filters: httpFilters(),
  });
}

/** What `xds:///<name>` resolves to in a proxyless gRPC client. */
export function grpcApiListener(name: string, routeConfigName: string): Json {
  return { name, api_listener: { api_listener: httpConnectionManager(name, routeConfigName) } };
}

export function envoyHttpOutboundListener(port: number, routeConfigName: string): Json {
  const name = envoyOutboundListenerName(port);
  return outboundListener(port, { name: 'envoy.filters.network.http_connection_manager', typed_config: httpConnectionManager(name, routeConfigName) });
}

export function envoyTcpOutboundListener(port: number, cluster: string): Json {
  return outboundListener(port, tcpProxy(envoyOutboundListenerName(port), cluster));
}

/**
 * An Envoy sidecar's outbound listener for one port. It does not bind: connections
 * arrive through the virtual outbound listener, which hands them over by original port.
 */
function outboundListener(port: number, filter: Json): Json {
  return {
    name: envoyOutboundListenerName(port),
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    bind_to_port: { value: false },
    traffic_direction: 'OUTBOUND',
    filter_chains: [{ filters: [filter] }],
  };
}

/** Where the transparent redirect sends outbound connections (iptables REDIRECT to 15001). */
export function envoyVirtualOutboundListener(): Json {
  return {
    name: ENVOY_VIRTUAL_OUTBOUND_LISTENER,
    address: { socket_address: { address: '0.0.0.0', port_value: ENVOY_VIRTUAL_OUTBOUND_PORT } },
    use_original_dst: { value: true },
    traffic_direction: 'OUTBOUND',
    listener_filters: [{ name: 'envoy.filters.listener.original_dst', typed_config: any('envoy.extensions.filters.listener.original_dst.v3.OriginalDst') }],
    filter_chains: [{ filters: [tcpProxy(ENVOY_VIRTUAL_OUTBOUND_LISTENER, PASSTHROUGH_CLUSTER)] }],
  };
}

function tcpProxy(statPrefix: string, cluster: string): Json {
  return { name: 'envoy.filters.network.tcp_proxy', typed_config: any(TCP_PROXY_TYPE, { stat_prefix: statPrefix, cluster }) };
}

export function routeConfiguration(name: string, virtualHosts: Json[]): Json {
  return { name, virtual_hosts: virtualHosts };
}
