import { isIP } from 'node:net';
import type { Answer, Question } from 'dns-packet';
import { instanceStatus } from './catalog-reads';
import type { CatalogState } from './catalog-state';
import type { AgentNode } from './catalog-writes';
import type { ServiceRecord } from './records';

/**
 * Consul's DNS interface, answered from the catalog (no sockets here):
 *   <service>.service[.<dc>].consul          A / AAAA / SRV of the passing instances
 *   <tag>.<service>.service[.<dc>].consul    the same, instances with that tag
 *   _<service>._<tag>.service[.<dc>].consul  RFC 2782 form (`_tcp` means any tag)
 *   <node>.node[.<dc>].consul                the node's address
 *   <hex ip>.addr[.<dc>].consul              the address an SRV target names
 * Only instances whose checks all pass are served (Consul's `only_passing = true`):
 * DNS has no way to say "degraded". TTLs are 0, as Consul's defaults, so a health change
 * is seen by the next lookup.
 */

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED';

export interface DnsAnswer {
  rcode: Rcode;
  answers: Answer[];
  additionals: Answer[];
  authorities: Answer[];
}

export const RCODE_VALUES: Record<Rcode, number> = { NOERROR: 0, NXDOMAIN: 3, REFUSED: 5 };

export function answerQuestion(state: CatalogState, agent: AgentNode, domain: string, q: Question): DnsAnswer {
  const name = q.name.toLowerCase().replace(/\.$/, '');
  const suffix = `.${domain}`;
  if (name !== domain && !name.endsWith(suffix)) return { rcode: 'REFUSED', answers: [], additionals: [], authorities: [] };
  let labels = name.slice(0, name.length - suffix.length).split('.');
  if (labels.length >= 2 && labels[labels.length - 1] === agent.datacenter.toLowerCase()) labels = labels.slice(0, -1);
  const kind = labels[labels.length - 1];
  const rest = labels.slice(0, -1);
  const soa = soaRecord(domain, state.currentIndex());
  const nxdomain: DnsAnswer = { rcode: 'NXDOMAIN', answers: [], additionals: [], authorities: [soa] };

  if (kind === 'service' && (rest.length === 1 || rest.length === 2)) {
    let [tag, service] = rest.length === 2 ? rest : [undefined, rest[0]];
    if (tag?.startsWith('_') && service.startsWith('_')) [service, tag] = [tag.slice(1), service.slice(1) === 'tcp' ? undefined : service.slice(1)];
    const instances = serviceByName(state, service).filter((s) => (tag === undefined || s.Tags.some((t) => t.toLowerCase() === tag)) && instanceStatus(state, s) === 'passing');
    if (instances.length === 0) return nxdomain;
    return { rcode: 'NOERROR', authorities: [], ...serviceRecords(state, agent, domain, q, shuffled(instances)) };
  }
  if (kind === 'node' && rest.length === 1) {
    const node = state.allNodes().find((n) => n.Node.toLowerCase() === rest[0]);
    if (!node) return nxdomain;
    return { rcode: 'NOERROR', answers: addressRecords(q.name, node.Address, q.type), additionals: [], authorities: [] };
  }
  if (kind === 'addr' && rest.length === 1) {
    const address = addressFromHex(rest[0]);
    if (!address) return nxdomain;
    return { rcode: 'NOERROR', answers: addressRecords(q.name, address, q.type), additionals: [], authorities: [] };
  }
  return nxdomain;
}

function serviceRecords(state: CatalogState, agent: AgentNode, domain: string, q: Question, instances: ServiceRecord[]) {
  const answers: Answer[] = [];
  const additionals: Answer[] = [];
  for (const s of instances) {
    const node = state.node(s.Node)!;
    const address = s.Address || node.Address;
    if (q.type === 'SRV') {
      // Consul names the node when the instance uses the node's address, else the address itself.
      const target = s.Address && s.Address !== node.Address ? `${addressToHex(address)}.addr.${agent.datacenter}.${domain}` : `${node.Node}.node.${agent.datacenter}.${domain}`;
      answers.push({ name: q.name, type: 'SRV', class: 'IN', ttl: 0, data: { priority: 1, weight: s.Weights.Passing, port: s.Port, target } });
      additionals.push(...addressRecords(target, address, 'ANY'));
    } else {
      answers.push(...addressRecords(q.name, address, q.type));
    }
  }
  return { answers, additionals };
}

function serviceByName(state: CatalogState, lowerName: string): ServiceRecord[] {
  const exact = state.instancesOf(lowerName);
  if (exact.length > 0) return exact;
  // DNS is case-insensitive; service names in the catalog need not be.
  const names = new Set(state.allServices().filter((s) => s.Service.toLowerCase() === lowerName).map((s) => s.Service));
  return [...names].flatMap((n) => state.instancesOf(n));
}

/** A or AAAA for an IP; nothing for a hostname address (Consul would answer a CNAME). */
function addressRecords(name: string, address: string, type: string): Answer[] {
  const family = isIP(address);
  if (family === 4 && (type === 'A' || type === 'ANY')) return [{ name, type: 'A', class: 'IN', ttl: 0, data: address }];
  if (family === 6 && (type === 'AAAA' || type === 'ANY')) return [{ name, type: 'AAAA', class: 'IN', ttl: 0, data: address }];
  return [];
}

function addressToHex(address: string): string {
  if (isIP(address) === 4) return address.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('');
  if (isIP(address) === 6) return expandIpv6(address).replace(/:/g, '');
  return address;
}

function addressFromHex(hex: string): string | undefined {
  if (/^[0-9a-f]{8}$/.test(hex)) return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
  if (/^[0-9a-f]{32}$/.test(hex)) return hex.match(/.{4}/g)!.join(':');
  return undefined;
}

function expandIpv6(address: string): string {
  const [head, tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

function soaRecord(domain: string, serial: number): Answer {
  return {
    name: domain,
    type: 'SOA',
    class: 'IN',
    ttl: 0,
    data: { mname: `ns.${domain}`, rname: `hostmaster.${domain}`, serial: serial >>> 0, refresh: 3600, retry: 600, expire: 86400, minimum: 0 },
  };
}

/** Consul shuffles answers so that clients taking the first record spread their load. */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
