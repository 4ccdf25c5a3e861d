import type { ServiceInstance } from '../../../src/registry/registry';
import { meshFromRegistry } from '../../../src/registry/sync/mesh-from-registry';
import { ServiceSchema } from '../../../src/model/service';
import { EndpointSchema } from '../../../src/model/endpoint';

/** Registry → model, the pure translation: golden cases. */

function instance(over: Partial<ServiceInstance> & Pick<ServiceInstance, 'id' | 'service'>): ServiceInstance {
  return { node: 'node-a', nodeAddress: '10.0.0.100', address: '10.0.0.1', port: 50051, tags: [], meta: {}, status: 'passing', checks: [], modifyIndex: 1, ...over };
}

describe('meshFromRegistry', () => {
  it('turns external instances into a Service and Endpoints; health passing → healthy, else unhealthy', () => {
    const mesh = meshFromRegistry({
      echo: [
        instance({ id: 'e2', service: 'echo', address: '10.0.0.2', tags: ['v2', 'grpc'], meta: { version: 'v2' }, status: 'critical' }),
        instance({ id: 'e1', service: 'echo', tags: ['v1'], meta: { protocol: 'grpc', tenant: 'blue' } }),
        instance({ id: 'e3', service: 'echo', address: '10.0.0.3', status: 'warning', node: 'node-b' }),
      ],
    });
    expect(mesh).toEqual({
      services: [{ kind: 'Service', name: 'echo', ports: [{ port: 50051, protocol: 'grpc' }], labels: { 'loom/origin': 'registry' } }],
      endpoints: [
        { kind: 'Endpoint', name: 'echo-e1', service: 'echo', address: '10.0.0.1', port: 50051, host: 'node-a', health: 'healthy', labels: { protocol: 'grpc', tenant: 'blue', 'tag/v1': 'true', 'loom/origin': 'registry' } },
        { kind: 'Endpoint', name: 'echo-e2', service: 'echo', address: '10.0.0.2', port: 50051, host: 'node-a', health: 'unhealthy', labels: { version: 'v2', 'tag/v2': 'true', 'tag/grpc': 'true', 'loom/origin': 'registry' } },
        { kind: 'Endpoint', name: 'echo-e3', service: 'echo', address: '10.0.0.3', port: 50051, host: 'node-b', health: 'unhealthy', labels: { 'loom/origin': 'registry' } },
      ],
      skipped: [],
    });
    // What it makes is valid model input.
    for (const s of mesh.services) expect(ServiceSchema.safeParse(s).success).toBe(true);
    for (const e of mesh.endpoints) expect(EndpointSchema.safeParse(e).success).toBe(true);
  });

  it('skips Loom-managed instances; a service with only those is not imported', () => {
    const mesh = meshFromRegistry({
      mine: [instance({ id: 'm1', service: 'mine', meta: { 'loom-managed': 'true' } })],
      mixed: [instance({ id: 'x1', service: 'mixed', meta: { 'loom-managed': 'true' } }), instance({ id: 'x2', service: 'mixed', port: 8080 })],
    });
    expect(mesh.services.map((s) => s.name)).toEqual(['mixed']);
    expect(mesh.endpoints.map((e) => e.name)).toEqual(['mixed-x2']);
  });

  it('takes the protocol from meta, else a tag, else tcp; one port per distinct instance port', () => {
    const mesh = meshFromRegistry({
      api: [instance({ id: 'a', service: 'api', port: 8080, tags: ['http'] }), instance({ id: 'b', service: 'api', port: 8081 })],
      raw: [instance({ id: 'r', service: 'raw', port: 6379 })],
    });
    expect(mesh.services).toEqual([
      expect.objectContaining({ name: 'api', ports: [{ port: 8080, protocol: 'http' }, { port: 8081, protocol: 'http' }] }),
      expect.objectContaining({ name: 'raw', ports: [{ port: 6379, protocol: 'tcp' }] }),
    ]);
  });

  it('makes valid, unique endpoint names from any instance ID', () => {
    const catalog = () => ({
      web: [
        instance({ id: 'same', service: 'web', node: 'node-b', address: '10.0.0.2' }),
        instance({ id: 'Web_1:8080', service: 'web' }),
        instance({ id: 'same', service: 'web', node: 'node-a' }),
      ],
    });
    const mesh = meshFromRegistry(catalog());
    const names = mesh.endpoints.map((e) => e.name).sort();
    expect(names).toEqual([expect.stringMatching(/^web-same-[0-9a-f]{8}$/), expect.stringMatching(/^web-same-[0-9a-f]{8}$/), expect.stringMatching(/^web-web-1-8080-[0-9a-f]{8}$/)]);
    expect(new Set(names).size).toBe(3);
    for (const e of mesh.endpoints) expect(EndpointSchema.safeParse(e).success).toBe(true);
    // Deterministic: the same catalog, in any order, gives the same names.
    expect(meshFromRegistry({ web: catalog().web.reverse() }).endpoints.map((e) => e.name).sort()).toEqual(names);
  });

  it('lists what it cannot represent, with the reason', () => {
    const mesh = meshFromRegistry({
      Bad_Name: [instance({ id: 'b', service: 'Bad_Name' })],
      web: [instance({ id: 'host', service: 'web', address: 'web.example.com' }), instance({ id: 'noport', service: 'web', port: 0 }), instance({ id: 'ok', service: 'web' })],
    });
    expect(mesh.skipped).toEqual([
      { service: 'Bad_Name', reason: 'not a DNS-style name (lowercase letters, digits, "-", "."), which mesh services need' },
      { service: 'web', instance: 'host', reason: 'address "web.example.com" is not an IP address' },
      { service: 'web', instance: 'noport', reason: 'has no port' },
    ]);
    expect(mesh.endpoints.map((e) => e.name)).toEqual(['web-ok']);
  });

  it('drops labels the model cannot hold and a node name that is not a host name', () => {
    const [ep] = meshFromRegistry({ web: [instance({ id: 'w', service: 'web', node: 'Node_A', meta: { ok: 'yes', long: 'x'.repeat(64) }, tags: ['-bad-'] })] }).endpoints;
    expect(ep.labels).toEqual({ ok: 'yes', 'loom/origin': 'registry' });
    expect(ep.host).toBeUndefined();
  });
});
