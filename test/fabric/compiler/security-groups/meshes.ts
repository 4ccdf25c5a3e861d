import path from 'node:path';
import { hostViewFromMesh, type HostView } from '../../../../fabric/pipeline';
import type { ReportedHost } from '../../../../src/model/host';
import { parseResourceDocuments } from '../../../../src/model/documents';
import { applyResources, emptyMesh, type Mesh } from '../../../../src/model/mesh';

/**
 * Meshes for the security-group compiler tests, written as users write them (YAML through
 * the same validation as `loom apply`), and host views of them.
 */

export const GOLDEN_FILE = path.join(__dirname, 'golden', 'host-a.flows');

export const HOSTS: ReportedHost[] = ['host-a', 'host-b', 'host-c'].map((name, i) => ({
  name,
  underlayIp: `192.168.50.${i + 1}`,
  datapathType: 'netdev',
  tunnelOfport: 100,
  reportedAt: '2025-01-01T00:00:00Z',
}));

export function meshOf(...documents: string[]): Mesh {
  return applyResources(emptyMesh(), parseResourceDocuments(documents.join('---\n'), 'test.yaml')).mesh;
}

export function viewOf(mesh: Mesh, host = 'host-a'): HostView {
  const view = hostViewFromMesh(mesh, HOSTS, host);
  if (!view) throw new Error(`no view of ${host}`);
  return view;
}

/** A pod: an Endpoint on a network, on a host (with its br-int port there). */
export function pod(name: string, o: { network?: string; ip: string; host: string; ofport?: number; labels?: Record<string, string>; service?: string; port?: number }): string {
  const mac = `02:00:${o.ip.split('.').map((n) => Number(n).toString(16).padStart(2, '0')).join(':')}`;
  return `${JSON.stringify({
    kind: 'Endpoint',
    name,
    network: o.network ?? 'blue',
    address: o.ip,
    mac: o.network === 'green' ? mac.replace(/^02/, '06') : mac,
    host: o.host,
    ...(o.ofport === undefined ? {} : { ofport: o.ofport }),
    ...(o.labels ? { labels: o.labels } : {}),
    ...(o.service ? { service: o.service, port: o.port } : {}),
  })}\n`;
}

export const NETWORKS = [
  'kind: Network\nname: blue\ncidr: 10.0.0.0/24\nvni: 5001\ngateway: 10.0.0.1\n',
  'kind: Network\nname: green\ncidr: 10.0.0.0/24\nvni: 5002\n',
];

/**
 * Host A's golden mesh: every rule shape once. Two networks with the same CIDR (green-1
 * has web-1's address, and is a peer of web's first rule only in its own network), tenants
 * shop and acme, a group that includes another and allows anything from anywhere (no
 * conjunction), an export to an egress-isolated group with a member here, a group whose
 * members are all elsewhere (db).
 */
export const GOLDEN_MESH = `
kind: Service
name: web
ports: [{port: 80, protocol: http}]
---
kind: Service
name: db
ports: [{port: 5432, protocol: tcp}]
---
${pod('web-1', { ip: '10.0.0.2', host: 'host-a', ofport: 1, labels: { app: 'web', tenant: 'shop' }, service: 'web', port: 8080 })}---
${pod('web-2', { ip: '10.0.0.3', host: 'host-b', labels: { app: 'web', tenant: 'shop' }, service: 'web', port: 8080 })}---
${pod('front-1', { ip: '10.0.0.4', host: 'host-a', ofport: 2, labels: { app: 'front', tenant: 'shop' } })}---
${pod('partner-1', { ip: '10.0.0.5', host: 'host-a', ofport: 4, labels: { app: 'partner', tenant: 'acme' } })}---
${pod('db-1', { ip: '10.0.0.6', host: 'host-c', labels: { app: 'db', tenant: 'shop' }, service: 'db', port: 5432 })}---
${pod('green-1', { network: 'green', ip: '10.0.0.2', host: 'host-a', ofport: 3, labels: { app: 'front' } })}---
kind: SecurityGroup
name: web
members: {selector: {app: web}, services: [web]}
ingress:
  - protocol: tcp
    ports: [80, "8000-8080"]
    from: [{group: frontend}]
  - protocol: icmp
    icmp: {type: 8, code: 0}
    from: [{cidr: 10.0.0.0/8}]
egress:
  - protocol: udp
    ports: [53]
    to: [{cidr: 10.96.0.10/32}]
  - protocol: tcp
    ports: [5432]
    to: [{service: db}]
exports:
  - service: web
    to: [partners]
---
kind: SecurityGroup
name: frontend
members: {selector: {app: front}}
---
kind: SecurityGroup
name: partners
members: {selector: {app: partner}}
egress: []
---
kind: SecurityGroup
name: open-front
members: {groups: [frontend]}
ingress:
  - from: [{cidr: 0.0.0.0/0}]
    protocol: any
---
kind: SecurityGroup
name: db
members: {services: [db]}
ingress:
  - protocol: tcp
    ports: [5432]
    from: [{selector: {app: web}}]
`;
