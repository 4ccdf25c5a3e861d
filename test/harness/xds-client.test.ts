import { createLogger } from '../../src/log';
import { applyResources, emptyMesh } from '../../src/model/mesh';
import { MeshSnapshots } from '../../xds/mesh-snapshots';
import { AdsServer } from '../../xds/server/ads-server';
import { StreamRegistry } from '../../xds/server/stream-registry';
import { startEchoBackends, type EchoBackend } from './echo-backend';
import { XdsClientProcess, xdsClientKinds } from './xds-client';

const TARGET = 'xds:///echo';

/** The harness itself: real xDS clients, configured by Loom, reach real backends. */
describe.each(xdsClientKinds)('%s xDS client against Loom', (kind) => {
  const registry = new StreamRegistry();
  let server: AdsServer | undefined;
  let backends: EchoBackend[] = [];
  let client: XdsClientProcess;

  beforeAll(async () => {
    backends = await startEchoBackends(['b1', 'b2']);
    const [b1, b2] = backends;
    const log = createLogger('test');
    const snaps = new MeshSnapshots(emptyMesh(), log);
    server = new AdsServer(snaps.cache, registry, log);
    const port = await server.listen('127.0.0.1', 0);
    const { mesh } = applyResources(emptyMesh(), [
      { resource: { kind: 'Service', name: 'echo', ports: [{ port: 50051, protocol: 'grpc' }] } },
      { resource: { kind: 'Endpoint', name: 'b1', service: 'echo', address: '127.0.0.1', port: b1.port } },
      { resource: { kind: 'Endpoint', name: 'b2', service: 'echo', address: '127.0.0.1', port: b2.port } },
    ]);
    snaps.publish(snaps.prepare(mesh));
    client = await XdsClientProcess.start(kind, { xdsServer: `127.0.0.1:${port}`, nodeId: `harness-${kind}` });
  }, 20_000);

  afterAll(async () => {
    await client?.close(); // undefined if beforeAll failed
    server?.forceClose();
    await Promise.all(backends.map((b) => b.close()));
  });

  it('accepts the config and balances calls across both backends', async () => {
    // Round robin picks only backends it is connected to: wait until it has both. A
    // rejected config shows in the last result's errors (both clients quote the NACK).
    await client.callUntil(TARGET, (r) => (r.results.b1 ?? 0) > 0 && (r.results.b2 ?? 0) > 0, { timeoutMs: 10_000 });
    const nacks = registry.list().flatMap((s) => Object.entries(s.types).filter(([, t]) => t.lastNack).map(([type, t]) => `${type}: ${t.lastNack!.message}`));
    expect(nacks).toEqual([]);

    const result = await client.call(TARGET, 40);
    expect(result.errors).toEqual({});
    expect(result.results.b1).toBeGreaterThan(0);
    expect(result.results.b2).toBeGreaterThan(0);
    expect(result.results.b1 + result.results.b2).toBe(40);
  }, 20_000);

  it('sends every call pinned with x-loom-backend to that backend', async () => {
    const result = await client.call(TARGET, 20, { metadata: { 'x-loom-backend': 'b2' } });
    expect(result).toEqual({ results: { b2: 20 }, errors: {} });
  }, 20_000);
});
