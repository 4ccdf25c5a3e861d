import { applyResources, emptyMesh, type Mesh } from '../../../src/model/mesh';
import type { Resource } from '../../../src/model/kinds';
import type { Registry } from '../../../src/registry/registry';
import { reconcileRegistry, registrationsForMesh, syncMeshToRegistry } from '../../../src/registry/sync/mesh-to-registry';
import { MemoryMesh, eventually, http, log, startRegistry } from './registry-fixture';

/** Model → registry: every Endpoint registered with its health; removal deregisters. */

const ECHO: Resource[] = [
  { kind: 'Service', name: 'echo', ports: [{ port: 50051, protocol: 'grpc' }] },
  { kind: 'Endpoint', name: 'b1', service: 'echo', address: '10.0.0.1', port: 50051, labels: { version: 'v1', 'app.kubernetes.io/name': 'echo' }, host: 'host-a' },
  { kind: 'Endpoint', name: 'b2', service: 'echo', address: '10.0.0.2', port: 50051, health: 'draining', weight: 3 },
  { kind: 'Endpoint', name: 'b3', service: 'echo', address: '10.0.0.3', port: 50051, health: 'unhealthy' },
];

function meshOf(resources: Resource[]): Mesh {
  return applyResources(emptyMesh(), resources.map((resource) => ({ resource }))).mesh;
}

describe('registrationsForMesh (pure)', () => {
  it('registers each endpoint under its service, on Loom\'s node, with its health as the check status', () => {
    expect(registrationsForMesh(meshOf(ECHO))).toEqual([
      {
        node: 'loom',
        nodeAddress: '127.0.0.1',
        nodeMeta: { 'external-node': 'true', 'external-probe': 'false' },
        id: 'b1',
        name: 'echo',
        address: '10.0.0.1',
        port: 50051,
        tags: ['grpc'],
        meta: { version: 'v1', 'loom-managed': 'true', 'loom-endpoint': 'b1', protocol: 'grpc', 'loom-host': 'host-a' },
        status: 'passing',
        output: 'healthy',
      },
      expect.objectContaining({ id: 'b2', status: 'warning', output: 'draining', meta: { 'loom-managed': 'true', 'loom-endpoint': 'b2', protocol: 'grpc', 'loom-weight': '3' } }),
      expect.objectContaining({ id: 'b3', status: 'critical', output: 'unhealthy' }),
    ]);
  });

  it('tells other tools where an endpoint lives and what guards it: network, VIP, tenant, security groups', () => {
    const fabric: Resource[] = [
      { kind: 'Network', name: 'blue', cidr: '10.1.0.0/24', vni: 100 },
      { kind: 'Service', name: 'db', ports: [{ port: 5432, protocol: 'tcp' }], vip: '10.96.0.7' },
      { kind: 'Endpoint', name: 'db-1', service: 'db', port: 5432, address: '10.1.0.5', network: 'blue', mac: '0a:58:0a:01:00:05', labels: { tenant: 'acme', app: 'db' } },
      { kind: 'SecurityGroup', name: 'storage', members: { services: ['db'] }, ingress: [] },
      { kind: 'SecurityGroup', name: 'acme-db', members: { selector: { app: 'db' } } },
    ];
    const [db1] = registrationsForMesh(meshOf(fabric));
    expect(db1.meta).toEqual({
      tenant: 'acme',
      app: 'db',
      'loom-managed': 'true',
      'loom-endpoint': 'db-1',
      protocol: 'tcp',
      'loom-network': 'blue',
      'loom-vip': '10.96.0.7',
      'loom-tenant': 'acme',
      'loom-security-groups': 'acme-db,storage',
    });
  });

  it('does not register back what came from the registry', () => {
    const imported: Resource[] = [
      { kind: 'Service', name: 'ext', ports: [{ port: 80, protocol: 'http' }], labels: { 'loom/origin': 'registry' } },
      { kind: 'Endpoint', name: 'ext-1', service: 'ext', address: '10.0.0.9', port: 80, labels: { 'loom/origin': 'registry' } },
    ];
    expect(registrationsForMesh(meshOf([...ECHO, ...imported])).map((r) => r.id)).toEqual(['b1', 'b2', 'b3']);
  });
});

describe('reconcileRegistry and syncMeshToRegistry (embedded registry)', () => {
  let embedded: Awaited<ReturnType<typeof startRegistry>>;
  let registry: Registry;
  beforeAll(async () => {
    embedded = await startRegistry();
    registry = embedded.registry;
  });
  afterAll(() => embedded?.close());

  it('registers, updates only what changed, and deregisters what left the mesh', async () => {
    expect(await reconcileRegistry(registry, meshOf(ECHO))).toEqual({ registered: ['b1', 'b2', 'b3'], deregistered: [], failed: [] });
    const passing = (await registry.instances('echo', { passing: true })).value;
    expect(passing.map((i) => [i.id, i.address, i.port])).toEqual([['b1', '10.0.0.1', 50051]]);
    expect((await http(`${embedded.httpUrl}/v1/health/checks/echo`)).json()).toEqual(
      expect.arrayContaining([expect.objectContaining({ CheckID: 'health:b2', Status: 'warning', Notes: 'draining' })]),
    );

    expect(await reconcileRegistry(registry, meshOf(ECHO))).toEqual({ registered: [], deregistered: [], failed: [] });

    const changed = ECHO.map((r) => (r.name === 'b3' && r.kind === 'Endpoint' ? { ...r, health: 'healthy' as const } : r)).filter((r) => r.name !== 'b2');
    expect(await reconcileRegistry(registry, meshOf(changed))).toEqual({ registered: ['b3'], deregistered: ['b2'], failed: [] });
    expect((await registry.instances('echo', { passing: true })).value.map((i) => i.id)).toEqual(['b1', 'b3']);
  });

  it('leaves registrations that are not Loom\'s alone', async () => {
    await registry.register({ id: 'someone-else', name: 'echo', port: 1 });
    await registry.registerExternal({ node: 'loom', nodeAddress: '127.0.0.1', id: 'hand-made', name: 'echo', address: '10.0.0.7', port: 1, status: 'passing' });
    const result = await reconcileRegistry(registry, meshOf([]));
    expect(result.deregistered).toEqual(['b1', 'b3']);
    expect((await registry.instances('echo')).value.map((i) => i.id).sort()).toEqual(['hand-made', 'someone-else']);
    await registry.deregister('someone-else');
    await registry.deregisterExternal('loom', 'hand-made');
  });

  it('follows every mesh change', async () => {
    const mesh = new MemoryMesh();
    const sync = syncMeshToRegistry({ registry, source: mesh, log, node: 'loom-sync', resyncIntervalMs: 60_000 });
    try {
      await mesh.apply(ECHO.map((r) => JSON.stringify(r)).join('\n---\n'), 'test');
      await eventually('registered', async () => (await registry.nodeInstances('loom-sync')).length === 3);
      await mesh.delete('Endpoint', 'b1');
      await eventually('deregistered', async () => (await registry.nodeInstances('loom-sync')).map((i) => i.id).join() === 'b2,b3');
      expect(await sync.synced()).toEqual({ registered: [], deregistered: [], failed: [] });
    } finally {
      await sync.close();
    }
  });

  it('repairs on the next pass what someone else removed', async () => {
    const mesh = new MemoryMesh();
    await mesh.apply(ECHO.slice(0, 2).map((r) => JSON.stringify(r)).join('\n---\n'), 'test');
    const sync = syncMeshToRegistry({ registry, source: mesh, log, node: 'loom-repair' });
    try {
      await sync.synced();
      await registry.deregisterExternal('loom-repair', 'b1');
      expect(await sync.synced()).toEqual({ registered: ['b1'], deregistered: [], failed: [] });
    } finally {
      await sync.close();
    }
  });
});
