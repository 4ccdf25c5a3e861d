import { z } from 'zod';
import { Labels, Name, Port, strictObject } from './schema-helpers';

export const PROTOCOLS = ['http', 'grpc', 'tcp'] as const;

/**
 * Load-balancing algorithms. `round_robin` and `ring_hash` work for every consumer;
 * `least_request`, `random` and `maglev` are Envoy-only: proxyless gRPC clients reject
 * such clusters (the rejection shows in `loom proxy-status`).
 */
export const LOAD_BALANCERS = ['round_robin', 'ring_hash', 'least_request', 'random', 'maglev'] as const;
export type LoadBalancer = (typeof LOAD_BALANCERS)[number];

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
}).superRefine((svc, ctx) => {
  const seen = new Set<number>();
  svc.ports.forEach((p, i) => {
    if (seen.has(p.port)) ctx.addIssue({ code: 'custom', path: ['ports', i, 'port'], message: `port ${p.port} is listed twice` });
    seen.add(p.port);
  });
});

export type Service = z.infer<typeof ServiceSchema>;
export type ServicePort = z.infer<typeof ServicePortSchema>;
