import fs from 'node:fs';
import path from 'node:path';
import { parseResourceDocuments } from '../../../src/model/documents';
import { applyResources, emptyMesh, type Mesh } from '../../../src/model/mesh';
import { Snapshot } from '../../../xds/cache/snapshot';
import { decodeAny, encodeAny, encodeMessage, UnknownFieldError } from '../../../xds/protos';
import { ALL_PROFILES, profileKey, profileOf } from '../../../xds/resources/client-profile';
import { meshResources } from '../../../xds/resources/mesh-resources';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../../../xds/resources/type-urls';

function fixtureMesh(): Mesh {
  const file = path.join(__dirname, '../../fixtures/mesh.yaml');
  return applyResources(emptyMesh(), parseResourceDocuments(fs.readFileSync(file, 'utf8'), 'mesh.yaml')).mesh;
}

describe.each(ALL_PROFILES.map((p) => [profileKey(p), p] as const))('translation for %s clients', (_key, profile) => {
  const resources = meshResources(fixtureMesh(), profile);

  it('matches the golden resources', () => {
    const plain = Object.fromEntries(Object.entries(resources).map(([type, named]) => [type, Object.fromEntries(named)]));
    expect(plain).toMatchSnapshot();
  });

  it('encodes through the Envoy protos losing nothing (no unknown fields, no dropped values)', () => {
    for (const named of Object.values(resources)) {
      for (const [name, object] of named) {
        const typed = { '@type': typeOf(resources, name, object), ...object };
        expect({ name, decoded: withoutProto3Defaults(decodeAny(encodeAny(typed))) }).toEqual({ name, decoded: withoutProto3Defaults(typed) });
      }
    }
  });

  it('forms a consistent snapshot', () => {
    expect(() => Snapshot.fromResources(resources)).not.toThrow();
  });
});

/** proto3 does not encode false, 0, '' or empty lists, so they cannot come back from a decode. */
function withoutProto3Defaults(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutProto3Defaults);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== false && v !== 0 && v !== '' && !(Array.isArray(v) && v.length === 0))
      .map(([k, v]) => [k, withoutProto3Defaults(v)]),
  );
}

function typeOf(resources: ReturnType<typeof meshResources>, name: string, object: object): string {
  for (const type of [LISTENER_TYPE_URL, ROUTE_TYPE_URL, CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL] as const) {
    if (resources[type].get(name) === object) return type;
  }
  throw new Error(`resource ${name} not found`);
}

describe('backend pinning in translated routes', () => {
  const grpc = meshResources(fixtureMesh(), { consumer: 'grpc', legacyCCore: false });
  const routes = (grpc[ROUTE_TYPE_URL].get('grpc.echo') as { virtual_hosts: { routes: { name: string; route: { cluster?: string } }[] }[] }).virtual_hosts[0].routes;

  it('pins only healthy endpoints, each to a cluster holding exactly that endpoint', () => {
    const pinned = routes.filter((r) => r.name.startsWith('pin.header.')).map((r) => [r.name, r.route.cluster]);
    expect(pinned).toEqual([
      ['pin.header.b1', 'echo@b1'],
      ['pin.header.b2', 'echo@b2'],
      ['pin.header.unknown', 'loom.no-backend'],
    ]);
    const b2 = grpc[ENDPOINT_TYPE_URL].get('echo@b2') as { endpoints: { lb_endpoints: unknown[] }[] };
    expect(b2.endpoints.flatMap((l) => l.lb_endpoints)).toHaveLength(1);
    expect(grpc[CLUSTER_TYPE_URL].has('echo@b3')).toBe(false);
  });

  it('puts pinning routes before every rule', () => {
    const firstRule = routes.findIndex((r) => !r.name.startsWith('pin.'));
    expect(routes.slice(firstRule).every((r) => !r.name.startsWith('pin.'))).toBe(true);
    expect(routes[firstRule].name).toBe('canary');
  });

  it('leaves query pinning out for gRPC clients, which never send a query string', () => {
    expect(routes.some((r) => r.name.startsWith('pin.query'))).toBe(false);
    const envoy = meshResources(fixtureMesh(), { consumer: 'envoy', legacyCCore: false });
    const vhost = (envoy[ROUTE_TYPE_URL].get('50051') as { virtual_hosts: { routes: { name: string }[] }[] }).virtual_hosts[0];
    expect(vhost.routes.map((r) => r.name)).toContain('pin.query.b2');
  });
});

describe('client profiles', () => {
  it.each([
    ['Envoy', { user_agent_name: 'envoy', user_agent_version: '' }, 'envoy'],
    ['grpc-js', { user_agent_name: 'gRPC Node Pure JS', user_agent_version: '1.14.1' }, 'grpc'],
    ['C-core 1.51 (python3-grpcio)', { user_agent_name: 'gRPC C-core linux Python', user_agent_version: 'C-core 29.0.0 Python 1.51.1' }, 'grpc-legacy-c-core'],
    ['C-core 1.60', { user_agent_name: 'gRPC C-core linux Python', user_agent_version: 'C-core 37.0.0 Python 1.60.0' }, 'grpc'],
    ['metadata override', { user_agent_name: 'custom', metadata: { fields: { 'loom.consumer': { stringValue: 'grpc' } } } }, 'grpc'],
    ['no node', undefined, 'envoy'],
  ])('%s', (_name, node, expected) => {
    expect(profileKey(profileOf(node))).toBe(expected);
  });

  it('legacy C-core gets header matchers it accepts, no ring hash, no route timeouts', () => {
    const legacy = meshResources(fixtureMesh(), { consumer: 'grpc', legacyCCore: true });
    const text = JSON.stringify([...legacy[ROUTE_TYPE_URL].values()]);
    expect(text).not.toMatch(/"headers":\[[^\]]*string_match/);
    expect(text).toContain('"exact_match":"b2"');
    expect(JSON.stringify([...legacy[CLUSTER_TYPE_URL].values()])).not.toContain('RING_HASH');
    const modern = meshResources(fixtureMesh(), { consumer: 'grpc', legacyCCore: false });
    expect(legacy[CLUSTER_TYPE_URL].get('web')).toMatchObject({ lb_policy: 'ROUND_ROBIN' });
    expect(modern[CLUSTER_TYPE_URL].get('web')).toMatchObject({ lb_policy: 'RING_HASH' });
    const split = (r: typeof legacy) => (r[ROUTE_TYPE_URL].get('grpc.echo') as { virtual_hosts: { routes: { name: string; route: object }[] }[] }).virtual_hosts[0].routes.find((x) => x.name === 'split')!.route;
    expect(split(modern)).toMatchObject({ max_stream_duration: { max_stream_duration: { seconds: 1, nanos: 500_000_000 } } });
    expect(split(legacy)).not.toHaveProperty('max_stream_duration');
    expect(split(legacy)).toHaveProperty('retry_policy');
  });
});

describe('strict encoding', () => {
  it('refuses a field the message does not have, naming it', () => {
    expect(() => encodeMessage('envoy.config.cluster.v3.Cluster', { name: 'x', lb_polcy: 'ROUND_ROBIN' })).toThrow(UnknownFieldError);
    expect(() => encodeMessage('envoy.config.cluster.v3.Cluster', { name: 'x', lb_policy: 'FASTEST' })).toThrow(/"FASTEST" is not a value/);
  });
});
