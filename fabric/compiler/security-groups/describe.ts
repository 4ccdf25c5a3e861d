import { formatSelector, type Peer, type SgExport } from '../../../src/model/security-group';
import type { Traffic } from './policy';

/**
 * How a compiled rule reads in counters and traces: `group web ingress[0]: tcp 80,8000-8080
 * from group frontend, cidr 10.0.0.0/8`. Field names and indexes are the resource's own, so
 * an operator finds the rule in the YAML.
 */

export function describeTraffic(t: Traffic): string {
  if (t.protocol === 'any') return 'any protocol';
  if (t.protocol === 'icmp') return t.icmp ? `icmp type ${t.icmp.type}${t.icmp.code === undefined ? '' : ` code ${t.icmp.code}`}` : 'icmp';
  return t.ports ? `${t.protocol} ${t.ports.map((p) => (p.from === p.to ? String(p.from) : `${p.from}-${p.to}`)).join(',')}` : t.protocol;
}

export function describePeer(p: Peer): string {
  if (p.group !== undefined) return `group ${p.group}`;
  if (p.service !== undefined) return `service ${p.service}`;
  if (p.selector !== undefined) return `selector ${formatSelector(p.selector)}`;
  return `cidr ${p.cidr}`;
}

export function describeExport(exp: SgExport): string {
  const what = exp.service !== undefined ? `service ${exp.service}` : `selector ${formatSelector(exp.selector ?? {})}`;
  return `${what} to ${exp.to.map((g) => `group ${g}`).join(', ')}`;
}
