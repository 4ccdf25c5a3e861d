import { stringify } from 'yaml';
import type { ReportedHost } from '../model/host';
import type { Kind, Resource } from '../model/kinds';
import { formatSelector } from '../model/security-group';
import type { StreamStatus } from '../../xds/server/stream-registry';
import { ruleLabel, type HopResult, type RuleStat, type SecurityGroupStats, type TraceResult } from '../../fabric/trace';

/** Human-readable output of the CLI: aligned tables, or YAML/JSON on request. */

/** `wide`: the table with more detail where a kind has it (security groups: a row per rule, with its hits). */
export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json';

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('   ')).join('\n');
}

const labels = (l: Record<string, string> | undefined) => Object.entries(l ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '-';

const COLUMNS: { [K in Kind]: { header: string[]; row: (r: Extract<Resource, { kind: K }>) => string[] } } = {
  Service: {
    header: ['NAME', 'PORTS', 'LOAD BALANCER', 'LABELS'],
    row: (s) => [s.name, s.ports.map((p) => `${p.port}/${p.protocol}`).join(','), s.loadBalancer ?? 'round_robin', labels(s.labels)],
  },
  Endpoint: {
    header: ['NAME', 'SERVICE', 'ADDRESS', 'HEALTH', 'HOST', 'NETWORK', 'LABELS'],
    row: (e) => [e.name, e.service ?? '-', e.port === undefined ? e.address : `${e.address}:${e.port}`, e.health ?? 'healthy', e.host ?? '-', e.network ?? '-', labels(e.labels)],
  },
  Network: {
    header: ['NAME', 'CIDR', 'VNI', 'GATEWAY', 'MTU'],
    row: (n) => [n.name, n.cidr, String(n.vni), n.gateway ?? '-', String(n.mtu ?? 1450)],
  },
  Route: {
    header: ['NAME', 'SERVICE', 'RULES', 'PINNING'],
    row: (r) => [r.name, r.service, String(r.rules?.length ?? 0), pinningSummary(r.pinning)],
  },
  SecurityGroup: {
    header: ['NAME', 'MEMBERS', 'INGRESS RULES', 'EGRESS RULES', 'EXPORTS'],
    row: (g) => [
      g.name,
      [g.members.selector && formatSelector(g.members.selector), ...(g.members.services ?? []).map((s) => `service/${s}`), ...(g.members.groups ?? []).map((x) => `group/${x}`)].filter(Boolean).join(','),
      String(g.ingress?.length ?? 0),
      // Without `egress`, members may send anything.
      g.egress ? String(g.egress.length) : 'open',
      (g.exports ?? []).map((e) => `${e.service !== undefined ? `service/${e.service}` : formatSelector(e.selector ?? {})}→${e.to.join('+')}`).join(',') || '-',
    ],
  },
};

function pinningSummary(p: Extract<Resource, { kind: 'Route' }>['pinning']): string {
  const by = [`header ${p?.header ?? 'x-loom-backend'}`, p?.query && `query ${p.query}`, p?.cookie && `cookie ${p.cookie}`].filter(Boolean);
  return `${by.join(', ')}; unknown: ${p?.onUnknown ?? 'fallback'}`;
}

export function formatResources(kind: Kind, items: Resource[], format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(items, null, 2);
  if (format === 'yaml') return items.map((i) => stringify(i)).join('---\n');
  if (items.length === 0) return `No ${kind.toLowerCase()}s.`;
  // Security groups' wide table is their rules with hits (formatRuleStats); other kinds have no wider one.
  const columns = COLUMNS[kind] as { header: string[]; row: (r: Resource) => string[] };
  return table(columns.header, items.map(columns.row));
}

/**
 * Per type: ACKED (the client runs what was sent), SENT (no answer yet), NACK (rejected;
 * it runs the version it last accepted), each with the version sent and, when different,
 * the version the client runs.
 */
export function formatProxyStatus(streams: StreamStatus[], format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(streams, null, 2);
  if (format === 'yaml') return stringify(streams);
  if (streams.length === 0) return 'No xDS clients connected.';
  const short = (v: string | undefined) => (v ? v.slice(0, 8) : 'none');
  const state = (s: StreamStatus, type: string) => {
    const t = s.types[type];
    if (!t || !t.sentVersion) return t ? 'NOT SENT' : '-';
    const nacked = t.lastNack && t.lastNack.version === t.sentVersion;
    const word = nacked ? 'NACK' : t.ackedVersion === t.sentVersion ? 'ACKED' : 'SENT';
    return t.ackedVersion === t.sentVersion ? `${word} ${short(t.sentVersion)}` : `${word} ${short(t.sentVersion)} (runs ${short(t.ackedVersion)})`;
  };
  const rows = streams.map((s) => [s.nodeId ?? '-', s.userAgent ?? '-', s.protocol, ...['CDS', 'EDS', 'LDS', 'RDS'].map((t) => state(s, t))]);
  const nacks = streams.flatMap((s) =>
    Object.entries(s.types)
      .filter(([, t]) => t.lastNack)
      .map(([type, t]) => `  ${s.nodeId ?? s.streamId} ${type} rejected version ${t.lastNack!.version} at ${t.lastNack!.at}: ${t.lastNack!.message}`),
  );
  return table(['NODE', 'AGENT', 'XDS', 'CDS', 'EDS', 'LDS', 'RDS'], rows) + (nacks.length ? `\n\nLast NACKs:\n${nacks.join('\n')}` : '');
}

/** Hosts as their agents report them, with whether flows are offloaded to the NIC. */
export function formatHosts(hosts: ReportedHost[], format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(hosts, null, 2);
  if (format === 'yaml') return hosts.map((h) => stringify(h)).join('---\n');
  if (hosts.length === 0) return 'No hosts reported.';
  const offload = (h: ReportedHost) => (h.hwOffload?.enabled ? `on (${h.hwOffload.offloadedFlows} flows)` : 'off');
  return table(
    ['NAME', 'UNDERLAY', 'DATAPATH', 'MTU', 'HW OFFLOAD', 'REPORTED'],
    hosts.map((h) => [h.name, h.underlayIp, h.datapathType, String(h.mtu ?? '-'), offload(h), h.reportedAt]),
  );
}

/**
 * `loom get securitygroups -o wide`: a row per rule of each group (exports as their
 * ingress and egress halves) and each tenant, with the packets it allowed summed over the
 * hosts. `groups` narrows to those groups (and drops tenants); hits the controller could
 * not read show as `n/a` with the reason below, never as 0.
 */
export function formatRuleStats(stats: SecurityGroupStats, groups?: readonly string[]): string {
  const rules = groups ? stats.rules.filter((r) => r.kind !== 'tenant' && groups.includes(r.group)) : stats.rules;
  if (rules.length === 0) return groups ? `No rules in security group ${groups.join(', ')}.` : 'No security-group rules.';
  const shared = rules.filter((r) => r.sharedWith?.length);
  const hits = (r: RuleStat) => (r.hits === null ? 'n/a' : `${r.hits}${r.sharedWith?.length ? '*' : ''}`);
  const rows = rules.map((r) => [r.kind === 'tenant' ? `tenant ${r.group}` : r.group, ruleLabel(r), r.description.replace(/^(group \S+ [^:]+|tenant \S+): /, ''), hits(r)]);
  const notes = [
    ...shared.map((r) => `* ${r.group} ${ruleLabel(r)} shares its flows with ${r.sharedWith!.join(', ')}: the count is theirs together`),
    ...(stats.reason ? [`${stats.available ? 'partial hits' : 'hits unavailable'}: ${stats.reason}`] : []),
  ];
  return table(['GROUP', 'RULE', 'DESCRIPTION', 'HITS'], rows) + (notes.length ? `\n\n${notes.join('\n')}` : '');
}

/** `loom trace`: the packet, then each host's tables with what happened there, then the verdict. */
export function formatTrace(result: TraceResult): string {
  const lines = [`trace ${result.summary}`];
  for (const hop of result.hops) lines.push(...formatHop(hop));
  const v = result.verdict;
  lines.push(`verdict: ${v.text}`);
  if (v.balanced) lines.push(`  balanced to ${v.balanced.backend ?? v.balanced.ip} (${v.balanced.ip})${v.balanced.how === 'group' ? ` by the select group's bucket ${v.balanced.bucket ?? '?'}; the datapath hashes each real connection, so another one may go to another backend` : ' by ClientIP affinity'}`);
  for (const r of v.allowedBy) lines.push(`  allowed on host ${r.host} by ${r.description}`);
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

function formatHop(hop: HopResult): string[] {
  if (!hop.traced) return [`host ${hop.host}: not traced: ${hop.unreachable}`, `  the packet there: ovs-appctl ofproto/trace br-int '${hop.flow}'`];
  const width = Math.max(...hop.steps.map((s) => s.table.length));
  return [`host ${hop.host}`, ...hop.steps.map((s) => `  ${s.table.padEnd(width)}  ${s.text}`)];
}
