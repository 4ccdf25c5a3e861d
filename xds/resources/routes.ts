import { durationMs } from '../../src/model/schema-helpers';
import type { Endpoint } from '../../src/model/endpoint';
import { DEFAULT_PINNING_HEADER, type Route, type RouteMatch, type RouteRule } from '../../src/model/route';
import type { Service } from '../../src/model/service';
import { any } from '../protos';
import type { ClientProfile } from './client-profile';
import { NO_BACKEND_CLUSTER, pinnedClusterName, serviceClusterName, subsetClusterName } from './names';
import { duration, fractionalPercent } from './proto-values';

/**
 * The virtual host of one service: backend-pinning routes first, then the Route's rules
 * in order (or one catch-all to the service when it has no Route).
 */

export const FAULT_FILTER = 'envoy.filters.http.fault';
export const ROUTER_FILTER = 'envoy.filters.http.router';
const FAULT_TYPE = 'envoy.extensions.filters.http.fault.v3.HTTPFault';

type Json = Record<string, unknown>;

export interface VirtualHostInput {
  service: Service;
  route: Route | undefined;
  /** Serving endpoints of the service: the only names that can be pinned. */
  pinnable: Endpoint[];
}

export function virtualHost({ service, route, pinnable }: VirtualHostInput, profile: ClientProfile): Json {
  const ports = service.ports.map((p) => p.port);
  return {
    name: service.name,
    domains: [service.name, ...ports.map((p) => `${service.name}:${p}`)],
    routes: [...pinningRoutes(service, route, pinnable, profile), ...(route?.rules?.length ? route.rules : [{}]).map((rule, i) => ruleRoute(service, rule, i, profile))],
  };
}

function pinningRoutes(service: Service, route: Route | undefined, pinnable: Endpoint[], profile: ClientProfile): Json[] {
  const pinning = route?.pinning ?? {};
  const header = pinning.header ?? DEFAULT_PINNING_HEADER;
  // Query strings are not part of a gRPC request: gRPC clients never match such routes.
  const query = profile.consumer === 'envoy' ? pinning.query : undefined;
  // Header regexes must match the whole value: `a=1; loom-backend=b2; c=3`.
  const cookieValue = (value: string) => `(.*;\\s*)?${escapeRegex(pinning.cookie!)}=${value}(;.*)?`;
  const routes: Json[] = [];
  const add = (name: string, match: Json, cluster: string) => routes.push({ name, match: { prefix: '/', ...match }, route: { cluster } });

  for (const ep of [...pinnable].sort((a, b) => a.name.localeCompare(b.name))) {
    const cluster = pinnedClusterName(service.name, ep.name);
    add(`pin.header.${ep.name}`, { headers: [headerMatcher(header, { exact: ep.name }, profile)] }, cluster);
    if (pinning.cookie) add(`pin.cookie.${ep.name}`, { headers: [headerMatcher('cookie', { regex: cookieValue(escapeRegex(ep.name)) }, profile)] }, cluster);
    if (query) add(`pin.query.${ep.name}`, { query_parameters: [{ name: query, string_match: { exact: ep.name } }] }, cluster);
  }
  if (pinning.onUnknown === 'fail') {
    add('pin.header.unknown', { headers: [headerMatcher(header, { present: true }, profile)] }, NO_BACKEND_CLUSTER);
    if (pinning.cookie) add('pin.cookie.unknown', { headers: [headerMatcher('cookie', { regex: cookieValue('[^;]*') }, profile)] }, NO_BACKEND_CLUSTER);
    if (query) add('pin.query.unknown', { query_parameters: [{ name: query, present_match: true }] }, NO_BACKEND_CLUSTER);
  }
  return routes;
}

function ruleRoute(service: Service, rule: RouteRule, index: number, profile: ClientProfile): Json {
  const destinations = rule.destinations ?? [{ service: service.name }];
  const action: Json = {};
  if (destinations.length === 1) {
    action.cluster = destinationCluster(destinations[0]);
  } else {
    action.weighted_clusters = { clusters: destinations.map((d) => ({ name: destinationCluster(d), weight: { value: d.weight ?? 1 } })) };
  }
  if (rule.timeout && !profile.legacyCCore) {
    const timeout = duration(durationMs(rule.timeout));
    if (profile.consumer === 'envoy') action.timeout = timeout;
    else action.max_stream_duration = { max_stream_duration: timeout };
  }
  if (rule.retries) {
    const r = rule.retries;
    action.retry_policy = {
      retry_on: (r.on ?? ['unavailable', 'reset', 'connect-failure']).join(','),
      num_retries: { value: r.attempts },
      ...(r.perTryTimeout ? { per_try_timeout: duration(durationMs(r.perTryTimeout)) } : {}),
      ...(r.backoff
        ? { retry_back_off: { base_interval: duration(durationMs(r.backoff.base)), ...(r.backoff.max ? { max_interval: duration(durationMs(r.backoff.max)) } : {}) } }
        : {}),
    };
  }
  if (rule.affinity?.header) action.hash_policy = [{ header: { header_name: rule.affinity.header } }];
  if (rule.affinity?.cookie) {
    const { name, ttl } = rule.affinity.cookie;
    action.hash_policy = [{ cookie: { name, ...(ttl ? { ttl: duration(durationMs(ttl)) } : {}) } }];
  }

  const route: Json = { name: rule.name ?? `rule.${index}`, match: routeMatch(rule.match, profile), route: action };
  if (rule.fault) route.typed_per_filter_config = { [FAULT_FILTER]: any(FAULT_TYPE, faultConfig(rule.fault)) };
  return route;
}

function destinationCluster(d: { service: string; subset?: Record<string, string> }): string {
  return d.subset && Object.keys(d.subset).length > 0 ? subsetClusterName(d.service, d.subset) : serviceClusterName(d.service);
}

function routeMatch(match: RouteMatch | undefined, profile: ClientProfile): Json {
  const path = match?.path ?? { prefix: '/' };
  const out: Json = path.exact !== undefined ? { path: path.exact } : path.regex !== undefined ? { safe_regex: { regex: path.regex } } : { prefix: path.prefix };
  if (match?.headers?.length) out.headers = match.headers.map((h) => headerMatcher(h.name, h, profile));
  if (match?.query?.length) {
    out.query_parameters = match.query.map((q) =>
      q.present ? { name: q.name, present_match: true } : { name: q.name, string_match: q.exact !== undefined ? { exact: q.exact } : { safe_regex: { regex: q.regex } } },
    );
  }
  return out;
}

interface HeaderCondition {
  exact?: string;
  prefix?: string;
  regex?: string;
  present?: true;
  invert?: boolean;
}

/** Envoy's current form (`string_match`), or the older fields for clients that need them. */
export function headerMatcher(name: string, c: HeaderCondition, profile: ClientProfile): Json {
  const matcher: Json = { name };
  if (c.present) matcher.present_match = true;
  else if (profile.legacyCCore) {
    if (c.exact !== undefined) matcher.exact_match = c.exact;
    else if (c.prefix !== undefined) matcher.prefix_match = c.prefix;
    else matcher.safe_regex_match = { regex: c.regex };
  } else {
    matcher.string_match = c.exact !== undefined ? { exact: c.exact } : c.prefix !== undefined ? { prefix: c.prefix } : { safe_regex: { regex: c.regex } };
  }
  if (c.invert) matcher.invert_match = true;
  return matcher;
}

function faultConfig(fault: NonNullable<RouteRule['fault']>): Json {
  const config: Json = {};
  if (fault.abort) {
    config.abort = {
      ...(fault.abort.grpcStatus !== undefined ? { grpc_status: fault.abort.grpcStatus } : { http_status: fault.abort.httpStatus }),
      percentage: fractionalPercent(fault.abort.percent),
    };
  }
  if (fault.delay) config.delay = { fixed_delay: duration(durationMs(fault.delay.fixed)), percentage: fractionalPercent(fault.delay.percent) };
  return config;
}

export function httpFilters(): Json[] {
  return [
    { name: FAULT_FILTER, typed_config: any(FAULT_TYPE) },
    { name: ROUTER_FILTER, typed_config: any('envoy.extensions.filters.http.router.v3.Router') },
  ];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
