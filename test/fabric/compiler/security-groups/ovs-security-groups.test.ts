import { securityGroupFlows, type CompiledRule } from '../../../../fabric/compiler/security-groups';
import { formatFlow, formatFlows, hostFlows } from '../../../../fabric/pipeline';
import type { PodProcess } from '../../../harness/cluster-process';
import { connects, listen } from '../../../harness/pod-sockets';
import { ofpPrint } from '../../pipeline/flow-checks';
import { startPipelineBridge, type PipelineBridge } from '../../pipeline/pipeline-bridge';
import { GOLDEN_MESH, HOSTS, meshOf, NETWORKS, pod, viewOf } from './meshes';

/**
 * Security groups on a real br-int (OVS, userspace datapath and conntrack) with the whole
 * pipeline: OVS takes the compiled flows as the golden text says, and real pods' TCP and
 * ping go through or not as the rules say — replies without reverse rules, tenants kept
 * apart, an export that lets exactly one pod through.
 */

/**
 * Six pods on host A. web accepts TCP 80 and ping from frontend, TCP 9000-9001 from
 * other's address; front may send TCP 80-81 and ping to web only. Tenants a (ta, ta2)
 * and b (tb); a's api group exports ta to b's clients group.
 */
const MESH = meshOf(
  NETWORKS[0],
  pod('web', { ip: '10.0.0.2', host: 'host-a', ofport: 1, labels: { app: 'web' } }),
  pod('front', { ip: '10.0.0.3', host: 'host-a', ofport: 2, labels: { app: 'front' } }),
  pod('other', { ip: '10.0.0.4', host: 'host-a', ofport: 3, labels: { app: 'other' } }),
  pod('ta', { ip: '10.0.0.5', host: 'host-a', ofport: 4, labels: { app: 'api', tenant: 'a' } }),
  pod('ta2', { ip: '10.0.0.6', host: 'host-a', ofport: 5, labels: { tenant: 'a' } }),
  pod('tb', { ip: '10.0.0.7', host: 'host-a', ofport: 6, labels: { app: 'client', tenant: 'b' } }),
  `kind: SecurityGroup
name: web
members: {selector: {app: web}}
ingress:
  - {protocol: tcp, ports: [80], from: [{group: frontend}]}
  - {protocol: icmp, icmp: {type: 8}, from: [{group: frontend}]}
  - {protocol: tcp, ports: ["9000-9001"], from: [{cidr: 10.0.0.4/32}]}
`,
  `kind: SecurityGroup
name: frontend
members: {selector: {app: front}}
egress:
  - {protocol: tcp, ports: [80, 81], to: [{group: web}]}
  - {protocol: icmp, icmp: {type: 8}, to: [{group: web}]}
`,
  'kind: SecurityGroup\nname: api\nmembers: {selector: {app: api}}\nexports: [{selector: {app: api}, to: [clients]}]\n',
  'kind: SecurityGroup\nname: clients\nmembers: {selector: {app: client}}\n',
);
const VIEW = viewOf(MESH);
const IP = Object.fromEntries(VIEW.endpoints.map((e) => [e.name, e.ip]));

let bridge: PipelineBridge;

beforeAll(async () => {
  bridge = await startPipelineBridge({
    underlayIp: HOSTS[0].underlayIp,
    tunnelOfport: HOSTS[0].tunnelOfport!,
    pods: VIEW.endpoints.filter((e) => e.host === 'host-a'),
    neighbours: [],
  });
});
afterAll(() => bridge?.stop());

describe('the compiled flows as OVS reads them', () => {
  const golden = meshOf(...NETWORKS, GOLDEN_MESH);
  const view = viewOf(golden);
  const sg = securityGroupFlows(golden, view).flows;

  test('OVS holds exactly the pipeline and host A’s golden security-group flows', async () => {
    const text = formatFlows([...hostFlows(view), ...sg]);
    await bridge.replaceFlows(text);
    expect(await bridge.dumpFlows()).toBe(text);
  });

  test('the codec’s FLOW_MODs (conjunctions, conj_id, ct_state, masked ports, ICMP) are, to OVS, what the golden text says', async () => {
    expect(await Promise.all(sg.map(ofpPrint))).toEqual(sg.map((f) => formatFlow(f, { tableNames: false })));
  });
});

describe('real pods', () => {
  const compiled = securityGroupFlows(MESH, VIEW);
  const listeners: PodProcess[] = [];
  const ns = (name: string) => bridge.pod(name);
  const tcp = (from: string, to: string, port: number) => connects(ns(from), IP[to], port);
  const pings = (from: string, to: string) =>
    ns(from)
      .exec('ping', ['-c', '1', '-W', '1', IP[to]])
      .then(() => true, () => false);
  /** Every connection and ping the groups refuse below: each works without them. */
  const REFUSED = [
    () => tcp('front', 'web', 81),
    () => tcp('front', 'web', 9000),
    () => tcp('web', 'front', 80),
    () => pings('web', 'front'),
    () => pings('other', 'web'),
    () => tcp('other', 'web', 80),
    () => tcp('tb', 'ta2', 7000),
    () => tcp('other', 'ta2', 7000),
    () => tcp('ta', 'tb', 7000),
  ];

  beforeAll(async () => {
    listeners.push(await listen(ns('web'), IP.web, [80, 81, 9000]));
    listeners.push(await listen(ns('front'), IP.front, [80]));
    for (const name of ['ta', 'ta2', 'tb']) listeners.push(await listen(ns(name), IP[name], [7000]));
  });
  afterAll(() => Promise.all(listeners.map((l) => l.stop())));

  describe('without security groups (the control)', () => {
    beforeAll(() => bridge.replaceFlows(formatFlows(hostFlows(VIEW))));

    test('every connection and ping refused below goes through', async () => {
      expect(await Promise.all(REFUSED.map((attempt) => attempt()))).toEqual(REFUSED.map(() => true));
    });
  });

  describe('behind security groups', () => {
    beforeAll(() => bridge.replaceFlows(formatFlows([...hostFlows(VIEW), ...compiled.flows])));

    test('an allowed TCP port connects, and the reply comes back without a reverse rule (front is isolated both ways)', async () => {
      expect(await tcp('front', 'web', 80)).toBe(true);
    });

    test('a port no rule allows does not connect: refused by web’s ingress (81), by front’s egress (9000)', async () => {
      expect(await Promise.all([tcp('front', 'web', 81), tcp('front', 'web', 9000)])).toEqual([false, false]);
    });

    test('a new connection in the reverse direction is dropped', async () => {
      expect(await tcp('web', 'front', 80)).toBe(false);
    });

    test('ICMP: echo requests from frontend reach web and the replies come back; web cannot ping front, other cannot ping web', async () => {
      expect(await Promise.all([pings('front', 'web'), pings('web', 'front'), pings('other', 'web')])).toEqual([true, false, false]);
    });

    test('a CIDR peer: other’s address reaches web on 9000, nothing else of web', async () => {
      expect(await Promise.all([tcp('other', 'web', 9000), tcp('other', 'web', 80)])).toEqual([true, false]);
    });

    test('tenants: a tenant’s pods reach each other; another tenant, or a pod in none, does not get in', async () => {
      expect(await Promise.all([tcp('ta2', 'ta', 7000), tcp('ta', 'ta2', 7000), tcp('tb', 'ta2', 7000), tcp('other', 'ta2', 7000), tcp('ta', 'tb', 7000)])).toEqual([true, true, false, false, false]);
    });

    test('an export lets the target group reach exactly what was exported, one way', async () => {
      expect(await Promise.all([tcp('tb', 'ta', 7000), tcp('tb', 'ta2', 7000), tcp('ta', 'tb', 7000)])).toEqual([true, false, false]);
    });

    const endpoint = (name: string) => VIEW.endpoints.find((e) => e.name === name)!;
    /** A packet from pod `from` to pod `to` for ofproto/trace; `l4` says the rest (`tcp,tp_dst=80`). */
    const packet = (from: string, to: string, l4: string) => {
      const [a, b] = [endpoint(from), endpoint(to)];
      return `in_port=${a.ofport},${l4},dl_src=${a.mac},dl_dst=${b.mac},nw_src=${a.ip},nw_dst=${b.ip}`;
    };

    test('an ICMP rule allows its type only: front’s timestamp request (type 13) to web is dropped', async () => {
      expect((await bridge.trace(packet('front', 'web', 'icmp,icmp_type=8,icmp_code=0'))).actions).toBe('web');
      expect((await bridge.trace(packet('front', 'web', 'icmp,icmp_type=13,icmp_code=0'))).actions).toBe('drop');
    });

    test('a trace names the rules that let a new connection through, by conj_id', async () => {
      const rule = (group: string, direction: CompiledRule['direction']) => compiled.rules.find((r) => r.group === group && r.direction === direction && r.kind === 'rule')!;
      const t = await bridge.trace(packet('front', 'web', 'tcp,tp_src=40000,tp_dst=80,tcp_flags=syn'));
      expect(t.actions).toBe('web');
      expect(t.text).toContain(`conj_id=${rule('frontend', 'egress').conjId}`);
      expect(t.text).toContain(`conj_id=${rule('web', 'ingress').conjId}`);
    });
  });
});
