import path from 'node:path';
import type { EndpointView, HostView } from '../../../fabric/pipeline';

/**
 * Host views for the pipeline tests. Two networks with the same CIDR (blue, green), three
 * hosts, two endpoints per host; host A has one endpoint of each network, with the same
 * IP, so every flow that tells the networks apart is visible in host A's golden dump.
 */

/** Host A's flows (GOLDEN_VIEW) as `ovs-ofctl dump-flows` prints them, tables by name. */
export const GOLDEN_FILE = path.join(__dirname, 'golden', 'host-a.flows');

export const TUNNEL_OFPORT = 100;

export const UNDERLAY = { 'host-a': '192.168.50.1', 'host-b': '192.168.50.2', 'host-c': '192.168.50.3' } as const;

export const BLUE = { name: 'blue', id: 1, vni: 5001, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', gatewayMac: '02:00:00:01:00:01' };
export const GREEN = { name: 'green', id: 2, vni: 5002, cidr: '10.0.0.0/24' };

const ep = (name: string, network: string, ip: string, mac: string, host: keyof typeof UNDERLAY, ofport?: number): EndpointView => ({ name, network, ip, mac, host, ...(ofport === undefined ? {} : { ofport }) });

export const EP = {
  aBlue: ep('a-blue', 'blue', '10.0.0.2', '02:00:00:01:00:02', 'host-a', 1),
  aGreen: ep('a-green', 'green', '10.0.0.2', '02:00:00:02:00:02', 'host-a', 2),
  bBlue: ep('b-blue', 'blue', '10.0.0.3', '02:00:00:01:00:03', 'host-b', 1),
  bGreen: ep('b-green', 'green', '10.0.0.3', '02:00:00:02:00:03', 'host-b', 2),
  cBlue: ep('c-blue', 'blue', '10.0.0.4', '02:00:00:01:00:04', 'host-c'),
  cGreen: ep('c-green', 'green', '10.0.0.5', '02:00:00:02:00:05', 'host-c'),
  /** Only in TRACE_VIEW: a second blue endpoint on host A, for local delivery. */
  aBlue2: ep('a-blue2', 'blue', '10.0.0.6', '02:00:00:01:00:06', 'host-a', 3),
};

export const GOLDEN_VIEW: HostView = {
  host: { name: 'host-a', underlayIp: UNDERLAY['host-a'], tunnelOfport: TUNNEL_OFPORT },
  networks: [BLUE, GREEN],
  endpoints: [EP.aBlue, EP.aGreen, EP.bBlue, EP.bGreen, EP.cBlue, EP.cGreen],
  hosts: Object.entries(UNDERLAY).map(([name, underlayIp]) => ({ name, underlayIp })),
};

export const TRACE_VIEW: HostView = { ...GOLDEN_VIEW, endpoints: [...GOLDEN_VIEW.endpoints, EP.aBlue2] };

/**
 * `n` endpoints (n a multiple of 10) on five hosts, alternating blue and green: host A
 * holds n/5 of them, half of each network.
 */
export function scaledView(n: number): HostView {
  const hosts = ['host-a', 'host-b', 'host-c', 'host-d', 'host-e'];
  const endpoints = Array.from({ length: n }, (_, i): EndpointView => {
    const host = hosts[Math.floor(i / 2) % hosts.length];
    const k = i + 2;
    const ip = `10.${(k >> 16) & 0xff}.${(k >> 8) & 0xff}.${k & 0xff}`;
    const mac = `02:00:00:${hex(i >> 16)}:${hex(i >> 8)}:${hex(i)}`;
    return { name: `ep-${i}`, network: i % 2 === 0 ? 'blue' : 'green', ip, mac, host, ...(host === 'host-a' ? { ofport: i + 1 } : {}) };
  });
  return {
    host: { name: 'host-a', underlayIp: '192.168.50.1', tunnelOfport: 0xfe00 },
    networks: [
      { ...BLUE, cidr: '10.0.0.0/8', gatewayIp: '10.255.255.254' },
      { ...GREEN, cidr: '10.0.0.0/8' },
    ],
    endpoints,
    hosts: hosts.map((name, i) => ({ name, underlayIp: `192.168.50.${i + 1}` })),
  };
}

function hex(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}
