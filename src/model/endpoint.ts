import { isIP } from 'node:net';
import { z } from 'zod';
import { normalizeMac } from '../net/mac-address';
import { Labels, Name, Port, strictObject } from './schema-helpers';

export const HEALTH_STATES = ['healthy', 'unhealthy', 'draining'] as const;
export type Health = (typeof HEALTH_STATES)[number];

/**
 * A workload's address: a backend instance of a Service (`service` + `port`), a pod on an
 * overlay Network (`network` + `mac`, usually registered by the CNI plugin), or both.
 * Only `healthy` endpoints receive traffic or can be pinned.
 */
export const EndpointSchema = strictObject({
  kind: z.literal('Endpoint'),
  name: Name,
  service: Name.optional(),
  address: z.string().refine((a) => isIP(a) !== 0, 'expected an IPv4 or IPv6 address'),
  port: Port.optional(),
  labels: Labels.optional(),
  health: z.enum(HEALTH_STATES, { error: `expected one of: ${HEALTH_STATES.join(', ')}` }).optional(),
  host: Name.optional(),
  weight: z.number().int().min(1, 'weights are 1-128').max(128, 'weights are 1-128').optional(),
  /** The overlay Network the endpoint (a pod) is attached to; its address is in that network's CIDR. */
  network: Name.optional(),
  /** The pod's port on its host's br-int (set by the agent): where local delivery sends. */
  ofport: z.number().int().min(1).max(0xfeff).optional(),
  mac: z.string().refine(isCanonicalUnicastMac, 'expected a unicast MAC such as 0a:58:0a:f4:00:05 (lowercase, colons)').optional(),
}).superRefine((ep, ctx) => {
  if (!ep.service && !ep.network) ctx.addIssue({ code: 'custom', path: ['service'], message: 'an endpoint needs a service (with a port), a network, or both' });
  if (ep.service && ep.port === undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: `a backend of service "${ep.service}" needs a port` });
});

export type Endpoint = z.infer<typeof EndpointSchema>;

/** One spelling per MAC in the model, so uniqueness checks compare like with like. */
function isCanonicalUnicastMac(text: string): boolean {
  const normalized = normalizeMac(text);
  return 'mac' in normalized && normalized.mac === text;
}

export function isServing(ep: Endpoint): boolean {
  return (ep.health ?? 'healthy') === 'healthy';
}

/** A backend of a service: the endpoints xDS and the registry deal with. */
export type ServiceEndpoint = Endpoint & { service: string; port: number };

export function isServiceEndpoint(ep: Endpoint): ep is ServiceEndpoint {
  return ep.service !== undefined && ep.port !== undefined;
}
