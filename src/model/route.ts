import { z } from 'zod';
import { Duration, exactlyOne, HeaderName, Labels, Name, Percent, Re2Regex, strictObject } from './schema-helpers';

/**
 * Ordered L7 routing for one Service: the first rule whose match fits a request decides
 * where it goes. Before any rule, backend pinning (`x-loom-backend: <endpoint>`) sends a
 * request to exactly that healthy endpoint of the route's service.
 */

const PathMatch = strictObject({ prefix: z.string().startsWith('/', 'paths start with /').optional(), exact: z.string().startsWith('/', 'paths start with /').optional(), regex: Re2Regex.optional() })
  .superRefine(exactlyOne(['prefix', 'exact', 'regex'], 'a path match'));

const HeaderMatch = strictObject({
  name: HeaderName,
  exact: z.string().optional(),
  prefix: z.string().min(1).optional(),
  regex: Re2Regex.optional(),
  present: z.literal(true).optional(),
  invert: z.boolean().optional(),
}).superRefine(exactlyOne(['exact', 'prefix', 'regex', 'present'], 'a header match'));

const QueryMatch = strictObject({
  name: z.string().min(1),
  exact: z.string().optional(),
  regex: Re2Regex.optional(),
  present: z.literal(true).optional(),
}).superRefine(exactlyOne(['exact', 'regex', 'present'], 'a query match'));

export const RouteMatchSchema = strictObject({
  path: PathMatch.optional(),
  headers: z.array(HeaderMatch).optional(),
  query: z.array(QueryMatch).optional(),
});

export const DestinationSchema = strictObject({
  service: Name,
  /** Labels selecting a subset of the service's endpoints. */
  subset: Labels.optional(),
  weight: z.number().int().min(1, 'weights are 1-10000').max(10000, 'weights are 1-10000').optional(),
});

/** gRPC status names and Envoy HTTP retry conditions. */
export const RETRY_CONDITIONS = [
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
  '5xx', 'gateway-error', 'reset', 'connect-failure', 'retriable-4xx', 'refused-stream',
] as const;

export const RetryPolicySchema = strictObject({
  attempts: z.number().int().min(1, 'attempts are 1-10').max(10, 'attempts are 1-10'),
  on: z.array(z.enum(RETRY_CONDITIONS, { error: `expected one of: ${RETRY_CONDITIONS.join(', ')}` })).min(1).optional(),
  perTryTimeout: Duration.optional(),
  backoff: strictObject({ base: Duration, max: Duration.optional() }).optional(),
});

export const FaultSchema = strictObject({
  abort: strictObject({
    httpStatus: z.number().int().min(200).max(599).optional(),
    grpcStatus: z.number().int().min(1, 'gRPC status codes are 1-16').max(16, 'gRPC status codes are 1-16').optional(),
    percent: Percent,
  }).superRefine(exactlyOne(['httpStatus', 'grpcStatus'], 'an abort fault')).optional(),
  delay: strictObject({ fixed: Duration, percent: Percent }).optional(),
});

/** Consistent-hash affinity: requests with the same key go to the same endpoint. */
export const AffinitySchema = strictObject({
  header: HeaderName.optional(),
  cookie: strictObject({ name: z.string().min(1), ttl: Duration.optional() }).optional(),
}).superRefine(exactlyOne(['header', 'cookie'], 'affinity'));

export const RouteRuleSchema = strictObject({
  name: Name.optional(),
  match: RouteMatchSchema.optional(),
  destinations: z.array(DestinationSchema).min(1, 'a rule needs at least one destination').optional(),
  retries: RetryPolicySchema.optional(),
  timeout: Duration.optional(),
  fault: FaultSchema.optional(),
  affinity: AffinitySchema.optional(),
});

export const PINNING_ON_UNKNOWN = ['fallback', 'fail'] as const;

export const PinningSchema = strictObject({
  /** Header naming the endpoint; default `x-loom-backend`. */
  header: HeaderName.optional(),
  /** Query parameter naming the endpoint (Envoy only: gRPC requests have no query string). */
  query: z.string().regex(/^[A-Za-z0-9_.~-]+$/, 'expected a query parameter name').optional(),
  /** Cookie naming the endpoint. */
  cookie: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected a cookie name').optional(),
  /** A name that is not a healthy endpoint of the service: balance normally, or fail the request. */
  onUnknown: z.enum(PINNING_ON_UNKNOWN, { error: `expected one of: ${PINNING_ON_UNKNOWN.join(', ')}` }).optional(),
});

export const RouteSchema = strictObject({
  kind: z.literal('Route'),
  name: Name,
  service: Name,
  pinning: PinningSchema.optional(),
  rules: z.array(RouteRuleSchema).optional(),
});

export type Route = z.infer<typeof RouteSchema>;
export type RouteRule = z.infer<typeof RouteRuleSchema>;
export type RouteMatch = z.infer<typeof RouteMatchSchema>;
export type Destination = z.infer<typeof DestinationSchema>;
export type Pinning = z.infer<typeof PinningSchema>;
export type Affinity = z.infer<typeof AffinitySchema>;

export const DEFAULT_PINNING_HEADER = 'x-loom-backend';
