import { hostState } from '../../../fabric/compiler';
import type { FlowCounters } from '../../../fabric/openflow/controller';
import { tableId } from '../../../fabric/pipeline';
import { ruleLabel, securityGroupStats, type HostCounters } from '../../../fabric/trace';
import { HOSTS, meshOf, NETWORKS, pod } from '../compiler/security-groups/meshes';

/**
 * Counters → rules, as the controller reads them: each host's security-table flows (as
 * FlowSync.flowStats returns them: the desired flows with their packet counts) tied to
 * the host's compiled rules, summed over hosts.
 */

const MESH = meshOf(
  NETWORKS[0],
  pod('w1', { ip: '10.0.0.2', host: 'host-a', ofport: 1, labels: { app: 'web' } }),
  pod('f1', { ip: '10.0.0.3', host: 'host-a', ofport: 2, labels: { app: 'front', tenant: 't' } }),
  pod('w2', { ip: '10.0.0.4', host: 'host-b', ofport: 1, labels: { app: 'web' } }),
  pod('f2', { ip: '10.0.0.5', host: 'host-b', ofport: 2, labels: { app: 'front' } }),
  `kind: SecurityGroup
name: web
members: {selector: {app: web}}
ingress:
  - {protocol: tcp, ports: [80], from: [{group: front}]}
  - {protocol: any, from: [{cidr: 0.0.0.0/0}]}
`,
  'kind: SecurityGroup\nname: also-web\nmembers: {selector: {app: web}}\ningress: [{from: [{cidr: 0.0.0.0/0}]}]\n',
  'kind: SecurityGroup\nname: front\nmembers: {selector: {app: front}}\negress: []\n',
  'kind: SecurityGroup\nname: idle\nmembers: {selector: {app: none}}\ningress: [{protocol: udp, ports: [53], from: [{group: web}]}]\n',
);

/** The host's security-table flows with `packets(flow)` as their counters. */
function countersOf(host: string, packets: (f: FlowCounters) => number): HostCounters {
  const state = hostState(MESH, HOSTS, host)!;
  const tables = [tableId('EgressSecurity'), tableId('IngressSecurity')];
  const counters = state.flows
    .filter((f) => tables.includes(f.tableId))
    .map((f, index): FlowCounters => ({ tableId: f.tableId, priority: f.priority, match: f.match, cookie: 0n, packets: 0n, bytes: 0n, index }))
    .map((c) => ({ ...c, packets: BigInt(packets(c)) }));
  return { host, rules: state.rules, counters };
}

const conj = (host: string, group: string, index: number) => hostState(MESH, HOSTS, host)!.rules.find((r) => r.group === group && r.index === index && r.kind === 'rule')!.conjId;

test('a conjunctive rule’s hits are its conj_id flow’s packets, summed over hosts; the clause flows do not count', () => {
  const a = countersOf('host-a', (c) => (c.match.conjId === conj('host-a', 'web', 0) ? 3 : c.match.conjId === undefined && c.priority === 100 ? 1000 : 0));
  const b = countersOf('host-b', (c) => (c.match.conjId === conj('host-b', 'web', 0) ? 4 : 0));
  const stats = securityGroupStats(MESH, [a, b], []);
  expect(stats).toMatchObject({ available: true, counted: ['host-a', 'host-b'], missing: [] });
  expect(stats.reason).toBeUndefined();
  expect(stats.rules.find((r) => r.group === 'web' && r.index === 0)).toEqual({
    kind: 'rule',
    group: 'web',
    direction: 'ingress',
    index: 0,
    description: 'group web ingress[0]: tcp 80 from group front',
    hits: 7,
    byHost: { 'host-a': 3, 'host-b': 4 },
  });
});

test('rules that need no conjunction are counted on their members’ flows, which two such rules of a member share', () => {
  const ingress = tableId('IngressSecurity');
  const stats = securityGroupStats(MESH, [countersOf('host-a', (c) => (c.tableId === ingress && c.priority === 150 ? 5 : 0))], []);
  const direct = stats.rules.filter((r) => r.description.includes('any protocol'));
  expect(direct.map((r) => [r.group, ruleLabel(r), r.hits, r.sharedWith])).toEqual([
    ['also-web', 'ingress[0]', 5, ['web ingress[1]']],
    ['web', 'ingress[1]', 5, ['also-web ingress[0]']],
  ]);
});

test('every rule of the model is a row, in resource order, tenants last; a rule with flows on no counted host has 0 hits', () => {
  const stats = securityGroupStats(MESH, [countersOf('host-a', () => 1)], []);
  expect(stats.rules.map((r) => `${r.kind === 'tenant' ? 'tenant ' : ''}${r.group} ${ruleLabel(r)}: ${r.hits}`)).toEqual([
    'also-web ingress[0]: 1',
    'idle ingress[0]: 0',
    'web ingress[0]: 1',
    'web ingress[1]: 1',
    'tenant t ingress: 1',
  ]);
  // Compiled nowhere (no member anywhere): described from the model the way the compiler would.
  expect(stats.rules.find((r) => r.group === 'idle')!.description).toBe('group idle ingress[0]: udp 53 from group web');
});

test('hosts that could not be read are named, not counted as 0; with none read, hits are null', () => {
  const partial = securityGroupStats(MESH, [countersOf('host-a', () => 2)], [{ host: 'host-b', reason: 'its br-int is not connected to this controller' }]);
  expect(partial).toMatchObject({ available: true, reason: 'not counted: host host-b (its br-int is not connected to this controller)' });
  const none = securityGroupStats(MESH, [], [], 'no OpenFlow controller runs in this control plane, so no switch counters can be read');
  expect(none).toMatchObject({ available: false, reason: 'no OpenFlow controller runs in this control plane, so no switch counters can be read', counted: [] });
  expect(none.rules.map((r) => r.hits)).toEqual([null, null, null, null, null]);
  expect(securityGroupStats(MESH, [], [{ host: 'host-a', reason: 'x' }])).toMatchObject({ available: false, reason: 'no host’s br-int is connected to this control plane’s OpenFlow controller' });
});
