import { type Cluster, type ClusterPod, startCluster } from '../../harness/cluster';
import { documents, endpointDocument, serviceVip } from '../../harness/cluster-endpoints';
import type { PodProcess } from '../../harness/cluster-process';
import { answers, type IcmpRequest, listen, probe, type Probe } from '../../harness/pod-sockets';

/**
 * Security groups across hosts, through `loom up`'s own wiring (the daemon compiles each
 * host's groups with its overlay and service flows, the controller installs them): real
 * TCP, UDP and ICMP between pods on two hosts, each cell of each table below sent for
 * real, on one host and across the VXLAN underlay. Every cell passes before the groups
 * exist (the control), so a cell that is dropped behind them was dropped by them.
 *
 * - web (web-a, web-b; backends of Service web on 80) accepts: TCP 80 and ICMP echo from
 *   group frontend; TCP 8000-8080 from Service api's backends; UDP 5353 from the selector
 *   role=resolver; TCP 9000 from 10.93.0.192/28.
 * - frontend (front-a, front-b) is egress-isolated: TCP 80 to Service web's backends and
 *   ICMP to group web, nothing else.
 * - resolvers (dns-b) and partners (partner-a, partner-b) have no rules: they accept only
 *   replies.
 * - billing (billing-a, Service billing's backend on 8443; billing-db-b) exports Service
 *   billing to partners.
 * - Tenants red (red-a, red-b) and blue (blue-a, blue-b), by the `tenant` label.
 * - outsider-a, outsider-b (10.93.0.210, outside the CIDR), mon-b (10.93.0.200, inside)
 *   and api-b (Service api's backend) are in no group.
 */

const NETWORK = { name: 'sg', cidr: '10.93.0.0/24', vni: 9300, gateway: '10.93.0.1' };
const CIDR_PEER = '10.93.0.192/28';
/** A dropped SYN is never answered: every probe gets this long, so a table takes about this long. */
const TIMEOUT_MS = 1000;

interface PodSpec {
  host: 'a' | 'b';
  ip?: string;
  labels?: Record<string, string>;
  /** Backend of this service on this port. */
  backend?: [service: string, port: number];
  /** The `tenant` label, set with the groups (the control runs without it). */
  tenant?: string;
  tcp?: number[];
  udp?: number[];
}

const WEB_TCP = [80, 81, 7999, 8000, 8080, 8081, 9000];
const WEB_UDP = [5353, 5354];
const PODS: Record<string, PodSpec> = {
  'web-a': { host: 'a', labels: { app: 'web' }, backend: ['web', 80], tcp: WEB_TCP, udp: WEB_UDP },
  'web-b': { host: 'b', labels: { app: 'web' }, backend: ['web', 80], tcp: WEB_TCP, udp: WEB_UDP },
  'front-a': { host: 'a', labels: { app: 'front' } },
  'front-b': { host: 'b', labels: { app: 'front' }, tcp: [80] },
  'outsider-a': { host: 'a', tcp: [7000], udp: [7000] },
  'outsider-b': { host: 'b', ip: '10.93.0.210' },
  'mon-b': { host: 'b', ip: '10.93.0.200' },
  'api-b': { host: 'b', backend: ['api', 8000] },
  'dns-b': { host: 'b', labels: { role: 'resolver' }, udp: [5353] },
  'billing-a': { host: 'a', labels: { app: 'billing' }, backend: ['billing', 8443], tcp: [8443, 9443], udp: [8443] },
  'billing-db-b': { host: 'b', labels: { app: 'billing' }, tcp: [8443] },
  'partner-a': { host: 'a', labels: { app: 'partner' }, tcp: [7000] },
  'partner-b': { host: 'b', labels: { app: 'partner' } },
  'red-a': { host: 'a', tenant: 'red', tcp: [7000], udp: [7000] },
  'red-b': { host: 'b', tenant: 'red', tcp: [7000], udp: [7000] },
  'blue-a': { host: 'a', tenant: 'blue', tcp: [7000], udp: [7000] },
  'blue-b': { host: 'b', tenant: 'blue', tcp: [7000], udp: [7000] },
};

const SERVICES = documents(
  [
    ['web', 80],
    ['api', 8000],
    ['billing', 8443],
  ].map(([name, port]) => `kind: Service\nname: ${name}\nports: [{port: ${port}, protocol: tcp}]`),
);

const GROUPS = documents([
  `kind: SecurityGroup
name: web
members: {selector: {app: web}}
ingress:
  - {protocol: tcp, ports: [80], from: [{group: frontend}]}
  - {protocol: icmp, icmp: {type: 8}, from: [{group: frontend}]}
  - {protocol: tcp, ports: ["8000-8080"], from: [{service: api}]}
  - {protocol: udp, ports: [5353], from: [{selector: {role: resolver}}]}
  - {protocol: tcp, ports: [9000], from: [{cidr: ${CIDR_PEER}}]}`,
  `kind: SecurityGroup
name: frontend
members: {selector: {app: front}}
egress:
  - {protocol: tcp, ports: [80], to: [{service: web}]}
  - {protocol: icmp, to: [{group: web}]}`,
  'kind: SecurityGroup\nname: resolvers\nmembers: {selector: {role: resolver}}',
  `kind: SecurityGroup
name: billing
members: {services: [billing], selector: {app: billing}}
exports: [{service: billing, to: [partners]}]`,
  'kind: SecurityGroup\nname: partners\nmembers: {selector: {app: partner}}',
]);

/** `from`, `to` (a pod, or `vip:<service>`), what (`tcp/80`, `udp/5353`, `icmp/echo`, `icmp/timestamp`), expected outcome. */
type Cell = readonly [from: string, to: string, what: string, expected: Outcome];
type Outcome = 'passes' | 'dropped';
const PASS: Outcome = 'passes';
const DROP: Outcome = 'dropped';

/** Every rule type of web, with the cells just outside each rule. */
const MATRIX: Cell[] = [
  // Peer group: frontend → TCP 80, on one host and across; not another port, not others.
  ['front-a', 'web-a', 'tcp/80', PASS],
  ['front-b', 'web-a', 'tcp/80', PASS],
  ['front-b', 'web-b', 'tcp/80', PASS],
  ['front-a', 'web-b', 'tcp/81', DROP],
  ['outsider-a', 'web-a', 'tcp/80', DROP],
  ['outsider-b', 'web-a', 'tcp/80', DROP],
  // An ICMP type: echo from frontend. frontend's egress allows all ICMP to web: web's ingress alone drops the timestamp request.
  ['front-a', 'web-a', 'icmp/echo', PASS],
  ['front-b', 'web-a', 'icmp/echo', PASS],
  ['front-a', 'web-a', 'icmp/timestamp', DROP],
  ['front-b', 'web-a', 'icmp/timestamp', DROP],
  ['outsider-b', 'web-a', 'icmp/echo', DROP],
  // Peer Service with a port range: api's backends → TCP 8000-8080; both ends pass, the ports just outside do not.
  ['api-b', 'web-a', 'tcp/8000', PASS],
  ['api-b', 'web-a', 'tcp/8080', PASS],
  ['api-b', 'web-b', 'tcp/8080', PASS],
  ['api-b', 'web-a', 'tcp/7999', DROP],
  ['api-b', 'web-a', 'tcp/8081', DROP],
  ['api-b', 'web-a', 'tcp/80', DROP],
  ['outsider-b', 'web-a', 'tcp/8000', DROP],
  // Peer selector, UDP: role=resolver → UDP 5353.
  ['dns-b', 'web-a', 'udp/5353', PASS],
  ['dns-b', 'web-b', 'udp/5353', PASS],
  ['dns-b', 'web-a', 'udp/5354', DROP],
  ['outsider-a', 'web-a', 'udp/5353', DROP],
  ['outsider-b', 'web-b', 'udp/5353', DROP],
  // Peer CIDR: 10.93.0.192/28 → TCP 9000; mon-b (.200) is inside, outsider-b (.210) is not.
  ['mon-b', 'web-a', 'tcp/9000', PASS],
  ['mon-b', 'web-b', 'tcp/9000', PASS],
  ['mon-b', 'web-a', 'tcp/80', DROP],
  ['outsider-b', 'web-a', 'tcp/9000', DROP],
  // Pods in no group or tenant stay open.
  ['outsider-b', 'outsider-a', 'tcp/7000', PASS],
  ['mon-b', 'outsider-a', 'udp/7000', PASS],
];

/** frontend may reach web only: outsider-a is open to everyone else. */
const EGRESS: Cell[] = [
  ['front-a', 'outsider-a', 'tcp/7000', DROP],
  ['front-b', 'outsider-a', 'tcp/7000', DROP],
  ['front-b', 'outsider-a', 'udp/7000', DROP],
  ['front-a', 'outsider-a', 'icmp/echo', DROP],
  ['front-b', 'outsider-a', 'icmp/echo', DROP],
];

/** front-b and dns-b accept nothing new: what they get back are replies. */
const STATEFUL: Cell[] = [
  ['front-b', 'web-a', 'tcp/80', PASS],
  ['front-b', 'web-a', 'icmp/echo', PASS],
  ['dns-b', 'web-a', 'udp/5353', PASS],
  ['web-a', 'front-b', 'tcp/80', DROP],
  ['web-b', 'front-b', 'tcp/80', DROP],
  ['web-a', 'front-b', 'icmp/echo', DROP],
  ['web-a', 'dns-b', 'udp/5353', DROP],
  ['web-b', 'dns-b', 'udp/5353', DROP],
];

/** billing exports Service billing (TCP 8443) to partners: that, and nothing else of billing, and only that way round. */
const EXPORT: Cell[] = [
  ['partner-a', 'billing-a', 'tcp/8443', PASS],
  ['partner-b', 'billing-a', 'tcp/8443', PASS],
  ['partner-b', 'vip:billing', 'tcp/8443', PASS],
  ['partner-b', 'billing-a', 'tcp/9443', DROP],
  ['partner-b', 'vip:billing', 'tcp/9443', DROP],
  ['partner-b', 'billing-a', 'udp/8443', DROP],
  ['partner-b', 'billing-a', 'icmp/echo', DROP],
  ['partner-b', 'billing-db-b', 'tcp/8443', DROP],
  ['partner-a', 'billing-db-b', 'tcp/8443', DROP],
  ['outsider-b', 'billing-a', 'tcp/8443', DROP],
  ['outsider-a', 'vip:billing', 'tcp/8443', DROP],
  ['billing-a', 'partner-a', 'tcp/7000', DROP],
];

const TENANT_PODS = ['red-a', 'red-b', 'blue-a', 'blue-b'];
/** Every ordered pair of tenant pods, each protocol: through within a tenant, dropped between the two. */
const TENANTS: Cell[] = [
  ...TENANT_PODS.flatMap((from) =>
    TENANT_PODS.filter((to) => to !== from).flatMap((to) =>
      ['tcp/7000', 'udp/7000', 'icmp/echo'].map((what): Cell => [from, to, what, PODS[from].tenant === PODS[to].tenant ? PASS : DROP]),
    ),
  ),
  // Nor does a pod in no tenant get in; a tenant's pods are ingress-isolated only, so they still reach open pods.
  ['outsider-a', 'red-a', 'tcp/7000', DROP],
  ['outsider-b', 'blue-a', 'icmp/echo', DROP],
  ['outsider-a', 'blue-b', 'udp/7000', DROP],
  ['red-a', 'outsider-a', 'tcp/7000', PASS],
  ['blue-b', 'outsider-a', 'udp/7000', PASS],
];

/** Through Service VIPs: the service LB runs before the groups, which see the backend's address. */
const VIPS: Cell[] = [
  // frontend's egress names {service: web}, web's ingress {group: frontend}.
  ['front-a', 'vip:web', 'tcp/80', PASS],
  ['front-b', 'vip:web', 'tcp/80', PASS],
  ['front-a', 'vip:web', 'tcp/81', DROP],
  ['outsider-a', 'vip:web', 'tcp/80', DROP],
  ['outsider-b', 'vip:web', 'tcp/80', DROP],
  // web's ingress names {service: api} for 8000-8080; the VIP keeps the port.
  ['api-b', 'vip:web', 'tcp/8080', PASS],
  ['api-b', 'vip:web', 'tcp/80', DROP],
];

let cluster: Cluster;
const vips: Record<string, string> = {};
const listeners: PodProcess[] = [];
const pod = (name: string): ClusterPod => cluster.pod(name);

function probeOf([, to, what]: Cell): Probe {
  const ip = to.startsWith('vip:') ? vips[to.slice(4)] : pod(to).ip;
  const [protocol, arg] = what.split('/');
  if (protocol === 'icmp') return { protocol, ip, type: arg as IcmpRequest };
  return { protocol: protocol as 'tcp' | 'udp', ip, port: Number(arg) };
}

function describeCell([from, to, what]: Cell, outcome: Outcome): string {
  const where = (name: string) => (name.startsWith('vip:') ? name : `${name}@${PODS[name].host}`);
  return `${where(from)} → ${where(to)} ${what}: ${outcome}`;
}

/** Sends every cell (each source's cells from one process, all sources at once); what happened, as `describeCell` says it. */
async function send(cells: readonly Cell[]): Promise<string[]> {
  const out: string[] = new Array(cells.length);
  const sources = [...new Set(cells.map(([from]) => from))];
  await Promise.all(
    sources.map(async (from) => {
      const mine = cells.flatMap((c, i) => (c[0] === from ? [i] : []));
      const got = await probe(cluster.netns(pod(from)), mine.map((i) => probeOf(cells[i])), TIMEOUT_MS);
      mine.forEach((i, j) => (out[i] = describeCell(cells[i], got[j] ? PASS : DROP)));
    }),
  );
  return out;
}

const expected = (cells: readonly Cell[]) => cells.map((c) => describeCell(c, c[3]));

beforeAll(async () => {
  cluster = await startCluster({ hosts: ['a', 'b'], networks: [NETWORK], underlay: '192.168.93' });
  await Promise.all(Object.entries(PODS).map(([name, spec]) => cluster.addPod(spec.host, NETWORK.name, name, spec.ip ? { ip: spec.ip } : {})));
  const endpoints = await Promise.all(
    Object.entries(PODS)
      .filter(([, spec]) => spec.labels || spec.backend)
      .map(([name, spec]) => endpointDocument(cluster, pod(name), { ...(spec.labels ? { labels: spec.labels } : {}), ...(spec.backend ? { service: spec.backend[0], port: spec.backend[1] } : {}) })),
  );
  await cluster.plane.apply(documents([SERVICES, ...endpoints]));
  listeners.push(
    ...(await Promise.all(
      Object.entries(PODS)
        .filter(([, spec]) => spec.tcp || spec.udp)
        .map(([name, spec]) => listen(cluster.netns(pod(name)), pod(name).ip, spec.tcp ?? [], spec.udp ?? [])),
    )),
  );
  for (const service of ['web', 'api', 'billing']) vips[service] = await serviceVip(cluster, service);
  await cluster.converged();
}, 60_000);
afterAll(async () => {
  await Promise.all(listeners.map((l) => l.stop()));
  await cluster?.stop();
});

const ALL = [...MATRIX, ...EGRESS, ...STATEFUL, ...EXPORT, ...TENANTS, ...VIPS];

describe('without security groups (the control)', () => {
  test('every cell below passes, the dropped ones included', async () => {
    expect(await send(ALL)).toEqual(ALL.map((c) => describeCell(c, PASS)));
  });
});

describe('behind security groups', () => {
  beforeAll(async () => {
    const tenants = await Promise.all(
      Object.entries(PODS)
        .filter(([, spec]) => spec.tenant)
        .map(([name, spec]) => endpointDocument(cluster, pod(name), { labels: { tenant: spec.tenant } })),
    );
    await cluster.plane.apply(documents([GROUPS, ...tenants]));
    await cluster.converged();
  });

  test('the matrix: every rule type (peer group, Service, selector, CIDR; a port range; an ICMP type) over TCP, UDP and ICMP', async () => {
    expect(await send(MATRIX)).toEqual(expected(MATRIX));
  });

  test('egress: an egress-isolated group reaches what its rules allow and nothing else, open pods included', async () => {
    expect(await send(EGRESS)).toEqual(expected(EGRESS));
  });

  test('stateful: replies come back to pods that accept nothing new; a new connection the other way is dropped', async () => {
    expect(await send(STATEFUL)).toEqual(expected(STATEFUL));
  });

  test('export: partners reach Service billing on its port, directly and through its VIP, and nothing else of billing', async () => {
    expect(await send(EXPORT)).toEqual(expected(EXPORT));
  });

  test('tenants: isolated from each other both ways over TCP, UDP and ICMP; a tenant’s own pods reach each other', async () => {
    expect(await send(TENANTS)).toEqual(expected(TENANTS));
  });

  test('Service VIPs: a client a `service` peer allows reaches the backends through the VIP, spread over both hosts; a denied client does not', async () => {
    expect(await send(VIPS)).toEqual(expected(VIPS));
    const connections = Array.from({ length: 16 }, (): Probe => ({ protocol: 'tcp', ip: vips.web, port: 80 }));
    const greetings = await Promise.all(['front-a', 'front-b'].map((from) => answers(cluster.netns(pod(from)), connections, TIMEOUT_MS * 3)));
    // Each connection answered, by web-a or web-b: the service LB still balances behind the groups.
    for (const seen of greetings) expect(new Set(seen)).toEqual(new Set([`hello ${pod('web-a').ip}`, `hello ${pod('web-b').ip}`]));
  });
});
