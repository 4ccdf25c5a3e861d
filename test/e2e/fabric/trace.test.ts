import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { explainHop, parseOfprotoTrace, type TracePlan, type TraceResult } from '../../../fabric/trace';
import { endpointDocument } from '../../harness/cluster-endpoints';
import { WEB_DB_GROUPS } from './web-db-groups';
import { type Cluster, type ClusterPod, startCluster } from '../../harness/cluster';
import type { PodProcess } from '../../harness/cluster-process';
import { askName, startNameServer } from '../../harness/cluster-traffic';
import { LOOM_BIN, type CliResult } from '../../harness/loom-process';

/**
 * `loom trace` through the built binary, against a two-host cluster (control plane and
 * agents as `loom up` wires them, real OVS) with security groups and a Service: the CLI
 * asks the API for the plan and runs ofproto/trace on each host's ovs-vswitchd itself.
 * Pod p (group web, egress tcp 80 to group db) and r (no group) on host a; q (group db,
 * ingress tcp 80 from group web) on host b, and q2 (also db) on a; q and q2 back service
 * db. Each verdict is checked against real traffic too.
 *
 * `UPDATE_TRACE_FIXTURES=1` rewrites test/fabric/trace/fixtures/ from these runs: the plan
 * the API returned and each hop's ofproto/trace text, for the parser's and explainer's
 * pure tests.
 */

const NETWORK = { name: 'blue', cidr: '10.92.0.0/24', vni: 9200, gateway: '10.92.0.1' };
const FIXTURES = path.join(__dirname, '../../fabric/trace/fixtures');

let cluster: Cluster;
let p: ClusterPod, r: ClusterPod, q: ClusterPod, q2: ClusterPod;
let vip: string;
const servers: PodProcess[] = [];

/** The built `loom`, without blocking this process: the control plane answering it runs here. */
function loomAsync(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [LOOM_BIN, ...args], { env: { ...process.env, LOOM_API: cluster.plane.apiUrl, LOOM_LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

async function trace(args: string[], fixture?: string): Promise<TraceResult> {
  const res = await loomAsync(['trace', ...args, '-o', 'json']);
  if (res.status !== 0) throw new Error(`loom trace ${args.join(' ')} failed (${res.status}): ${res.stderr}`);
  const result = JSON.parse(res.stdout) as TraceResult;
  if (fixture && process.env.UPDATE_TRACE_FIXTURES) {
    const request: Record<string, unknown> = {};
    for (let i = 0; i < args.length; i += 2) request[args[i].replace(/^--/, '')] = /port$/.test(args[i]) ? Number(args[i + 1]) : args[i + 1];
    const plan = (await cluster.plane.call('POST', '/v1/trace', request)).body;
    fs.mkdirSync(FIXTURES, { recursive: true });
    fs.writeFileSync(path.join(FIXTURES, `${fixture}.plan.json`), JSON.stringify(plan, null, 2) + '\n');
    result.hops.forEach((hop, i) => hop.traced && fs.writeFileSync(path.join(FIXTURES, `${fixture}.hop${i + 1}.txt`), hop.raw));
  }
  return result;
}

/** Labels (and service membership) on the endpoint the CNI plugin registered. */
async function label(pod: ClusterPod, extra: Record<string, unknown>): Promise<void> {
  await cluster.plane.apply(await endpointDocument(cluster, pod, extra));
}

beforeAll(async () => {
  cluster = await startCluster({ hosts: ['ta', 'tb'], networks: [NETWORK], underlay: '192.168.92' });
  [p, r, q2] = [await cluster.addPod('ta', 'blue', 'p'), await cluster.addPod('ta', 'blue', 'r'), await cluster.addPod('ta', 'blue', 'q2')];
  q = await cluster.addPod('tb', 'blue', 'q');
  await cluster.plane.apply('kind: Service\nname: db\nports: [{port: 80, protocol: tcp}]\n');
  await label(p, { labels: { app: 'web' } });
  for (const pod of [q, q2]) await label(pod, { labels: { app: 'db' }, service: 'db', port: 80 });
  await cluster.plane.apply(WEB_DB_GROUPS);
  vip = (await cluster.plane.call('GET', '/v1/services/db')).body.vip as string;
  for (const pod of [q, q2]) servers.push(await startNameServer(cluster, pod, 80), await startNameServer(cluster, pod, 81));
  await cluster.converged();
}, 90_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await cluster?.stop();
});

test('the host report carries ovs-vswitchd’s control socket, which the plan names for each hop', async () => {
  const hosts = (await cluster.plane.call('GET', '/v1/hosts')).body.items as { name: string; vswitchdCtl?: string }[];
  expect(hosts.map((h) => [h.name, h.vswitchdCtl])).toEqual(cluster.hosts.map((h) => [h.name, `${h.ovs.runDir}/ovs-vswitchd.ctl`]));
  const plan = (await cluster.plane.call('POST', '/v1/trace', { from: 'p', to: 'q', proto: 'tcp', dport: 80 })).body;
  expect(plan.hops).toEqual([expect.objectContaining({ host: 'ta', bridge: 'br-int', vswitchdCtl: `${cluster.host('ta').ovs.runDir}/ovs-vswitchd.ctl` })]);
});

test('allowed across hosts: web’s egress rule on a, db’s ingress rule on b, delivered to q — and a real connection gets through', async () => {
  const t = await trace(['--from', 'p', '--to', 'q', '--proto', 'tcp', '--dport', '80'], 'allowed');
  expect(t.hops.map((h) => h.host)).toEqual(['ta', 'tb']);
  expect(t.verdict).toMatchObject({ kind: 'delivered', host: 'tb', text: `delivered to pod q (${q.ip}) on host tb` });
  expect(t.verdict.allowedBy).toEqual([
    expect.objectContaining({ host: 'ta', group: 'web', direction: 'egress', index: 0, description: 'group web egress[0]: tcp 80 to group db' }),
    expect.objectContaining({ host: 'tb', group: 'db', direction: 'ingress', index: 0, description: 'group db ingress[0]: tcp 80 from group web' }),
  ]);
  const [a, b] = t.hops;
  if (!a.traced || !b.traced) throw new Error('both hops should be traced');
  expect(a.outcome).toEqual({ kind: 'tunnel', host: 'tb', underlayIp: cluster.host('tb').underlayIp, vni: NETWORK.vni });
  expect(a.steps.map((s) => s.table)).toEqual(['Classifier', 'SpoofGuard', 'ArpResponder', 'Conntrack', 'ConntrackState', 'ServiceLB', 'EgressSecurity', 'L3Rewrite', 'L2Forwarding', 'ConntrackCommit', 'Output']);
  expect(b.steps.map((s) => s.table)).toEqual(['Classifier', 'Conntrack', 'ConntrackState', 'L2Forwarding', 'IngressSecurity', 'ConntrackCommit', 'Output']);
  expect(b.outcome).toEqual({ kind: 'delivered', pod: 'q', ofport: expect.any(Number) });
  expect(await askName(cluster, p, q.ip, 80)).toBe('q');
});

test('dropped on the receiving host: r is in no group, q’s group db lets only web in — and a real connection does not get through', async () => {
  const t = await trace(['--from', 'r', '--to', 'q', '--proto', 'tcp', '--dport', '80'], 'dropped-ingress');
  expect(t.verdict).toMatchObject({
    kind: 'dropped',
    host: 'tb',
    text: `dropped on host tb by security groups: pod q is in group db; no ingress rule of group db allows tcp/80 from ${r.ip} (pod r)`,
    allowedBy: [],
  });
  const [a] = t.hops;
  if (!a.traced) throw new Error('the first hop should be traced');
  expect(a.steps.find((s) => s.table === 'EgressSecurity')).toMatchObject({ text: 'pod r is in no group with egress rules: egress is open' });
  expect(await askName(cluster, r, q.ip, 80, 1_000)).toBeUndefined();
});

test('dropped on the sending host by an egress rule: web may send tcp 80 only', async () => {
  const t = await trace(['--from', 'p', '--to', 'q', '--proto', 'tcp', '--dport', '81'], 'dropped-egress');
  expect(t.hops).toHaveLength(1);
  expect(t.verdict).toMatchObject({ kind: 'dropped', host: 'ta', text: `dropped on host ta by security groups: pod p is in group web, which has egress rules; no egress rule of group web allows tcp/81 to ${q.ip} (pod q)` });
  expect(await askName(cluster, p, q.ip, 81, 1_000)).toBeUndefined();
});

test('icmp on one host: r’s echo request to p (web, which has no ingress rule) is dropped before p’s port', async () => {
  const t = await trace(['--from', 'r', '--to', 'p', '--proto', 'icmp'], 'icmp-local');
  expect(t.hops.map((h) => h.host)).toEqual(['ta']);
  expect(t.verdict).toMatchObject({ kind: 'dropped', host: 'ta', text: `dropped on host ta by security groups: pod p is in group web; no ingress rule of group web allows icmp type 8 from ${r.ip} (pod r)` });
  expect((await cluster.ping(r, p.ip, { timeoutS: 1 })).received).toBe(0);
});

test('to the VIP: balanced by the select group to a backend, then on through the rules to it — each backend for some connection', async () => {
  const seen = new Set<string>();
  for (let sport = 49152; sport < 49160; sport++) {
    const fixture = sport === 49152 ? 'vip' : undefined;
    const t = await trace(['--from', 'p', '--to', vip, '--proto', 'tcp', '--dport', '80', '--sport', String(sport)], fixture);
    const backend = t.verdict.balanced?.backend;
    if (backend === 'q2' && !seen.has('q2')) await trace(['--from', 'p', '--to', vip, '--proto', 'tcp', '--dport', '80', '--sport', String(sport)], 'vip-local');
    expect(['q', 'q2']).toContain(backend);
    seen.add(backend!);
    expect(t.verdict).toMatchObject({ kind: 'delivered', host: backend === 'q' ? 'tb' : 'ta', balanced: { service: 'db', vip, how: 'group' } });
    expect(t.verdict.allowedBy.map((a) => `${a.host} ${a.group} ${a.direction}[${a.index}]`)).toEqual(['ta web egress[0]', `${backend === 'q' ? 'tb' : 'ta'} db ingress[0]`]);
    expect(t.hops).toHaveLength(backend === 'q' ? 2 : 1);
  }
  expect(seen).toEqual(new Set(['q', 'q2']));
  expect(['q', 'q2']).toContain(await askName(cluster, p, vip, 80));
});

test('what the CLI does not ask OVS for, read from OVS itself: without dp_hash the trace stops at the select group; +est passes the isolating flows, +inv stops in ConntrackState', async () => {
  const ovs = cluster.host('ta').ovs;
  const run = async (fixture: string, plan: TracePlan, flow: string, ...args: string[]) => {
    const text = await ovs.appctl('ofproto/trace', 'br-int', flow, ...args);
    if (process.env.UPDATE_TRACE_FIXTURES) {
      fs.writeFileSync(path.join(FIXTURES, `${fixture}.plan.json`), JSON.stringify(plan, null, 2) + '\n');
      fs.writeFileSync(path.join(FIXTURES, `${fixture}.hop1.txt`), text);
    }
    return explainHop(plan, plan.hops[0], parseOfprotoTrace(text));
  };
  const toVip = (await cluster.plane.call('POST', '/v1/trace', { from: 'p', to: vip, proto: 'tcp', dport: 80 })).body as unknown as TracePlan;
  const unhashed = await run('vip-no-dp-hash', toVip, toVip.hops[0].flow.replace(/,dp_hash=0x[0-9a-f]+/, ''));
  expect(unhashed.outcome).toEqual({ kind: 'unfinished', reason: expect.stringContaining('the trace stops at the select group of ServiceLB') });

  const toQ81 = (await cluster.plane.call('POST', '/v1/trace', { from: 'p', to: 'q', proto: 'tcp', dport: 81 })).body as unknown as TracePlan;
  const established = await run('ct-est', toQ81, toQ81.hops[0].flow, '--ct-next', 'trk,est');
  expect(established.steps.find((s) => s.table === 'EgressSecurity')).toMatchObject({ verdict: 'allowed', text: 'allowed: part of a connection that was allowed when it began (ct_state +est+trk)' });
  expect(established.outcome).toMatchObject({ kind: 'tunnel', host: 'tb' });
  const invalid = await run('ct-inv', toQ81, toQ81.hops[0].flow, '--ct-next', 'trk,inv');
  expect(invalid.outcome).toEqual({ kind: 'dropped', table: 'ConntrackState', cause: 'invalid', reason: 'conntrack marks the packet invalid' });
});

test('the text output names tables, rules and the verdict', async () => {
  const res = await loomAsync(['trace', '--from', 'r', '--to', 'q', '--proto', 'tcp', '--dport', '80']);
  expect(res).toMatchObject({ status: 0, stderr: '' });
  expect(res.stdout).toContain(`trace r (host ta, ${r.ip}) → q (host tb, ${q.ip}) tcp/80 from port 49152\nhost ta\n  Classifier       from pod r: network blue\n`);
  expect(res.stdout).toMatch(/\nhost tb\n {2}Classifier +from the tunnel \(VNI 9200\): network blue\n/);
  expect(res.stdout).toContain(`  IngressSecurity  dropped: pod q is in group db; no ingress rule of group db allows tcp/80 from ${r.ip} (pod r)\n`);
  expect(res.stdout).toMatch(/\nverdict: dropped on host tb by security groups: .*\n$/);
});

test('a hop whose host cannot be reached from here is reported, with the packet to trace there, not guessed', async () => {
  // The same trace as another machine would see it: host tb's socket is not here.
  const ctl = `${cluster.host('tb').ovs.runDir}/ovs-vswitchd.ctl`;
  const hidden = `${ctl}.hidden`;
  fs.renameSync(ctl, hidden);
  try {
    const t = await trace(['--from', 'p', '--to', 'q', '--proto', 'tcp', '--dport', '80']);
    expect(t.hops[1]).toEqual({ traced: false, host: 'tb', flow: expect.stringMatching(/^in_port=\d+,tun_id=0x23f0,tun_src=192\.168\.92\.1,tun_dst=192\.168\.92\.2,tcp,/), unreachable: expect.stringContaining(`${ctl} is not on this machine; run loom trace on host tb`) });
    expect(t.verdict).toMatchObject({ kind: 'not-traced', host: 'tb' });
  } finally {
    fs.renameSync(hidden, ctl);
  }
});

test.each([
  [['--from', 'nobody', '--to', 'q', '--proto', 'tcp', '--dport', '80'], /from: no endpoint named "nobody"; pods: p, q, q2, r/],
  [['--from', 'p', '--to', '10.96.255.254', '--proto', 'tcp', '--dport', '80'], /to: "10\.96\.255\.254" is none of these; expected a pod's name, a pod's address in network blue, or a Service VIP \(db 10\.96\./],
  [['--from', 'p', '--to', 'q', '--proto', 'icmp', '--dport', '80'], /dport: icmp has no ports/],
  [['--from', 'p', '--to', 'q', '--proto', 'tcp'], /dport: tcp needs a destination port/],
  [['--from', 'p', '--to', 'q', '--proto', 'sctp', '--dport', '80'], /argument 'sctp' is invalid\. Allowed choices are tcp, udp, icmp/],
  [['--from', 'p', '--to', 'q', '--proto', 'tcp', '--dport', '70000'], /--dport expects a port 1-65535, got "70000"/],
])('bad input %j is refused naming it and what is accepted', async (args, message) => {
  const res = await loomAsync(['trace', ...args]);
  expect(res.status).not.toBe(0);
  expect(res.stdout).toBe('');
  expect(res.stderr).toMatch(message);
});
