import { isIP } from 'node:net';
import { z } from 'zod';
import { normalizeMac } from '../net/mac-address';
import { Labels, Name, Port, strictObject } from './schema-helpers';

export const HEALTH_STATES = ['healthy', 'unhealthy', 'draining'] as const;
export type Health = (typeof HEALTH_STATES)[number];

/** One backend instance of a Service. Only `healthy` endpoints receive traffic or can be pinned. */
export const EndpointSchema = strictObject({
  kind: z.literal('Endpoint'),
  name: Name,
  service: Name,
  address: z.string().refine((a) => isIP(a) !== 0, 'expected an IPv4 or IPv6 address'),
  port: Port,
  labels: Labels.optional(),
  health: z.enum(HEALTH_STATES, { error: `expected one of: ${HEALTH_STATES.join(', ')}` }).optional(),
  host: Name.optional(),
  weight: z.number().int().min(1, 'weights are 1-128').max(128, 'weights are 1-128').optional(),
  /** The overlay Network the endpoint (a pod) is attached to; its address is in that network's CIDR. */
  network: Name.optional(),
  mac: z.string().refine(isCanonicalUnicastMac, 'expected a unicast MAC such as 0a:58:0a:f4:00:05 (lowercase, colons)').optional(),
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
