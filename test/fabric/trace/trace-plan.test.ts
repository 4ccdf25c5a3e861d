import { connectionHash, parseTraceInput, planTrace, traceFlow, TraceRequestError, type TraceInput } from '../../../fabric/trace';
import type { ReportedHost } from '../../../src/model/host';
import { HOSTS, meshOf, NETWORKS, pod } from '../compiler/security-groups/meshes';

/** Trace plans from the model: the packet as an ofproto/trace flow, the legend, and every refusal naming its input. */

const MESH = meshOf(
  ...NETWORKS,
  'kind: Service\nname: db\nports: [{port: 5432, protocol: tcp}]\nvip: 10.96.0.10\n',
  'kind: Service\nname: nowhere\nports: [{port: 80, protocol: tcp}]\nvip: 10.96.0.11\n',
  pod('p', { ip: '10.0.0.2', host: 'host-a', ofport: 1, labels: { app: 'web', tenant: 'shop' } }),
  pod('q', { ip: '10.0.0.3', host: 'host-b', ofport: 7, labels: { app: 'db' }, service: 'db', port: 5432 }),
  pod('g', { network: 'green', ip: '10.0.0.4', host: 'host-a', ofport: 2 }),
  pod('unattached', { ip: '10.0.0.9', host: 'host-c' }),
  'kind: Endpoint\nname: ext\nservice: db\naddress: 192.0.2.1\nport: 5432\n',
  'kind: SecurityGroup\nname: web\nmembers: {selector: {app: web}}\negress: [{protocol: tcp, ports: [5432], to: [{group: db}]}]\n',
  'kind: SecurityGroup\nname: db\nmembers: {services: [db]}\ningress: [{protocol: tcp, ports: [5432], from: [{group: web}]}]\n',
);
const REPORTED: ReportedHost[] = HOSTS.map((h) => (h.name === 'host-c' ? h : { ...h, vswitchdCtl: `/run/${h.name}/ovs-vswitchd.ctl` }));

const plan = (input: Partial<TraceInput>, hosts = REPORTED) => planTrace(MESH, hosts, parseTraceInput({ from: 'p', to: 'q', proto: 'tcp', dport: 5432, ...input }));

test('pod to pod: the packet p sends, on p’s host, through its ovs-vswitchd; the network’s pods with their groups; each of its hosts’ rules', () => {
  const t = plan({});
  expect(t.hops).toEqual([
    {
      host: 'host-a',
      bridge: 'br-int',
      vswitchdCtl: '/run/host-a/ovs-vswitchd.ctl',
      flow: 'in_port=1,tcp,dl_src=02:00:0a:00:00:02,dl_dst=02:00:0a:00:00:03,nw_src=10.0.0.2,nw_dst=10.0.0.3,nw_ttl=64,tcp_src=49152,tcp_dst=5432,tcp_flags=syn',
      arrival: { kind: 'pod', pod: 'p' },
    },
  ]);
  expect(t.request).toEqual({ from: 'p', to: 'q', proto: 'tcp', sport: 49152, dport: 5432 });
  expect(t.destination).toEqual({ kind: 'pod', pod: expect.objectContaining({ name: 'q', host: 'host-b', ofport: 7, groups: ['db'], egressGroups: [], service: 'db' }) });
  expect(t.source).toEqual({ name: 'p', host: 'host-a', network: 'blue', ip: '10.0.0.2', mac: '02:00:0a:00:00:02', ofport: 1, groups: ['web'], egressGroups: ['web'], tenant: 'shop' });
  expect(t.network).toEqual({ name: 'blue', id: 1, vni: 5001, gatewayIp: '10.0.0.1', gatewayMac: '0a:58:0a:00:00:01' });
  // Pods of the network only: not g (green), nor ext (no network).
  expect(t.endpoints.map((e) => e.name)).toEqual(['p', 'q', 'unattached']);
  expect(Object.keys(t.rules)).toEqual(['host-a', 'host-b', 'host-c']);
  expect(t.rules['host-a'].map((r) => r.description)).toContain('group web egress[0]: tcp 5432 to group db');
  expect(t.rules['host-b'].map((r) => r.description)).toContain('group db ingress[0]: tcp 5432 from group web');
  expect(t.tables.slice(0, 3)).toEqual(['Classifier', 'SpoofGuard', 'ArpResponder']);
  expect(t.hosts.find((h) => h.name === 'host-c')).toEqual({ name: 'host-c', underlayIp: '192.168.50.3', tunnelOfport: 100 });
});

test('to a pod by its address; udp and icmp packets', () => {
  expect(plan({ to: '10.0.0.3', proto: 'udp', dport: 53, sport: 5353 }).hops[0].flow).toBe('in_port=1,udp,dl_src=02:00:0a:00:00:02,dl_dst=02:00:0a:00:00:03,nw_src=10.0.0.2,nw_dst=10.0.0.3,nw_ttl=64,udp_src=5353,udp_dst=53');
  const icmp = plan({ proto: 'icmp', dport: undefined });
  expect(icmp.hops[0].flow).toBe('in_port=1,icmp,dl_src=02:00:0a:00:00:02,dl_dst=02:00:0a:00:00:03,nw_src=10.0.0.2,nw_dst=10.0.0.3,nw_ttl=64,icmp_type=8,icmp_code=0');
  expect(icmp.request).toEqual({ from: 'p', to: 'q', proto: 'icmp' });
});

test('to a VIP: sent to the gateway’s MAC, with a dp_hash from the connection so its select group’s bucket can be traced', () => {
  const t = plan({ to: '10.96.0.10' });
  const hash = connectionHash('tcp 10.0.0.2:49152 10.96.0.10:5432');
  expect(t.hops[0].flow).toBe(`in_port=1,dp_hash=0x${hash.toString(16)},tcp,dl_src=02:00:0a:00:00:02,dl_dst=0a:58:0a:00:00:01,nw_src=10.0.0.2,nw_dst=10.96.0.10,nw_ttl=64,tcp_src=49152,tcp_dst=5432,tcp_flags=syn`);
  expect(t.destination).toEqual({ kind: 'service', service: 'db', vip: '10.96.0.10', backends: ['q'] });
  expect(plan({ to: '10.96.0.10', sport: 50000 }).hops[0].flow).not.toBe(t.hops[0].flow);
});

test('a hop on a host whose agent reported no control socket has none: the CLI says it cannot trace there', () => {
  const hosts = REPORTED.map((h) => (h.name === 'host-a' ? { ...h, vswitchdCtl: undefined } : h));
  expect(plan({}, hosts).hops[0].vswitchdCtl).toBeUndefined();
});

test('traceFlow: a packet from the tunnel carries its VNI and the two underlay addresses', () => {
  expect(traceFlow({ inPort: 100, tunnel: { id: 5001, src: '192.168.50.1', dst: '192.168.50.2' }, proto: 'tcp', dlSrc: 'a', dlDst: 'b', nwSrc: 'c', nwDst: 'd', sport: 1, dport: 2 })).toBe(
    'in_port=100,tun_id=0x1389,tun_src=192.168.50.1,tun_dst=192.168.50.2,tcp,dl_src=a,dl_dst=b,nw_src=c,nw_dst=d,nw_ttl=64,tcp_src=1,tcp_dst=2,tcp_flags=syn',
  );
});

const refusals: [string, unknown, RegExp][] = [
  ['not an object', 'p to q', /^trace request: expected a JSON object/],
  ['an unknown field', { from: 'p', to: 'q', proto: 'tcp', dport: 1, port: 2 }, /^trace request: port: unknown field; accepted fields: from, to, proto, dport, sport$/],
  ['an unknown protocol', { from: 'p', to: 'q', proto: 'sctp' }, /^trace request: proto: "sctp" is not a protocol; expected one of tcp, udp, icmp$/],
  ['ports with icmp', { from: 'p', to: 'q', proto: 'icmp', dport: 80 }, /^trace request: dport: icmp has no ports \(an echo request is traced\); give ports with tcp or udp only$/],
  ['tcp without a port', { from: 'p', to: 'q', proto: 'tcp' }, /^trace request: dport: tcp needs a destination port \(1-65535\)/],
  ['a port out of range', { from: 'p', to: 'q', proto: 'udp', dport: 0 }, /^trace request: dport: 0 is not a port; expected 1-65535$/],
  ['several problems at once', { to: 'q', proto: 'x' }, /^trace request: from: expected the name of a pod; trace request: proto: "x" is not a protocol/],
];

test.each(refusals)('parseTraceInput refuses %s', (_what, body, message) => {
  expect(() => parseTraceInput(body)).toThrow(TraceRequestError);
  expect(() => parseTraceInput(body)).toThrow(message);
});

const unplannable: [string, Partial<TraceInput>, ReportedHost[], RegExp][] = [
  ['an unknown source', { from: 'nobody' }, REPORTED, /^trace request: from: no endpoint named "nobody"; pods: g, p, q, unattached$/],
  ['a source that is no pod', { from: 'ext' }, REPORTED, /^trace request: from: endpoint "ext" is not a pod on an overlay network \(it has no network, mac, host\)/],
  ['a source not attached yet', { from: 'unattached' }, REPORTED, /^trace request: from: pod "unattached" has no br-int port yet/],
  ['a source on a host that has not reported', {}, REPORTED.filter((h) => h.name !== 'host-a'), /^trace request: from: pod "p" is on host "host-a", which has not reported: its agent is not running/],
  ['an unknown destination', { to: 'ghost' }, REPORTED, /^trace request: to: "ghost" is none of these; expected a pod's name, a pod's address in network blue, or a Service VIP \(db 10\.96\.0\.10, nowhere 10\.96\.0\.11\)$/],
  ['an address that is no VIP nor pod', { to: '10.96.0.99' }, REPORTED, /^trace request: to: "10\.96\.0\.99" is none of these/],
  ['a pod of another network', { to: 'g' }, REPORTED, /^trace request: to: pod "g" is on network green and "p" on blue: networks never reach each other$/],
  ['the source itself', { to: 'p' }, REPORTED, /^trace request: to: "p" is the source pod itself$/],
  ['a destination that is no pod', { to: 'ext' }, REPORTED, /^trace request: to: endpoint "ext" is not a pod on an overlay network/],
];

test.each(unplannable)('planTrace refuses %s, naming the input and what is accepted', (_what, input, hosts, message) => {
  expect(() => plan(input, hosts)).toThrow(TraceRequestError);
  expect(() => plan(input, hosts)).toThrow(message);
});

test('a VIP from a network without a gateway: its pods have no route to it', () => {
  const mesh = meshOf(NETWORKS[1], 'kind: Service\nname: db\nports: [{port: 5432, protocol: tcp}]\nvip: 10.96.0.10\n', pod('g', { network: 'green', ip: '10.0.0.4', host: 'host-a', ofport: 2 }));
  expect(() => planTrace(mesh, REPORTED, { from: 'g', to: '10.96.0.10', proto: 'icmp' })).toThrow(/to: 10\.96\.0\.10 is the VIP of service db, but network green has no gateway: its pods have no route to a VIP/);
});
