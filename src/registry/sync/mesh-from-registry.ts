import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Endpoint } from '../../model/endpoint';
import { PROTOCOLS, type Service } from '../../model/service';
import { LOOM_MANAGED_META, type ServiceInstance } from '../registry';
import { ORIGIN_LABEL, ORIGIN_REGISTRY } from './origin';

/**
 * Registry → model, a pure translation: the services others registered (every instance
 * without meta `loom-managed=true`) as mesh Services and Endpoints.
 *
 * - Service `<name>`: one port per distinct instance port, with the protocol from the
 *   first instance (by node, then ID) that states one — meta `protocol` (`http`, `grpc`,
 *   `tcp`), else a tag of that name — else `tcp`, Consul's default.
 * - Endpoint `<service>-<instance id>`, lowercased, with characters a name cannot have
 *   replaced by `-`. When that changes the ID or two instances would share a name (same
 *   ID on two nodes), a hash of node and ID is appended: `echo-web-1-3f2a9c01`.
 * - health: `healthy` when every check passes, else `unhealthy` (it leaves EDS).
 * - labels: `loom/origin: registry`, the instance's meta, and `tag/<tag>: "true"` for
 *   each tag (for route subsets), where key and value fit label rules.
 * - host: the Consul node, when it is a valid name (becomes the EDS locality).
 * What cannot be represented (a service name that is not a DNS-style name, an address
 * that is a hostname, port 0) is listed in `skipped` with the reason.
 */

export interface ExternalMesh {
  services: Service[];
  endpoints: Endpoint[];
  skipped: { service: string; instance?: string; reason: string }[];
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const LABEL_KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]{0,61}[A-Za-z0-9])?$/;

export function meshFromRegistry(catalog: Readonly<Record<string, readonly ServiceInstance[]>>): ExternalMesh {
  const out: ExternalMesh = { services: [], endpoints: [], skipped: [] };
  for (const name of Object.keys(catalog).sort()) {
    const instances = catalog[name]
      .filter((i) => i.meta[LOOM_MANAGED_META] !== 'true')
      .sort((a, b) => a.node.localeCompare(b.node) || a.id.localeCompare(b.id));
    if (instances.length === 0) continue;
    if (!NAME.test(name)) {
      out.skipped.push({ service: name, reason: 'not a DNS-style name (lowercase letters, digits, "-", "."), which mesh services need' });
      continue;
    }
    const usable = instances.filter((i) => {
      const reason = i.port <= 0 ? 'has no port' : isIP(i.address) === 0 ? `address "${i.address}" is not an IP address` : undefined;
      if (reason) out.skipped.push({ service: name, instance: i.id, reason });
      return !reason;
    });
    if (usable.length === 0) continue;
    const protocol = protocolOf(usable);
    const ports = [...new Set(usable.map((i) => i.port))].sort((a, b) => a - b);
    out.services.push({ kind: 'Service', name, ports: ports.map((port) => ({ port, protocol })), labels: { [ORIGIN_LABEL]: ORIGIN_REGISTRY } });
    out.endpoints.push(...endpointsOf(name, usable));
  }
  return out;
}

function protocolOf(instances: readonly ServiceInstance[]): Service['ports'][number]['protocol'] {
  const known = (v: string | undefined) => (PROTOCOLS as readonly string[]).includes(v ?? '') ? (v as (typeof PROTOCOLS)[number]) : undefined;
  for (const i of instances) {
    const p = known(i.meta.protocol?.toLowerCase()) ?? i.tags.map((t) => known(t.toLowerCase())).find(Boolean);
    if (p) return p;
  }
  return 'tcp';
}

function endpointsOf(service: string, instances: readonly ServiceInstance[]): Endpoint[] {
  const plain = instances.map((i) => sanitize(`${service}-${i.id}`));
  const count = new Map<string, number>();
  for (const n of plain) count.set(n, (count.get(n) ?? 0) + 1);
  return instances.map((i, k) => {
    const exact = plain[k] === `${service}-${i.id}` && count.get(plain[k]) === 1;
    const name = exact ? plain[k] : `${plain[k].slice(0, 244).replace(/[-.]+$/, '')}-${shortHash(`${i.node}/${i.id}`)}`;
    const ep: Endpoint = {
      kind: 'Endpoint',
      name,
      service,
      address: i.address,
      port: i.port,
      labels: labelsOf(i),
      health: i.status === 'passing' ? 'healthy' : 'unhealthy',
    };
    if (NAME.test(i.node)) ep.host = i.node;
    return ep;
  });
}

function labelsOf(i: ServiceInstance): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.meta)) if (LABEL_KEY.test(k) && v.length <= 63) labels[k] = v;
  for (const t of i.tags) if (LABEL_KEY.test(`tag/${t}`)) labels[`tag/${t}`] = 'true';
  labels[ORIGIN_LABEL] = ORIGIN_REGISTRY;
  return labels;
}

function sanitize(text: string): string {
  const s = text.toLowerCase().replace(/[^-a-z0-9.]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return (s || 'instance').slice(0, 253).replace(/[-.]+$/, '');
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}
