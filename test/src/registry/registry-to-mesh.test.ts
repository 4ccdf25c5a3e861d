import type { Endpoint } from '../../../src/model/endpoint';
import type { Resource } from '../../../src/model/kinds';
import type { InstanceQuery, QueryOptions, Registry } from '../../../src/registry/registry';
import { watchCatalog, type Catalog } from '../../../src/registry/sync/catalog-watch';
import { applyExternalMesh, meshServicesFromRegistry } from '../../../src/registry/sync/registry-to-mesh';
import type { ExternalMesh } from '../../../src/registry/sync/mesh-from-registry';
import { connectConsul } from '../../../src/registry/consul/consul-registry';
import { startEmbeddedRegistry } from '../../../src/registry/embedded/embedded-registry';
import { syncMeshToRegistry } from '../../../src/registry/sync/mesh-to-registry';
import { MemoryMesh, consulClient, eventually, log, startRegistry, tempDir } from './registry-fixture';

/** Registry → model: the catalog watch, the applier, and both together. */

/** A registry that can be taken down: queries fail (in-flight ones too) until it is back. */
class FlakyRegistry {
  down = false;
  private readonly inFlight = new Set<AbortController>();
  constructor(private readonly inner: Registry) {}

  fail(): void {
    this.down = true;
    for (const c of this.inFlight) c.abort(new Error('connect ECONNREFUSED'));
  }

  recover(): void {
    this.down = false;
  }

  view(): Registry {
    return {
      ...this.inner,
      kv: this.inner.kv,
      services: (q?: QueryOptions) => this.guard(q, (signal) => this.inner.services({ ...q, signal })),
      instances: (name: string, q?: InstanceQuery) => this.guard(q, (signal) => this.inner.instances(name, { ...q, signal })),
    } as Registry;
  }

  private async guard<T>(q: QueryOptions | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.down) throw new Error('connect ECONNREFUSED');
    const c = new AbortController();
    q?.signal?.addEventListener('abort', () => c.abort(q.signal!.reason), { once: true });
    this.inFlight.add(c);
    try {
      return await run(c.signal);
    } finally {
      this.inFlight.delete(c);
    }
  }
}

describe('watchCatalog', () => {
  let embedded: Awaited<ReturnType<typeof startRegistry>>;
  beforeAll(async () => {
    embedded = await startRegistry();
  });
  afterAll(() => embedded?.close());

  it('reports the whole catalog, every change within a second, and never empties it during an outage', async () => {
    const registry = embedded.registry;
    for (const id of ['ext-1', 'ext-2']) await registry.register({ id, name: 'ext', address: '10.0.0.1', port: 80, checks: [{ id: `${id}-ttl`, ttl: '1h', status: 'passing' }] });
    const flaky = new FlakyRegistry(registry);
    const seen: Catalog[] = [];
    const watch = watchCatalog(flaky.view(), (c) => seen.push(c), { log, backoff: { baseMs: 20, maxMs: 100 } });
    try {
      const first = await watch.ready;
      expect(Object.keys(first)).toEqual(['ext']);
      expect(first.ext.map((i) => [i.id, i.status])).toEqual([['ext-1', 'passing'], ['ext-2', 'passing']]);

      const changedAt = Date.now();
      await registry.updateTtlCheck('ext-1-ttl', 'critical');
      const reported = await eventually('health change reported', () => seen.find((c) => c.ext?.[0].status === 'critical'));
      expect(Date.now() - changedAt).toBeLessThan(1000);
      expect(reported.ext.map((i) => i.status)).toEqual(['critical', 'passing']);

      flaky.fail();
      const before = seen.length;
      await registry.deregister('ext-2');
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.length).toBe(before);

      flaky.recover();
      const after = await eventually('recovered', () => seen.slice(before).find((c) => c.ext?.length === 1), 3000);
      expect(after.ext.map((i) => i.id)).toEqual(['ext-1']);

      await registry.deregister('ext-1');
      await eventually('service gone', () => seen.find((c) => !('ext' in c)));
    } finally {
      watch.close();
    }
  });
});

describe('applyExternalMesh', () => {
  const ext = (name: string, endpoints: Partial<Endpoint>[] = []): ExternalMesh => ({
    services: [{ kind: 'Service', name, ports: [{ port: 80, protocol: 'http' }], labels: { 'loom/origin': 'registry' } }],
    endpoints: endpoints.map((e, i) => ({ kind: 'Endpoint', name: `${name}-${i}`, service: name, address: '10.0.0.1', port: 80, labels: { 'loom/origin': 'registry' }, ...e }) as Endpoint),
    skipped: [],
  });
  const merge = (...parts: ExternalMesh[]): ExternalMesh => ({ services: parts.flatMap((p) => p.services), endpoints: parts.flatMap((p) => p.endpoints), skipped: [] });

  it('imports, changes only what differs, and deletes only what it imported', async () => {
    const mesh = new MemoryMesh();
    await mesh.apply(JSON.stringify({ kind: 'Service', name: 'mine', ports: [{ port: 1, protocol: 'tcp' }] }), 'user');
    expect(await applyExternalMesh(mesh, merge(ext('a', [{}]), ext('b', [{}, {}])))).toEqual({
      applied: ['Service/a', 'Service/b', 'Endpoint/a-0', 'Endpoint/b-0', 'Endpoint/b-1'],
      deleted: [],
      refused: [],
    });
    expect(await applyExternalMesh(mesh, merge(ext('a', [{}]), ext('b', [{}, {}])))).toEqual({ applied: [], deleted: [], refused: [] });
    expect(await applyExternalMesh(mesh, merge(ext('a', [{ health: 'unhealthy' }])))).toEqual({
      applied: ['Endpoint/a-0'],
      deleted: ['Endpoint/b-0', 'Endpoint/b-1', 'Service/b'],
      refused: [],
    });
    expect(mesh.list('Service').map((s) => s.name)).toEqual(['a', 'mine']);
  });

  it('keeps a Service Loom owns (external instances join it) and refuses an Endpoint name Loom owns', async () => {
    const mesh = new MemoryMesh();
    const mine: Resource[] = [
      { kind: 'Service', name: 'echo', ports: [{ port: 50051, protocol: 'grpc' }] },
      { kind: 'Endpoint', name: 'echo-0', service: 'echo', address: '10.0.0.5', port: 50051 },
    ];
    await mesh.apply(mine.map((r) => JSON.stringify(r)).join('\n---\n'), 'user');
    const r = await applyExternalMesh(mesh, ext('echo', [{}, {}]));
    expect(r).toEqual({ applied: ['Endpoint/echo-1'], deleted: [], refused: [{ resource: 'Endpoint/echo-0', error: 'Loom already has an endpoint of that name' }] });
    expect(mesh.get('Service', 'echo')).toEqual(mine[0]);
    expect(mesh.get('Endpoint', 'echo-0')).toEqual(mine[1]);
  });

  it('applies the good services when the model refuses one', async () => {
    const mesh = new MemoryMesh();
    const broken = ext('broken', [{}]);
    broken.services = [];
    const r = await applyExternalMesh(mesh, merge(ext('good', [{}]), broken));
    expect(r.applied).toEqual(['Service/good', 'Endpoint/good-0']);
    expect(r.refused).toEqual([{ resource: 'Endpoint/broken-0', error: expect.stringMatching(/service "broken" does not exist/) }]);
  });

  it('keeps an imported Service a Loom Route still refers to, removing its endpoints', async () => {
    const mesh = new MemoryMesh();
    await applyExternalMesh(mesh, ext('legacy', [{}]));
    await mesh.apply(JSON.stringify({ kind: 'Route', name: 'legacy', service: 'legacy' }), 'user');
    const r = await applyExternalMesh(mesh, merge());
    expect(r.deleted).toEqual(['Endpoint/legacy-0']);
    expect(r.refused).toEqual([{ resource: 'Service/legacy', error: expect.stringMatching(/still referred to by Route legacy/) }]);
  });
});

describe('meshServicesFromRegistry', () => {
  it('makes services registered through the Consul API mesh services, and follows their health within a second', async () => {
    const embedded = await startRegistry();
    const consul = consulClient(embedded.httpUrl);
    const mesh = new MemoryMesh();
    const sync = meshServicesFromRegistry({ registry: embedded.registry, ops: mesh, log });
    try {
      await sync.ready;
      await consul.agent.service.register({ name: 'payments', id: 'pay-1', address: '10.2.0.1', port: 9090, meta: { protocol: 'grpc' }, check: { name: 'ttl', ttl: '1h', status: 'passing', timeout: '' } as never });
      const ep = await eventually('imported', () => mesh.list('Endpoint').find((e) => e.name === 'payments-pay-1') as Endpoint | undefined, 1000);
      expect(ep).toMatchObject({ service: 'payments', address: '10.2.0.1', port: 9090, health: 'healthy' });
      expect(mesh.get('Service', 'payments')).toMatchObject({ ports: [{ port: 9090, protocol: 'grpc' }] });

      const failedAt = Date.now();
      await consul.agent.check.fail('service:pay-1');
      await eventually('unhealthy', () => (mesh.get('Endpoint', 'payments-pay-1') as Endpoint).health === 'unhealthy', 1000);
      expect(Date.now() - failedAt).toBeLessThan(1000);

      await consul.agent.service.deregister('pay-1');
      await eventually('removed', () => mesh.list('Service').length === 0, 1000);
    } finally {
      await sync.close();
      consul.destroy();
      await embedded.close();
    }
  });
});

describe('a Consul outage, through the Consul backend', () => {
  it('keeps serving the last known catalog while Consul is down, and resumes when it answers again', async () => {
    const dataDir = tempDir();
    const start = (port: number) => startEmbeddedRegistry({ http: { host: '127.0.0.1', port }, dns: { host: '127.0.0.1', port: 0 }, dataDir, log, nodeName: 'consul-1' });
    let consul = await start(0);
    const port = Number(new URL(consul.httpUrl).port);
    await consul.registry.register({ id: 'web-1', name: 'web', address: '10.0.0.1', port: 80, checks: [{ id: 'web-1-ttl', ttl: '1h', status: 'passing' }] });
    const registry = connectConsul({ url: consul.httpUrl, log });
    const mesh = new MemoryMesh();
    const sync = meshServicesFromRegistry({ registry, ops: mesh, log });
    try {
      await sync.ready;
      expect(mesh.list('Endpoint').map((e) => e.name)).toEqual(['web-web-1']);

      await consul.close();
      await new Promise((r) => setTimeout(r, 500));
      expect(mesh.list('Endpoint').map((e) => e.name)).toEqual(['web-web-1']);
      expect(mesh.list('Service').map((s) => s.name)).toEqual(['web']);

      consul = await start(port);
      await consul.registry.updateTtlCheck('web-1-ttl', 'critical');
      await eventually('resumed', () => (mesh.get('Endpoint', 'web-web-1') as Endpoint).health === 'unhealthy', 5000);
    } finally {
      await sync.close();
      await registry.close();
      await consul.close();
    }
  });
});

describe('both directions at once', () => {
  it('settles: Loom registers its own endpoints, imports only the others, and nothing echoes back', async () => {
    const embedded = await startRegistry();
    const mesh = new MemoryMesh();
    let changes = 0;
    mesh.onChange(() => changes++);
    const out = syncMeshToRegistry({ registry: embedded.registry, source: mesh, log });
    const back = meshServicesFromRegistry({ registry: embedded.registry, ops: mesh, log });
    try {
      await back.ready;
      await mesh.apply(
        [
          { kind: 'Service', name: 'echo', ports: [{ port: 50051, protocol: 'grpc' }] },
          { kind: 'Endpoint', name: 'b1', service: 'echo', address: '10.0.0.1', port: 50051 },
        ].map((r) => JSON.stringify(r)).join('\n---\n'),
        'user',
      );
      await embedded.registry.register({ id: 'vm-1', name: 'echo', address: '10.0.9.1', port: 50051, checks: [{ ttl: '1h', status: 'passing' }] });
      await eventually('imported', () => mesh.list('Endpoint').some((e) => e.name === 'echo-vm-1'));
      await out.synced();
      await back.idle();
      const settled = changes;
      await new Promise((r) => setTimeout(r, 300));
      expect(changes).toBe(settled);
      expect(mesh.list('Endpoint').map((e) => e.name)).toEqual(['b1', 'echo-vm-1']);
      expect(mesh.get('Service', 'echo')).not.toHaveProperty('labels');
      const instances = (await embedded.registry.instances('echo')).value.map((i) => [i.id, i.meta['loom-managed'] ?? 'external']);
      expect(instances.sort()).toEqual([
        ['b1', 'true'],
        ['vm-1', 'external'],
      ]);
    } finally {
      await back.close();
      await out.close();
      await embedded.close();
    }
  });
});
