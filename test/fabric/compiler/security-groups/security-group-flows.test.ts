import fs from 'node:fs';
import { securityGroupFlows, SecurityGroupPriority, type CompiledRule } from '../../../../fabric/compiler/security-groups';
import type { Action } from '../../../../fabric/openflow/codec';
import { Feature, formatFlows, hostFlows, tableId, type PipelineFlow } from '../../../../fabric/pipeline';
import { flowIdentity } from '../../pipeline/flow-checks';
import { GOLDEN_FILE, GOLDEN_MESH, meshOf, NETWORKS, pod, viewOf } from './meshes';

/**
 * securityGroupFlows as a pure function: host A's flows against the committed golden dump
 * (checked against a real bridge in ovs-security-groups.test.ts), the rules that map flow
 * statistics back to the resources, the invariants OVS's conjunctive matches need, and
 * flow counts that grow with peers plus ports, not their product.
 */

const golden = () => meshOf(...NETWORKS, GOLDEN_MESH);
const conjunctions = (f: PipelineFlow): Extract<Action, { type: 'conjunction' }>[] =>
  f.instructions.flatMap((i) => (i.type === 'apply_actions' ? i.actions.filter((a): a is Extract<Action, { type: 'conjunction' }> => a.type === 'conjunction') : []));

test('host A’s flows match the golden dump (UPDATE_GOLDEN=1 rewrites it)', () => {
  const mesh = golden();
  const text = formatFlows(securityGroupFlows(mesh, viewOf(mesh)).flows);
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(GOLDEN_FILE, text);
  expect(text).toBe(fs.readFileSync(GOLDEN_FILE, 'utf8'));
});

test('each rule with flows here is listed, described as written, with the ports it applies to', () => {
  const mesh = golden();
  const { rules } = securityGroupFlows(mesh, viewOf(mesh));
  expect(rules.map(({ conjId: _id, ...r }) => r)).toEqual([
    { kind: 'rule', group: 'open-front', direction: 'ingress', index: 0, direct: true, ofports: [2, 3], description: 'group open-front ingress[0]: any protocol from cidr 0.0.0.0/0' },
    { kind: 'rule', group: 'web', direction: 'ingress', index: 0, direct: false, ofports: [1], description: 'group web ingress[0]: tcp 80,8000-8080 from group frontend' },
    { kind: 'rule', group: 'web', direction: 'ingress', index: 1, direct: false, ofports: [1], description: 'group web ingress[1]: icmp type 8 code 0 from cidr 10.0.0.0/8' },
    { kind: 'rule', group: 'web', direction: 'egress', index: 0, direct: false, ofports: [1], description: 'group web egress[0]: udp 53 to cidr 10.96.0.10/32' },
    { kind: 'rule', group: 'web', direction: 'egress', index: 1, direct: false, ofports: [1], description: 'group web egress[1]: tcp 5432 to service db' },
    { kind: 'export', group: 'web', direction: 'ingress', index: 0, direct: false, ofports: [1], description: 'group web exports[0]: service web to group partners (tcp 80,8080), into the exported endpoints' },
    { kind: 'export', group: 'web', direction: 'egress', index: 0, direct: false, ofports: [4], description: "group web exports[0]: service web to group partners (tcp 80,8080), out of the target groups' members" },
    { kind: 'tenant', group: 'acme', direction: 'ingress', index: 0, direct: false, ofports: [4], description: 'tenant acme: ingress from its own endpoints' },
    { kind: 'tenant', group: 'shop', direction: 'ingress', index: 0, direct: false, ofports: [1, 2], description: 'tenant shop: ingress from its own endpoints' },
  ]);
});

test('every conjunction id in the flows is a listed rule’s, with one conj_id flow where its hits are counted', () => {
  const mesh = golden();
  const { flows, rules } = securityGroupFlows(mesh, viewOf(mesh));
  const byId = new Map<number, CompiledRule>(rules.map((r) => [r.conjId, r]));
  expect(byId.size).toBe(rules.length);
  for (const id of new Set(flows.flatMap(conjunctions).map((c) => c.id))) expect(byId.has(id)).toBe(true);
  for (const r of rules) {
    const table = tableId(r.direction === 'ingress' ? 'IngressSecurity' : 'EgressSecurity');
    expect(flows.filter((f) => f.tableId === table && f.match.conjId === r.conjId)).toHaveLength(r.direct ? 0 : 1);
  }
});

test('conjunction ids stay when other groups and tenants come', () => {
  const before = golden();
  const extra = [
    pod('new-1', { ip: '10.0.0.9', host: 'host-a', ofport: 9, labels: { app: 'new', tenant: 'newco' } }),
    'kind: SecurityGroup\nname: aaa\nmembers: {selector: {app: new}}\ningress: [{protocol: udp, from: [{group: web}]}]\n',
  ];
  const after = meshOf(...NETWORKS, GOLDEN_MESH, ...extra);
  const ids = (m: typeof before) => new Map(securityGroupFlows(m, viewOf(m)).rules.map((r) => [r.description, r.conjId]));
  const old = ids(before);
  const now = ids(after);
  expect(now.size).toBe(old.size + 2);
  for (const [rule, id] of old) expect(now.get(rule)).toBe(id);
});

test('the same mesh gives the same flows whatever the order of its documents', () => {
  const documents = [...NETWORKS, ...GOLDEN_MESH.split('---\n')];
  const mesh = meshOf(...documents);
  const reversed = meshOf(...[...documents].reverse());
  expect(securityGroupFlows(reversed, viewOf(reversed))).toEqual(securityGroupFlows(mesh, viewOf(mesh)));
});

test('given the last result, flows that come out the same are its objects, and the result is what it would be without', () => {
  const before = golden();
  const last = securityGroupFlows(before, viewOf(before));
  // web's first rule moves from port 80 to 81: its port clause changes, and port 80's flow, which web's export shares, loses the rule's conjunction.
  const after = meshOf(...NETWORKS, GOLDEN_MESH.replace('ports: [80, "8000-8080"]', 'ports: [81, "8000-8080"]'));
  const next = securityGroupFlows(after, viewOf(after), last);
  expect(next).toEqual(securityGroupFlows(after, viewOf(after)));
  const conjId = (kind: string, index: number) => next.rules.find((r) => r.kind === kind && r.group === 'web' && r.direction === 'ingress' && r.index === index)!.conjId;
  const fresh = next.flows.filter((f) => !last.flows.includes(f));
  expect(formatFlows(fresh)).toBe(
    `table=IngressSecurity, priority=100,tcp,tp_dst=80 actions=conjunction(${conjId('export', 0)},3/3)\n` + `table=IngressSecurity, priority=100,tcp,tp_dst=81 actions=conjunction(${conjId('rule', 0)},3/3)\n`,
  );
  expect(next.flows.length - fresh.length).toBe(last.flows.length - 1);
});

test('a service outside the overlay (registered in Consul by others: no network) is a peer by its addresses, in any network', () => {
  const external = [
    'kind: Service\nname: billing\nports: [{port: 8080, protocol: http}]\n',
    'kind: Endpoint\nname: billing-1\nservice: billing\naddress: 172.16.5.9\nport: 8080\n',
    'kind: SecurityGroup\nname: api\nmembers: {selector: {app: api}}\ningress: [{protocol: tcp, ports: [80], from: [{service: billing}]}]\n',
  ];
  const mesh = meshOf(...NETWORKS, pod('api-1', { ip: '10.0.0.2', host: 'host-a', ofport: 1, labels: { app: 'api' } }), ...external);
  const text = formatFlows(securityGroupFlows(mesh, viewOf(mesh)).flows);
  expect(text).toMatch(/table=IngressSecurity, priority=100,ip,nw_src=172\.16\.5\.9 actions=conjunction\(/);
});

test('without groups or tenants there are no flows, and pods stay open (the pipeline’s pass-through)', () => {
  const mesh = meshOf(...NETWORKS, pod('a', { ip: '10.0.0.2', host: 'host-a', ofport: 1 }));
  const { flows, rules } = securityGroupFlows(mesh, viewOf(mesh));
  expect({ flows, rules }).toEqual({ flows: [], rules: [] });
});

describe('invariants of the flows with the pipeline’s', () => {
  const mesh = golden();
  const view = viewOf(mesh);
  const sg = securityGroupFlows(mesh, view).flows;
  const all = [...hostFlows(view), ...sg];

  test('every flow encodes as a FLOW_MOD, and none shares an OpenFlow identity (table, priority, match) with another', () => {
    expect(new Set(all.map(flowIdentity)).size).toBe(all.length);
  });

  test('only the security tables, above their pass-through, owned by the feature of each table', () => {
    for (const f of sg) {
      expect(f.priority).toBeGreaterThan(0);
      expect(f.feature).toBe(f.tableId === tableId('EgressSecurity') ? Feature.EgressSecurity : Feature.IngressSecurity);
      expect([tableId('EgressSecurity'), tableId('IngressSecurity')]).toContain(f.tableId);
    }
  });

  test('a conjunction: clause flows carry nothing but conjunction actions, at one priority, every clause 1..n present', () => {
    const clauses = new Map<number, { n: Set<number>; seen: Set<number>; priorities: Set<number> }>();
    for (const f of sg) {
      const cs = conjunctions(f);
      if (cs.length === 0) continue;
      expect(f.instructions).toEqual([{ type: 'apply_actions', actions: cs }]);
      for (const c of cs) {
        const entry = clauses.get(c.id) ?? { n: new Set(), seen: new Set(), priorities: new Set() };
        entry.n.add(c.nClauses);
        entry.seen.add(c.clause);
        entry.priorities.add(f.priority);
        clauses.set(c.id, entry);
      }
    }
    expect(clauses.size).toBeGreaterThan(0);
    for (const { n, seen, priorities } of clauses.values()) {
      expect(n.size).toBe(1);
      const [count] = n;
      expect(count).toBeGreaterThanOrEqual(2);
      expect([...seen].sort()).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect([...priorities]).toEqual([SecurityGroupPriority.RULE]);
    }
  });
});

describe('flows grow with peers plus ports, not peers times ports', () => {
  /** A server here; P clients on host B, in group clients; group server lets them in on Q separate TCP ports. */
  const policy = (p: number, q: number) => {
    const network = 'kind: Network\nname: blue\ncidr: 10.0.0.0/16\nvni: 5001\n';
    const clients = Array.from({ length: p }, (_, i) => pod(`client-${i}`, { ip: `10.0.${1 + Math.floor(i / 200)}.${2 + (i % 200)}`, host: 'host-b', labels: { app: 'client' } }));
    const ports = Array.from({ length: q }, (_, i) => 1000 + 2 * i);
    return meshOf(
      network,
      pod('server', { ip: '10.0.0.2', host: 'host-a', ofport: 1, labels: { app: 'server' } }),
      ...clients,
      'kind: SecurityGroup\nname: clients\nmembers: {selector: {app: client}}\n',
      `kind: SecurityGroup\nname: server\nmembers: {selector: {app: server}}\ningress: [{protocol: tcp, ports: ${JSON.stringify(ports)}, from: [{group: clients}]}]\n`,
    );
  };

  test.each([
    [1, 1],
    [10, 10],
    [200, 200],
    [50, 400],
  ])('%i peers × %i ports: P + Q + 5 flows', (p, q) => {
    const mesh = policy(p, q);
    const { flows } = securityGroupFlows(mesh, viewOf(mesh));
    // IngressSecurity: +est, +rel, the server's drop, its member clause, P peers, Q ports, the conj_id flow.
    expect(flows.filter((f) => f.tableId === tableId('IngressSecurity'))).toHaveLength(flows.length);
    expect(flows.length).toBe(p + q + 5);
  });

  test('a 200 × 200 policy is 405 flows, not 40,000, and builds in well under a second', () => {
    const mesh = policy(200, 200);
    const view = viewOf(mesh);
    const start = performance.now();
    expect(securityGroupFlows(mesh, view).flows.length).toBe(405);
    expect(performance.now() - start).toBeLessThan(500);
  });
});
