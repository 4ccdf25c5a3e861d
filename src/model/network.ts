import { z } from 'zod';
import { Name, strictObject } from './schema-helpers';
import { cidrContains, parseCidr, parseIp } from '../net/ip-address';

/**
 * An L2 overlay network: pods attached to it reach each other by IP across hosts over
 * VXLAN with this VNI. Networks may use overlapping CIDRs; their pods never reach each
 * other (separate VNI, separate flows).
 */
export const NetworkSchema = strictObject({
  kind: z.literal('Network'),
  name: Name,
  cidr: z.string().refine((c) => parseCidr(c)?.address.family === 4, 'expected an IPv4 CIDR such as 10.244.0.0/16'),
  vni: z.number({ error: 'expected a VXLAN network identifier' }).int().min(1, 'VNIs are 1-16777215').max(16_777_215, 'VNIs are 1-16777215'),
  gateway: z.string().refine((ip) => parseIp(ip)?.family === 4, 'expected an IPv4 address').optional(),
  /** Pod MTU; default underlay MTU − 50 (VXLAN overhead), i.e. 1450 on a 1500 underlay. */
  mtu: z.number().int().min(576, 'MTUs are 576-9000').max(9000, 'MTUs are 576-9000').optional(),
}).superRefine((net, ctx) => {
  const cidr = parseCidr(net.cidr);
  const gateway = net.gateway ? parseIp(net.gateway) : undefined;
  if (cidr && gateway && !cidrContains(cidr, gateway)) {
    ctx.addIssue({ code: 'custom', path: ['gateway'], message: `gateway ${net.gateway} is outside ${net.cidr}` });
  }
});

export type Network = z.infer<typeof NetworkSchema>;
