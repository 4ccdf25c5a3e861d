import { parseResourceDocuments } from '../src/model/documents';
import type { ReportedHost } from '../src/model/host';
import { applyResources, emptyMesh, type Mesh } from '../src/model/mesh';
import type { SecurityGroup } from '../src/model/security-group';
import { assignServiceVips, DEFAULT_SERVICE_CIDR } from '../src/model/service-vips';

/**
 * The policy bench:secgroups compiles, installs and changes: a microservice estate as
 * documents (JSON, which is YAML), so the same text goes through `applyResources` here and
 * through the REST API in the cluster.
 *
 * 25 apps of 5 tiers, each app a Service whose backends are its pods, spread evenly over
 * the hosts (every app on every host); 80 % of each app's pods `env: prod`. One
 * SecurityGroup per app (its Service's backends), 100 rules in all, with every peer kind:
 *
 * | group      | ingress                                                              | egress |
 * |------------|----------------------------------------------------------------------|--------|
 * | web-k      | tcp 80,443 from anywhere; icmp echo from 10.0.0.0/8                 | tcp 8080,9000-9099 to groups api-2k, api-2k+1; udp 53 to the DNS VIP |
 * | api-k      | tcp 8080,9000-9099 from group web-k/2; tcp 8080 from selector tier=api,env=prod; tcp 9090-9091 from selector app=monitoring | tcp 5432,6379 to services db-k%4, cache-k%3; udp 53 to the DNS VIP |
 * | worker-k   | tcp 9090-9091 from selector app=monitoring                           | tcp 8080 to selector tier=api; tcp 5432 to group db-k%4; udp 53 to the DNS VIP |
 * | db-k       | tcp 5432 from selector tier=api; tcp 5432 from group worker-k; tcp 9187 from selector app=monitoring; tcp 5432 from 10.40.0.0/16 (backups) | — |
 * | cache-k    | tcp 6379 from selector tier=api,env=prod; tcp 9121 from selector app=monitoring | — |
 * | monitoring | tcp 9090 from 10.0.0.0/8                                              | tcp 9000-9999 to the pod network |
 *
 * 4 web, 8 api, 5 worker, 4 db, 3 cache and 1 monitoring app: 16 + 40 + 20 + 16 + 6 + 2 = 100 rules.
 */

export const NETWORK = { name: 'pods', cidr: '10.32.0.0/16', vni: 7000, gateway: '10.32.0.1' };
const DNS_VIP = '10.96.0.10/32';

const TIERS = [
  { tier: 'web', apps: 4, port: 8080 },
  { tier: 'api', apps: 8, port: 8080 },
  { tier: 'worker', apps: 5, port: 9090 },
  { tier: 'db', apps: 4, port: 5432 },
  { tier: 'cache', apps: 3, port: 6379 },
  { tier: 'monitoring', apps: 1, port: 9090 },
] as const;

interface App {
  name: string;
  tier: (typeof TIERS)[number]['tier'];
  index: number;
  port: number;
}

const APPS: readonly App[] = TIERS.flatMap(({ tier, apps, port }) =>
  Array.from({ length: apps }, (_, index) => ({ name: tier === 'monitoring' ? 'monitoring' : `${tier}-${index}`, tier, index, port })),
);

export interface MeshOptions {
  endpoints: number;
  /** Hosts the endpoints are spread over, evenly and in blocks (endpoint i on host ⌊i·H/E⌋). */
  hosts: readonly string[];
  /** Each endpoint's br-int port on its host is `firstOfport` + its position there. */
  firstOfport: number;
  /** Endpoint addresses start here, within NETWORK; default 1,000 (10.32.3.232). */
  firstAddress?: number;
}

export interface PolicyDocuments {
  network: object;
  services: object[];
  endpoints: object[];
  groups: SecurityGroup[];
}

/** The Network, Services, Endpoints and SecurityGroups as documents. */
export function policyDocuments(options: MeshOptions): PolicyDocuments {
  const firstAddress = options.firstAddress ?? 1000;
  const perHost = new Map<string, number>();
  const endpoints = Array.from({ length: options.endpoints }, (_, i) => {
    const app = APPS[i % APPS.length];
    const host = options.hosts[Math.floor((i * options.hosts.length) / options.endpoints)];
    const position = perHost.get(host) ?? 0;
    perHost.set(host, position + 1);
    const n = firstAddress + i;
    return {
      kind: 'Endpoint',
      name: `pod-${i}`,
      network: NETWORK.name,
      address: `10.32.${n >> 8}.${n & 255}`,
      mac: `0a:58:0a:20:${hex(n >> 8)}:${hex(n & 255)}`,
      host,
      ofport: options.firstOfport + position,
      service: app.name,
      port: app.port,
      labels: { app: app.name, tier: app.tier, env: Math.floor(i / APPS.length) % 5 === 4 ? 'staging' : 'prod' },
    };
  });
  const services = APPS.map((app) => ({ kind: 'Service', name: app.name, ports: [{ port: app.port, protocol: app.tier === 'web' || app.tier === 'api' ? 'http' : 'tcp' }] }));
  return { network: { kind: 'Network', ...NETWORK }, services, endpoints, groups: APPS.map(securityGroup) };
}

export function ruleCount(groups: readonly SecurityGroup[]): number {
  return groups.reduce((n, g) => n + (g.ingress?.length ?? 0) + (g.egress?.length ?? 0), 0);
}

function securityGroup(app: App): SecurityGroup {
  const monitoring = { selector: { app: 'monitoring' } };
  const dns = { protocol: 'udp' as const, ports: [53], to: [{ cidr: DNS_VIP }] };
  const members = { services: [app.name] };
  const k = app.index;
  switch (app.tier) {
    case 'web':
      return {
        kind: 'SecurityGroup',
        name: app.name,
        members,
        ingress: [
          { protocol: 'tcp', ports: [80, 443], from: [{ cidr: '0.0.0.0/0' }] },
          { protocol: 'icmp', icmp: { type: 8 }, from: [{ cidr: '10.0.0.0/8' }] },
        ],
        egress: [{ protocol: 'tcp', ports: [8080, '9000-9099'], to: [{ group: `api-${2 * k}` }, { group: `api-${2 * k + 1}` }] }, dns],
      };
    case 'api':
      return {
        kind: 'SecurityGroup',
        name: app.name,
        members,
        ingress: [
          { protocol: 'tcp', ports: [8080, '9000-9099'], from: [{ group: `web-${k >> 1}` }] },
          { protocol: 'tcp', ports: [8080], from: [{ selector: { tier: 'api', env: 'prod' } }] },
          { protocol: 'tcp', ports: ['9090-9091'], from: [monitoring] },
        ],
        egress: [{ protocol: 'tcp', ports: [5432, 6379], to: [{ service: `db-${k % 4}` }, { service: `cache-${k % 3}` }] }, dns],
      };
    case 'worker':
      return {
        kind: 'SecurityGroup',
        name: app.name,
        members,
        ingress: [{ protocol: 'tcp', ports: ['9090-9091'], from: [monitoring] }],
        egress: [{ protocol: 'tcp', ports: [8080], to: [{ selector: { tier: 'api' } }] }, { protocol: 'tcp', ports: [5432], to: [{ group: `db-${k % 4}` }] }, dns],
      };
    case 'db':
      return {
        kind: 'SecurityGroup',
        name: app.name,
        members,
        ingress: [
          { protocol: 'tcp', ports: [5432], from: [{ selector: { tier: 'api' } }] },
          { protocol: 'tcp', ports: [5432], from: [{ group: `worker-${k}` }] },
          { protocol: 'tcp', ports: [9187], from: [monitoring] },
          { protocol: 'tcp', ports: [5432], from: [{ cidr: '10.40.0.0/16' }] },
        ],
      };
    case 'cache':
      return {
        kind: 'SecurityGroup',
        name: app.name,
        members,
        ingress: [
          { protocol: 'tcp', ports: [6379], from: [{ selector: { tier: 'api', env: 'prod' } }] },
          { protocol: 'tcp', ports: [9121], from: [monitoring] },
        ],
      };
    case 'monitoring':
      return {
        kind: 'SecurityGroup',
        name: app.name,
        members,
        ingress: [{ protocol: 'tcp', ports: [9090], from: [{ cidr: '10.0.0.0/8' }] }],
        egress: [{ protocol: 'tcp', ports: ['9000-9999'], to: [{ cidr: NETWORK.cidr }] }],
      };
  }
}

/** Documents as one YAML stream (JSON per document), as `loom apply` takes it. */
export function yamlOf(documents: readonly object[]): string {
  return documents.map((d) => JSON.stringify(d)).join('\n---\n');
}

/**
 * The mesh as the control plane would hold it: validated by `applyResources` and with
 * the VIPs the daemon assigns from the default service CIDR.
 */
export function meshOf(docs: PolicyDocuments): Mesh {
  const parsed = parseResourceDocuments(yamlOf([docs.network, ...docs.services, ...docs.endpoints, ...docs.groups]), 'bench');
  const mesh = applyResources(emptyMesh(), parsed).mesh;
  return assignServiceVips(emptyMesh(), mesh, DEFAULT_SERVICE_CIDR);
}

/** Agents' reports for `hosts`: underlay 192.168.0.(i+1), every tunnel port `tunnelOfport`. */
export function reportedHosts(hosts: readonly string[], tunnelOfport: number): ReportedHost[] {
  return hosts.map((name, i) => ({ name, underlayIp: `192.168.0.${i + 1}`, datapathType: 'netdev', tunnelOfport, reportedAt: '2026-01-01T00:00:00Z' }));
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
