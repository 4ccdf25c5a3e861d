import path from 'node:path';
import type { Endpoint } from '../../../../src/model/endpoint';
import type { ReportedHost } from '../../../../src/model/host';
import { emptyMesh, type Mesh } from '../../../../src/model/mesh';
import type { Network } from '../../../../src/model/network';
import type { Service } from '../../../../src/model/service';

/**
 * Meshes for the service LB tests, seen from host A. Blue and green share a CIDR (green
 * has no gateway, so its pods cannot reach a VIP); red has its own. `web` has backends in
 * blue (here, elsewhere with weight 2, one unhealthy) and in red; `sticky` balances by
 * client IP; `lonely` has no backend; `novip` has no VIP.
 */

export const GOLDEN_DIR = path.join(__dirname, 'golden');

export const HOSTS: ReportedHost[] = [
  { name: 'host-a', underlayIp: '192.168.50.1', datapathType: 'netdev', tunnelOfport: 100, reportedAt: '2026-01-01T00:00:00Z' },
  { name: 'host-b', underlayIp: '192.168.50.2', datapathType: 'netdev', tunnelOfport: 100, reportedAt: '2026-01-01T00:00:00Z' },
  { name: 'host-c', underlayIp: '192.168.50.3', datapathType: 'netdev', tunnelOfport: 100, reportedAt: '2026-01-01T00:00:00Z' },
];

const network = (name: string, cidr: string, vni: number, gateway?: string): Network => ({ kind: 'Network', name, cidr, vni, ...(gateway ? { gateway } : {}) });
export const NETWORKS = {
  blue: network('blue', '10.0.0.0/24', 5001, '10.0.0.1'),
  green: network('green', '10.0.0.0/24', 5002),
  red: network('red', '10.1.0.0/24', 5003, '10.1.0.1'),
};

export const service = (name: string, extra: Partial<Service> = {}): Service => ({ kind: 'Service', name, ports: [{ port: 8080, protocol: 'tcp' }], ...extra });

const hex = (n: number) => (n & 0xff).toString(16).padStart(2, '0');

/** A pod endpoint (its MAC made of its network's VNI and its address); `ofport` for host A's. */
export function pod(name: string, net: keyof typeof NETWORKS, address: string, host: string, extra: Partial<Endpoint> = {}): Endpoint {
  const vni = NETWORKS[net].vni;
  const mac = ['02', hex(vni >> 8), hex(vni), ...address.split('.').slice(1).map((o) => hex(Number(o)))].join(':');
  return { kind: 'Endpoint', name, address, network: net, mac, host, ...extra };
}

/** A backend of `svc`: a pod with the service's port. */
export const backend = (svc: string, name: string, net: keyof typeof NETWORKS, address: string, host: string, extra: Partial<Endpoint> = {}): Endpoint =>
  pod(name, net, address, host, { service: svc, port: 8080, ...extra });

export function meshOf(services: Service[], endpoints: Endpoint[], networks: Network[] = Object.values(NETWORKS)): Mesh {
  return {
    ...emptyMesh(),
    services: Object.fromEntries(services.map((s) => [s.name, s])),
    endpoints: Object.fromEntries(endpoints.map((e) => [e.name, e])),
    networks: Object.fromEntries(networks.map((n) => [n.name, n])),
  };
}

export const GOLDEN_MESH = meshOf(
  [
    service('web', { vip: '10.96.0.10' }),
    service('sticky', { vip: '10.96.0.11', sessionAffinity: 'ClientIP' }),
    service('lonely', { vip: '10.96.0.12' }),
    service('novip'),
  ],
  [
    pod('client-blue', 'blue', '10.0.0.2', 'host-a', { ofport: 1 }),
    pod('client-green', 'green', '10.0.0.2', 'host-a', { ofport: 2 }),
    pod('client-red', 'red', '10.1.0.2', 'host-a', { ofport: 3 }),
    backend('web', 'web-a', 'blue', '10.0.0.11', 'host-a', { ofport: 4 }),
    backend('web', 'web-b', 'blue', '10.0.0.12', 'host-b', { weight: 2 }),
    backend('web', 'web-c', 'blue', '10.0.0.13', 'host-c', { health: 'unhealthy' }),
    backend('web', 'web-d', 'blue', '10.0.0.14', 'host-c', { health: 'draining' }),
    backend('web', 'web-red', 'red', '10.1.0.12', 'host-b'),
    backend('web', 'web-green', 'green', '10.0.0.12', 'host-b'),
    backend('sticky', 'sticky-a', 'blue', '10.0.0.21', 'host-a', { ofport: 5 }),
    backend('sticky', 'sticky-b', 'blue', '10.0.0.22', 'host-c'),
    backend('novip', 'novip-b', 'blue', '10.0.0.31', 'host-b'),
  ],
);
