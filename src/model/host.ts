import { z } from 'zod';
import { parseIp } from '../net/ip-address';
import { Name, strictObject } from './schema-helpers';

/**
 * A host as its agent reports it: runtime state, not something users apply. The agent
 * re-reports on every change and periodically; `loom get hosts` shows the latest.
 */
export const HostStatusSchema = strictObject({
  name: Name,
  underlayIp: z.string().refine((ip) => parseIp(ip)?.family === 4, 'expected the IPv4 address of the underlay (tunnel endpoint)'),
  /** `system` when the kernel datapath works, else `netdev` (userspace). */
  datapathType: z.enum(['system', 'netdev']),
  tunnelOfport: z.number().int().min(1).optional(),
  mtu: z.number().int().min(576).max(9000).optional(),
  hwOffload: strictObject({ enabled: z.boolean(), offloadedFlows: z.number().int().min(0) }).optional(),
  /** br-int's datapath id (16 hex digits), how the controller recognises the host's switch. */
  datapathId: z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex digits').optional(),
  /** ovs-vswitchd's control socket on the host (absolute path): where `loom trace` runs ofproto/trace, on that host. */
  vswitchdCtl: z.string().regex(/^\//, 'expected an absolute path').optional(),
});

export type HostStatus = z.infer<typeof HostStatusSchema>;
export type ReportedHost = HostStatus & { reportedAt: string };
