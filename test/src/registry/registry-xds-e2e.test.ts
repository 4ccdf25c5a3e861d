import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Consul from 'consul';
import { startDaemon, type RunningDaemon } from '../../../src/daemon/daemon';
import { meshServicesFromRegistry, type RegistryToMeshSync } from '../../../src/registry/sync/registry-to-mesh';
import { startEchoBackends, type EchoBackend } from '../../harness/echo-backend';
import { XdsClientProcess, type CallResult } from '../../harness/xds-client';
import { consulClient, log, startRegistry, tempDir } from './registry-fixture';

/**
 * End to end: a service registered through the Consul API (with the `consul` client)
 * becomes routable through xDS — a real gRPC xDS client (grpc-js-xds) reaches it — and
 * a failing health check takes an instance out of routing. The daemon is the real one
 * (startDaemon); the registry sync applies through its MeshManager, as `loom up` will.
 */

const TARGET = 'xds:///echo';
const only = (name: string) => (r: CallResult) => Object.keys(r.results).join() === name && Object.keys(r.errors).length === 0;
const both = (r: CallResult) => (r.results.b1 ?? 0) > 0 && (r.results.b2 ?? 0) > 0;

describe('registry → xDS with a real gRPC xDS client', () => {
  let daemon: RunningDaemon;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let sync: RegistryToMeshSync;
  let consul: Consul;
  let backends: EchoBackend[];
  let health: Server;
  let healthCode = 200;
  let client: XdsClientProcess;

  beforeAll(async () => {
    daemon = await startDaemon({ xds: { host: '127.0.0.1', port: 0 }, api: { host: '127.0.0.1', port: 0 }, dataDir: tempDir('loom-e2e-') }, log);
    registry = await startRegistry();
    sync = meshServicesFromRegistry({ registry: registry.registry, ops: daemon.manager, log });
    await sync.ready;
    consul = consulClient(registry.httpUrl);
    backends = await startEchoBackends(['b1', 'b2']);
    health = createServer((_req, res) => res.writeHead(healthCode).end());
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));

    const [b1, b2] = backends;
    await consul.agent.service.register({ name: 'echo', id: 'b1', address: '127.0.0.1', port: b1.port, meta: { protocol: 'grpc' }, check: { name: 'alive', ttl: '1h', status: 'passing', timeout: '' } as never });
    await consul.agent.service.register({
      name: 'echo',
      id: 'b2',
      address: '127.0.0.1',
      port: b2.port,
      tags: ['grpc'],
      check: { name: 'http', http: `http://127.0.0.1:${(health.address() as AddressInfo).port}/health`, interval: '1s', timeout: '500ms' },
    });
    client = await XdsClientProcess.start('node', { xdsServer: `127.0.0.1:${daemon.xds.port}`, nodeId: 'registry-e2e' });
  });

  afterAll(async () => {
    await client?.close();
    await sync?.close();
    consul?.destroy();
    await registry?.close();
    await Promise.all((backends ?? []).map((b) => b.close()));
    health?.close();
    await daemon?.close();
  });

  it('routes calls to every healthy instance registered through the Consul API', async () => {
    await client.callUntil(TARGET, both, { timeoutMs: 10_000 });
    // One service port per distinct instance port; the protocol from b1's meta.
    const ports = backends.map((b) => ({ port: b.port, protocol: 'grpc' })).sort((a, b) => a.port - b.port);
    expect(daemon.manager.get('Service', 'echo')).toEqual({ kind: 'Service', name: 'echo', ports, labels: { 'loom/origin': 'registry' }, vip: expect.stringMatching(/^10\.96\./) });
    const r = await client.call(TARGET, 40);
    expect(r.errors).toEqual({});
    expect(Object.keys(r.results).sort()).toEqual(['b1', 'b2']);
  });

  it('takes an instance out of routing when its HTTP check fails, and back when it passes', async () => {
    healthCode = 503;
    await client.callUntil(TARGET, only('b1'), { timeoutMs: 5_000 });
    expect((await client.call(TARGET, 30)).results).toEqual({ b1: 30 });
    healthCode = 200;
    await client.callUntil(TARGET, both, { timeoutMs: 5_000, batch: 20 });
  });

  it('takes an instance out of routing when its TTL check is failed', async () => {
    await consul.agent.check.fail('service:b1');
    await client.callUntil(TARGET, only('b2'), { timeoutMs: 5_000 });
    expect((await client.call(TARGET, 30)).results).toEqual({ b2: 30 });
  });
});
