import { z } from 'zod';
import { parseIp } from '../net/ip-address';
import { Labels, Name, Port, strictObject } from './schema-helpers';

export const PROTOCOLS = ['http', 'grpc', 'tcp'] as const;

/**
 * Load-balancing algorithms. `round_robin` and `ring_hash` work for every consumer;
 * `least_request`, `random` and `maglev` are Envoy-only: proxyless gRPC clients reject
 * such clusters (the rejection shows in `loom proxy-status`).
 */
export const LOAD_BALANCERS = ['round_robin', 'ring_hash', 'least_request', 'random', 'maglev'] as const;
export type LoadBalancer = (typeof LOAD_BALANCERS)[number];

/**
 * How the overlay's load balancer picks a backend for a new connection to the VIP: `None`
 * (the default) spreads connections by weight; `ClientIP` sends every connection from one
 * client address to the same backend while the set of serving backends stays the same.
 */
export const SESSION_AFFINITIES = ['None', 'ClientIP'] as const;
export type SessionAffinity = (typeof SESSION_AFFINITIES)[number];

export const ServicePortSchema = strictObject({
  name: Name.optional(),
  port: Port,
  protocol: z.enum(PROTOCOLS, { error: `expected one of: ${PROTOCOLS.join(', ')}` }),
});

export const ServiceSchema = strictObject({
  kind: z.literal('Service'),
  name: Name,
  ports: z.array(ServicePortSchema).min(1, 'a service needs at least one port'),
  labels: Labels.optional(),
  loadBalancer: z.enum(LOAD_BALANCERS, { error: `expected one of: ${LOAD_BALANCERS.join(', ')}` }).optional(),
  /**
   * The virtual IP pods reach the service at, on any port (the overlay rewrites only the
   * address). Assigned from the service CIDR when absent, and kept once assigned (see
   * service-vips.ts); one given here must be in that CIDR and no other service's.
   */
  vip: z.string().refine((ip) => parseIp(ip)?.family === 4, 'expected an IPv4 address such as 10.96.0.10').optional(),
  sessionAffinity: z.enum(SESSION_AFFINITIES, { error: `expected one of: ${SESSION_AFFINITIES.join(', ')}` }).optional(),
}).superRefine((svc, ctx) => {
  const seen = new Set<number>();
  svc.ports.forEach((p, i) => {
    if (seen.has(p.port)) ctx.addIssue({ code: 'custom', path: ['ports', i, 'port'], message: `port ${p.port} is listed twice` });
    seen.add(p.port);
  });
});

export type Service = z.infer<typeof ServiceSchema>;
export type ServicePort = z.infer<typeof ServicePortSchema>;
