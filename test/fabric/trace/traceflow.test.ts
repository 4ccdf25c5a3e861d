import { traceflow, type TracePlan } from '../../../fabric/trace';
import { formatTrace } from '../../../src/cli/format';
import { capturedHops, fixturePlan } from './fixtures';

/**
 * Traces explained from captured ofproto/trace output and the plans the API gave for it
 * (fixtures.ts): the two-host cluster of test/e2e/fabric/trace.test.ts, where p (group
 * web: egress tcp 80 to db) and r (no group) live on host ta with q2 (db), q (db: ingress
 * tcp 80 from web) on tb, and q and q2 back service db.
 */

const run = (name: string, plan: TracePlan = fixturePlan(name)) => traceflow(plan, capturedHops(name));

test('allowed across hosts: each table in the model’s terms, both rules named, the tunnel followed to the pod', async () => {
  const t = await run('allowed');
  expect(formatTrace(t)).toBe(
    [
      'trace p (host ta, 10.92.0.2) → q (host tb, 10.92.0.5) tcp/80 from port 49152',
      'host ta',
      '  Classifier       from pod p: network blue',
      "  SpoofGuard       source MAC and IP are pod p's",
      '  ArpResponder     not ARP',
      "  Conntrack        tracked in network blue's zone: a new connection",
      '  ConntrackState   valid',
      '  ServiceLB        not to a VIP',
      '  EgressSecurity   allowed by group web egress[0]: tcp 80 to group db',
      '  L3Rewrite        addressed to a MAC in the network: nothing to route',
      '  L2Forwarding     to pod q on host tb: through the tunnel (VNI 9200)',
      '  ConntrackCommit  new connection committed: its replies will pass as established',
      '  Output           into the tunnel to host tb (192.168.92.2)',
      'host tb',
      '  Classifier       from the tunnel (VNI 9200): network blue',
      "  Conntrack        tracked in network blue's zone: a new connection",
      '  ConntrackState   from the tunnel: straight to L2Forwarding (the sending host balanced it and applied its egress rules)',
      '  L2Forwarding     to pod q (port 2) on this host',
      '  IngressSecurity  allowed by group db ingress[0]: tcp 80 from group web',
      '  ConntrackCommit  new connection committed: its replies will pass as established',
      '  Output           out of port 2: pod q',
      'verdict: delivered to pod q (10.92.0.5) on host tb',
      '  allowed on host ta by group web egress[0]: tcp 80 to group db',
      '  allowed on host tb by group db ingress[0]: tcp 80 from group web',
    ].join('\n'),
  );
  expect(t.hops[1]).toMatchObject({ traced: true, flow: 'in_port=1,tun_id=0x23f0,tun_src=192.168.92.1,tun_dst=192.168.92.2,tcp,dl_src=0a:58:0a:5c:00:02,dl_dst=0a:58:0a:5c:00:05,nw_src=10.92.0.2,nw_dst=10.92.0.5,nw_ttl=64,tcp_src=49152,tcp_dst=80,tcp_flags=syn' });
  expect(t.verdict.allowedBy).toEqual([
    { kind: 'rule', group: 'web', direction: 'egress', index: 0, description: 'group web egress[0]: tcp 80 to group db', host: 'ta' },
    { kind: 'rule', group: 'db', direction: 'ingress', index: 0, description: 'group db ingress[0]: tcp 80 from group web', host: 'tb' },
  ]);
});

test('dropped by the receiving pod’s group, and by the sender’s egress rules', async () => {
  expect((await run('dropped-ingress')).verdict).toEqual({
    kind: 'dropped',
    host: 'tb',
    text: 'dropped on host tb by security groups: pod q is in group db; no ingress rule of group db allows tcp/80 from 10.92.0.3 (pod r)',
    allowedBy: [],
  });
  const egress = await run('dropped-egress');
  expect(egress.hops).toHaveLength(1);
  expect(egress.hops[0]).toMatchObject({ outcome: { kind: 'dropped', table: 'EgressSecurity', cause: 'security-groups' } });
  expect(egress.verdict.text).toBe('dropped on host ta by security groups: pod p is in group web, which has egress rules; no egress rule of group web allows tcp/81 to 10.92.0.5 (pod q)');
  expect((await run('icmp-local')).verdict.text).toBe('dropped on host ta by security groups: pod p is in group web; no ingress rule of group web allows icmp type 8 from 10.92.0.3 (pod r)');
});

test('to a VIP: the bucket the trace’s dp_hash chose, the packet after DNAT and the router’s MAC rewrite carried to the backend’s host', async () => {
  const t = await run('vip');
  expect(t.summary).toBe('p (host ta, 10.92.0.2) → service db (VIP 10.96.0.1) tcp/80 from port 49152');
  expect(t.verdict).toMatchObject({ kind: 'delivered', host: 'tb', balanced: { service: 'db', vip: '10.96.0.1', backend: 'q', ip: '10.92.0.5', how: 'group', bucket: 0 } });
  const [a, b] = t.hops;
  if (!a.traced) throw new Error('hop 1 is traced');
  expect(a.steps.find((s) => s.table === 'ServiceLB')!.text).toMatch(/^new connection to VIP 10\.96\.0\.1 \(service db\): balanced to pod q \(10\.92\.0\.5\), select group \d+, bucket 0 \(this trace's dp_hash chose it; the datapath hashes each real connection\)$/);
  expect(a.steps.find((s) => s.table === 'L3Rewrite')!.text).toBe("to the gateway MAC for pod q's address: MACs rewritten as a router would");
  expect(a.steps.find((s) => s.table === 'L2Forwarding')!.text).toBe('to pod q on host tb: through the tunnel (VNI 9200)');
  // From the gateway's MAC to q's, to q's address: as it left host ta.
  expect(b.flow).toBe('in_port=1,tun_id=0x23f0,tun_src=192.168.92.1,tun_dst=192.168.92.2,tcp,dl_src=0a:58:0a:5c:00:01,dl_dst=0a:58:0a:5c:00:05,nw_src=10.92.0.2,nw_dst=10.92.0.5,nw_ttl=64,tcp_src=49152,tcp_dst=80,tcp_flags=syn');

  const local = await run('vip-local');
  expect(local.hops).toHaveLength(1);
  expect(local.verdict).toMatchObject({ kind: 'delivered', host: 'ta', text: 'delivered to pod q2 (10.92.0.4) on host ta', balanced: { backend: 'q2', bucket: 1 } });
});

test('what a trace cannot show is said, not guessed: a select group without dp_hash, a host not reachable from here', async () => {
  expect((await run('vip-no-dp-hash')).verdict).toMatchObject({ kind: 'unknown', host: 'ta', text: expect.stringContaining('the trace stops at the select group of ServiceLB') });
  const plan = fixturePlan('allowed');
  const t = await traceflow(plan, async (hop) => (hop.host === 'ta' ? capturedHops('allowed')() : { unreachable: 'its socket is elsewhere' }));
  expect(t.hops[1]).toEqual({ traced: false, host: 'tb', flow: expect.stringMatching(/^in_port=1,tun_id=0x23f0,/), unreachable: 'its socket is elsewhere' });
  expect(t.verdict).toMatchObject({ kind: 'not-traced', host: 'tb', text: 'not traced on host tb: its socket is elsewhere' });
  expect(formatTrace(t)).toContain("host tb: not traced: its socket is elsewhere\n  the packet there: ovs-appctl ofproto/trace br-int 'in_port=1,tun_id=0x23f0,");
});

test('a conj_id the plan does not know (rules of another version) is shown as such, never as another rule', async () => {
  const plan = { ...fixturePlan('allowed'), rules: {} };
  const t = await traceflow(plan, capturedHops('allowed'));
  if (!t.hops[0].traced) throw new Error('hop 1 is traced');
  expect(t.hops[0].steps.find((s) => s.table === 'EgressSecurity')).toMatchObject({ verdict: 'allowed', text: 'allowed by conjunction 1295647639, which is no egress rule compiled for this host' });
  expect(t.verdict.allowedBy).toEqual([]);
});

test('+est passes the isolating flows; +inv is dropped in ConntrackState', async () => {
  const est = await run('ct-est');
  if (!est.hops[0].traced) throw new Error('hop 1 is traced');
  expect(est.hops[0].steps.find((s) => s.table === 'Conntrack')!.text).toBe("tracked in network blue's zone: an established connection");
  expect((await run('ct-inv')).verdict.text).toBe('dropped on host ta in ConntrackState: conntrack marks the packet invalid');
});
