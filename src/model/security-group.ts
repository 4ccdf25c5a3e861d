import { z } from 'zod';
import { parseCidr } from '../net/ip-address';
import { exactlyOne, Labels, Name, strictObject } from './schema-helpers';

/**
 * A SecurityGroup: L3/L4 isolation of pods, enforced in OVS on the pods' hosts.
 *
 * - `members`: endpoints whose labels include all of `selector`, the backends of
 *   `services`, and the members of other `groups` (a union).
 * - `ingress`: a member of any group accepts only new connections some rule of one of its
 *   groups allows; replies and related packets (ICMP errors) of allowed connections pass,
 *   invalid packets are dropped.
 * - `egress`: when present (even empty), members may open only the connections these allow.
 * - `exports`: lets other groups reach exactly one of this group's Services (its ports) or
 *   a selection of its pods (any port), through tenant isolation and their own egress rules.
 *
 * Every tenant (an endpoint's `tenant` label) is implicitly a group of its own: its
 * endpoints accept connections from each other only, unless a group lets more in.
 *
 * Only single-document rules are checked here; references between resources (groups,
 * services, cycles, exports) are checked with the whole mesh (security-group-checks.ts).
 */

/** The label that puts an endpoint in a tenant. */
export const TENANT_LABEL = 'tenant';

export const SG_PROTOCOLS = ['tcp', 'udp', 'icmp', 'any'] as const;
export type SgProtocol = (typeof SG_PROTOCOLS)[number];

/** An inclusive range of transport ports. */
export interface PortRange {
  from: number;
  to: number;
}

const PORT_RANGE = /^(\d{1,5})(?:-(\d{1,5}))?$/;

/** `80` or `"8000-8080"` (or `"80"`) as a range, or why it is not one. */
export function portRangeOf(spec: number | string): PortRange | { error: string } {
  const m = typeof spec === 'string' ? PORT_RANGE.exec(spec) : undefined;
  const from = typeof spec === 'number' ? spec : Number(m?.[1]);
  const to = typeof spec === 'number' || m?.[2] === undefined ? from : Number(m[2]);
  if (!Number.isInteger(from) || !Number.isInteger(to)) return { error: `expected a port such as 80 or a range such as "8000-8080", got ${JSON.stringify(spec)}` };
  if (from < 1 || to < 1 || from > 65535 || to > 65535) return { error: `ports are 1-65535, got ${JSON.stringify(spec)}` };
  if (from > to) return { error: `port range ${spec} starts after it ends; write the lower port first (${to}-${from})` };
  return { from, to };
}

const PortSpec = z
  .union([z.number(), z.string()], { error: 'expected a port such as 80 or a range such as "8000-8080"' })
  .superRefine((spec, ctx) => {
    const range = portRangeOf(spec);
    if ('error' in range) ctx.addIssue({ code: 'custom', message: range.error });
  });

/** IPv4 only, like the pipeline; host bits zero, so what is written is what is matched. */
const Cidr = z.string().refine((text) => {
  const cidr = parseCidr(text);
  return cidr?.address.family === 4 && cidr.address.value % 2n ** BigInt(32 - cidr.prefixLength) === 0n;
}, 'expected an IPv4 CIDR with its host bits zero, such as 10.0.0.0/8 (one address: 10.0.0.5/32; anywhere: 0.0.0.0/0)');

const IcmpByte = (what: string) => z.number({ error: `expected an ICMP ${what} (0-255)` }).int().min(0, `ICMP ${what}s are 0-255`).max(255, `ICMP ${what}s are 0-255`);

export const PeerSchema = strictObject({
  group: Name.optional(),
  service: Name.optional(),
  selector: Labels.optional(),
  cidr: Cidr.optional(),
}).superRefine(exactlyOne(['group', 'service', 'selector', 'cidr'], 'a peer'));

const Peers = z.array(PeerSchema).min(1, 'a rule needs at least one peer; {cidr: 0.0.0.0/0} means anywhere');

const RULE_SHAPE = {
  /** Default `any`. */
  protocol: z.enum(SG_PROTOCOLS, { error: `expected one of: ${SG_PROTOCOLS.join(', ')}` }).optional(),
  /** tcp and udp only; absent: every port. */
  ports: z.array(PortSpec).min(1, 'leave ports out to allow every port').optional(),
  /** icmp only; absent: every ICMP message. */
  icmp: strictObject({ type: IcmpByte('type'), code: IcmpByte('code').optional() }).optional(),
};

function checkProtocolFields(rule: { protocol?: SgProtocol; ports?: unknown; icmp?: unknown }, ctx: z.RefinementCtx): void {
  const protocol = rule.protocol ?? 'any';
  if (rule.ports !== undefined && protocol !== 'tcp' && protocol !== 'udp') {
    ctx.addIssue({ code: 'custom', path: ['ports'], message: `ports apply to protocol tcp or udp; this rule's protocol is ${protocol}${rule.protocol ? '' : ' (the default)'}` });
  }
  if (rule.icmp !== undefined && protocol !== 'icmp') {
    ctx.addIssue({ code: 'custom', path: ['icmp'], message: `icmp applies to protocol icmp; this rule's protocol is ${protocol}${rule.protocol ? '' : ' (the default)'}` });
  }
}

export const IngressRuleSchema = strictObject({ ...RULE_SHAPE, from: Peers }).superRefine(checkProtocolFields);
export const EgressRuleSchema = strictObject({ ...RULE_SHAPE, to: Peers }).superRefine(checkProtocolFields);

export const MembersSchema = strictObject({
  selector: Labels.optional(),
  services: z.array(Name).optional(),
  groups: z.array(Name).optional(),
}).superRefine((m, ctx) => {
  if (m.selector === undefined && !m.services?.length && !m.groups?.length) {
    ctx.addIssue({ code: 'custom', message: 'a group needs members: a selector, services or groups' });
  }
});

export const ExportSchema = strictObject({
  service: Name.optional(),
  selector: Labels.optional(),
  to: z.array(Name).min(1, 'an export needs at least one group to export to'),
}).superRefine(exactlyOne(['service', 'selector'], 'an export'));

export const SecurityGroupSchema = strictObject({
  kind: z.literal('SecurityGroup'),
  name: Name,
  members: MembersSchema,
  ingress: z.array(IngressRuleSchema).optional(),
  /** Present (even empty): members are egress-isolated. */
  egress: z.array(EgressRuleSchema).optional(),
  exports: z.array(ExportSchema).optional(),
});

export type SecurityGroup = z.infer<typeof SecurityGroupSchema>;
export type Peer = z.infer<typeof PeerSchema>;
export type IngressRule = z.infer<typeof IngressRuleSchema>;
export type EgressRule = z.infer<typeof EgressRuleSchema>;
export type SgExport = z.infer<typeof ExportSchema>;
export type Selector = Readonly<Record<string, string>>;

/** The parts of a rule both directions share, with its peers under one name. */
export interface SgRule {
  protocol: SgProtocol;
  ports?: (number | string)[];
  icmp?: { type: number; code?: number };
  peers: Peer[];
}

/** A rule of either direction in one shape (the default protocol filled in). */
export function ruleOf(rule: IngressRule | EgressRule): SgRule {
  return { protocol: rule.protocol ?? 'any', ports: rule.ports, icmp: rule.icmp, peers: 'from' in rule ? rule.from : rule.to };
}

/** Whether `labels` has every label of `selector` (an empty selector selects everything). */
export function selects(selector: Selector, labels: Selector | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** `app=web,tier=front`, for messages and descriptions. */
export function formatSelector(selector: Selector): string {
  const text = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  return text || '(everything)';
}
