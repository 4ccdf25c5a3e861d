import fs from 'node:fs';
import path from 'node:path';
import { serviceLbFlows } from '../../../../fabric/compiler/service-lb';
import { encode, Group } from '../../../../fabric/openflow/codec';
import { formatFlows, formatGroups, hostFlows, hostViewFromMesh, tableId, type HostView, type PipelineFlow } from '../../../../fabric/pipeline';
import type { Endpoint } from '../../../../src/model/endpoint';
import type { Mesh } from '../../../../src/model/mesh';
import { backend, GOLDEN_DIR, GOLDEN_MESH, HOSTS, meshOf, NETWORKS, pod, service } from './meshes';

/**
 * serviceLbFlows as a pure function: host A's flows and groups against committed golden
 * files, which backends count, linear growth, stable group ids, and that everything
 * encodes. ovs-service-lb.test.ts runs the same compiler on a real bridge.
 */

const viewOf = (mesh: Mesh, host = 'host-a'): HostView => hostViewFromMesh(mesh, HOSTS, host)!;
const compile = (mesh: Mesh) => serviceLbFlows(mesh, viewOf(mesh));
const inTable = (flows: PipelineFlow[], table: 'ServiceLB' | 'L3Rewrite') => flows.filter((f) => f.tableId === tableId(table));

test.each([
  ['flows', 'host-a.flows', () => formatFlows(compile(GOLDEN_MESH).flows)],
  ['groups', 'host-a.groups', () => formatGroups(compile(GOLDEN_MESH).groups)],
])('host A’s %s match the golden file (UPDATE_GOLDEN=1 rewrites it)', (_what, file, text) => {
  const golden = path.join(GOLDEN_DIR, file);
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(golden, text());
  expect(text()).toBe(fs.readFileSync(golden, 'utf8'));
});

test('the same mesh and view give the same flows and groups whatever their order', () => {
  const reversed = (r: Readonly<Record<string, unknown>>) => Object.fromEntries(Object.entries(r).reverse());
  const mesh = { ...GOLDEN_MESH, services: reversed(GOLDEN_MESH.services), endpoints: reversed(GOLDEN_MESH.endpoints) } as Mesh;
  const view = viewOf(GOLDEN_MESH);
  const shuffled = { ...view, networks: [...view.networks].reverse(), endpoints: [...view.endpoints].reverse() };
  expect(serviceLbFlows(mesh, shuffled)).toEqual(compile(GOLDEN_MESH));
});

describe('backends', () => {
  const bucketIps = (mesh: Mesh) => compile(mesh).groups.map((g) => g.buckets.map((b) => (b.actions[0] as { actions: { ipMin: string }[] }).actions[0].ipMin));

  test('only healthy endpoints of the service in the client’s network, on reported hosts, are backends', () => {
    // web: web-a, web-b in blue (web-c unhealthy, web-d draining); web-red in red; web-green is in green, which has no gateway.
    expect(bucketIps(GOLDEN_MESH)).toEqual(expect.arrayContaining([['10.0.0.11', '10.0.0.12'], ['10.1.0.12']]));
    const unreported = { ...GOLDEN_MESH, endpoints: { ...GOLDEN_MESH.endpoints, 'web-b': { ...GOLDEN_MESH.endpoints['web-b'], host: 'host-z' } } };
    expect(bucketIps(unreported)).toEqual(expect.arrayContaining([['10.0.0.11'], ['10.1.0.12']]));
  });

  test('weights carry into the buckets, 1 by default', () => {
    const web = compile(GOLDEN_MESH).groups.find((g) => g.buckets.length === 2)!;
    expect(web.buckets.map((b) => b.weight)).toEqual([1, 2]);
  });

  test('a backend that stops serving leaves its group; with none left, the VIP only drops', () => {
    const mesh = (health: Endpoint['health']) => meshOf([service('web', { vip: '10.96.0.10' })], [pod('client', 'blue', '10.0.0.2', 'host-a', { ofport: 1 }), backend('web', 'web-1', 'blue', '10.0.0.11', 'host-b', { health })]);
    expect(compile(mesh('healthy')).groups).toHaveLength(1);
    const { flows, groups } = compile(mesh('unhealthy'));
    expect(groups).toEqual([]);
    expect(formatFlows(inTable(flows, 'ServiceLB'))).toBe('table=ServiceLB, priority=90,ip,reg0=0x1/0xffff,nw_dst=10.96.0.10 actions=drop\n');
  });

  test('a host with no client in a network with a gateway has no ServiceLB flows', () => {
    const onlyElsewhere = meshOf([service('web', { vip: '10.96.0.10' })], [pod('client', 'green', '10.0.0.2', 'host-a', { ofport: 1 }), backend('web', 'web-1', 'blue', '10.0.0.11', 'host-b')]);
    expect(compile(onlyElsewhere)).toEqual({ flows: [], groups: [] });
  });

  test('pods in a network with a gateway but no service VIP cost no flows: L3Rewrite only where a VIP is balanced', () => {
    const noServices = meshOf([], [pod('client', 'blue', '10.0.0.2', 'host-a', { ofport: 1 }), pod('other', 'blue', '10.0.0.3', 'host-b')]);
    expect(compile(noServices)).toEqual({ flows: [], groups: [] });
  });
});

describe('growth', () => {
  const scaled = (n: number, sessionAffinity: 'None' | 'ClientIP') =>
    meshOf(
      [service('web', { vip: '10.96.0.10', sessionAffinity })],
      [pod('client', 'blue', '10.0.0.2', 'host-a', { ofport: 1 }), ...Array.from({ length: n }, (_, i) => backend('web', `web-${i}`, 'blue', `10.0.${1 + (i >> 8)}.${i & 0xff}`, ['host-b', 'host-c'][i % 2]))],
      [{ ...NETWORKS.blue, cidr: '10.0.0.0/16' }],
    );

  test.each([3, 30, 300])('%i backends: 2 ServiceLB flows and one group of n buckets; n + 1 L3Rewrite flows', (n) => {
    const { flows, groups } = compile(scaled(n, 'None'));
    expect(inTable(flows, 'ServiceLB')).toHaveLength(2);
    expect(groups.map((g) => g.buckets.length)).toEqual([n]);
    expect(inTable(flows, 'L3Rewrite')).toHaveLength(n + 1);
  });

  test.each([3, 30, 300])('%i backends with ClientIP affinity: fewer than 8n + 1 ServiceLB flows, no group', (n) => {
    const { flows, groups } = compile(scaled(n, 'ClientIP'));
    const slots = inTable(flows, 'ServiceLB').length - 1;
    expect(slots).toBeGreaterThanOrEqual(4 * n);
    expect(slots).toBeLessThan(8 * n);
    expect(groups).toEqual([]);
  });
});

describe('group ids', () => {
  const webBlue = (mesh: Mesh) => compile(mesh).groups.find((g) => JSON.stringify(g).includes('10.0.0.11'))!.groupId;

  test('are valid, distinct, and the same on every host with clients', () => {
    const ids = compile(GOLDEN_MESH).groups.map((g) => g.groupId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id >= 1 && id <= Group.MAX).toBe(true);
    const withClientOnB = { ...GOLDEN_MESH, endpoints: { ...GOLDEN_MESH.endpoints, c: pod('c', 'blue', '10.0.0.99', 'host-b', { ofport: 7 }) } };
    expect(serviceLbFlows(withClientOnB, viewOf(withClientOnB, 'host-b')).groups.map((g) => g.groupId)).toContain(webBlue(GOLDEN_MESH));
  });

  test('do not move when other services, networks or backends come and go', () => {
    const before = webBlue(GOLDEN_MESH);
    const { web: _web, ...others } = GOLDEN_MESH.services;
    const changes: Mesh[] = [
      { ...GOLDEN_MESH, services: { ...GOLDEN_MESH.services, extra: service('extra', { vip: '10.96.0.99' }) }, endpoints: { ...GOLDEN_MESH.endpoints, x: backend('extra', 'x', 'blue', '10.0.0.50', 'host-b') } },
      { ...GOLDEN_MESH, services: { web: GOLDEN_MESH.services.web, ...others } },
      { ...GOLDEN_MESH, endpoints: { ...GOLDEN_MESH.endpoints, 'web-b': { ...GOLDEN_MESH.endpoints['web-b'], health: 'unhealthy' } } },
      {
        ...GOLDEN_MESH,
        networks: { blue: NETWORKS.blue, green: NETWORKS.green },
        endpoints: Object.fromEntries(Object.entries(GOLDEN_MESH.endpoints).filter(([, e]) => e.network !== 'red')),
      },
    ];
    for (const mesh of changes) expect(webBlue(mesh)).toBe(before);
  });
});

test('every flow encodes as a FLOW_MOD and every group as a GROUP_MOD; gotos go forward; no two flows share an identity', () => {
  const { flows, groups } = compile(GOLDEN_MESH);
  const identities = new Set<string>();
  for (const f of [...hostFlows(viewOf(GOLDEN_MESH)), ...flows]) {
    const bytes = encode({ type: 'flow_mod', xid: 0, command: 'add', tableId: f.tableId, priority: f.priority, match: f.match, instructions: f.instructions });
    identities.add(`${f.tableId}/${f.priority}/${bytes.subarray(48, 48 + bytes.readUInt16BE(50)).toString('hex')}`);
    for (const i of f.instructions) if (i.type === 'goto_table') expect(i.tableId).toBeGreaterThan(f.tableId);
  }
  // The priority-0 pass-throughs are hostFlows'; serviceLbFlows adds only flows above them.
  expect(identities.size).toBe(hostFlows(viewOf(GOLDEN_MESH)).length + flows.length);
  for (const g of groups) expect(() => encode({ type: 'group_mod', xid: 0, command: 'add', groupType: g.groupType, groupId: g.groupId, buckets: g.buckets })).not.toThrow();
});
