import { http, startRegistry } from './registry-fixture';
import type { EmbeddedRegistry } from '../../../src/registry/embedded/embedded-registry';

/**
 * Response shapes against the examples in Consul's HTTP API documentation: every field
 * of the example is there with the same JSON type, and every other field we send is one
 * that Consul (OSS) sends too although the example leaves it out. Enterprise-only fields
 * of the examples (Namespace, Partition) are left out, as Consul OSS does.
 */

type Json = Record<string, unknown>;

function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Field → JSON type; nested structs are compared by their own expectShape. */
function shape(value: Json): Record<string, string> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonType(v)]));
}

function expectShape(actual: Json, documented: Json, extras: string[]) {
  const ours = shape(actual);
  const docs = shape(documented);
  for (const [k, type] of Object.entries(docs)) expect({ field: k, type: ours[k] }).toEqual({ field: k, type });
  for (const k of Object.keys(ours)) if (!(k in docs)) expect({ field: k, allowed: extras.includes(k) }).toEqual({ field: k, allowed: true });
}

// --- the documentation's examples (developer.hashicorp.com/consul/api-docs) -------------

const DOC_NODE = { ID: '40e4a748-2192-161a-0510-9bf59fe950b5', Node: 'foobar', Address: '10.1.10.12', Datacenter: 'dc1', TaggedAddresses: { lan: '10.1.10.12', wan: '10.1.10.12' }, Meta: { instance_type: 't2.medium' } };

const DOC_CATALOG_SERVICE = {
  ID: '40e4a748-2192-161a-0510-9bf59fe950b5',
  Node: 't2.320',
  Address: '192.168.10.10',
  Datacenter: 'dc1',
  TaggedAddresses: { lan: '192.168.10.10', wan: '10.0.10.10' },
  NodeMeta: { somekey: 'somevalue' },
  CreateIndex: 51,
  ModifyIndex: 51,
  ServiceAddress: '172.17.0.3',
  ServiceEnableTagOverride: false,
  ServiceID: '32a2a47f7992:nodea:5000',
  ServiceName: 'foobar',
  ServicePort: 5000,
  ServiceMeta: { foobar_meta_value: 'baz' },
  ServiceTags: ['tacos'],
  ServiceProxy: { DestinationServiceName: '', DestinationServiceID: '', LocalServiceAddress: '', LocalServicePort: 0, Config: null, Upstreams: null },
  ServiceConnect: { Native: false, Proxy: null },
};

const DOC_HEALTH_CHECK = { Node: 'foobar', CheckID: 'service:redis', Name: "Service 'redis' check", Status: 'passing', Notes: '', Output: '', ServiceID: 'redis', ServiceName: 'redis', ServiceTags: ['primary'] };

const DOC_HEALTH_SERVICE = {
  Node: DOC_NODE,
  Service: { ID: 'redis', Service: 'redis', Tags: ['primary'], Address: '10.1.10.12', Meta: { redis_version: '4.0' }, Port: 8000, Weights: { Passing: 10, Warning: 1 } },
  Checks: [DOC_HEALTH_CHECK],
};

const DOC_AGENT_SERVICE = { ID: 'redis', Service: 'redis', Tags: [], Meta: { redis_version: '4.0' }, Port: 8000, Address: '', EnableTagOverride: false, Datacenter: 'dc1', Weights: { Passing: 10, Warning: 1 } };

const DOC_NODE_SERVICES = { Node: DOC_NODE, Services: { redis: { ID: 'redis', Service: 'redis', Tags: ['v1'], Meta: { redis_version: '4.0' }, Port: 8000 } } };

const DOC_KV = { CreateIndex: 100, ModifyIndex: 200, LockIndex: 200, Key: 'zip', Flags: 0, Value: 'dGVzdA==' };

/** Fields Consul OSS sends that the examples leave out. */
const RAFT = ['CreateIndex', 'ModifyIndex'];
const CHECK_EXTRAS = [...RAFT, 'Type', 'Interval', 'Timeout', 'ExposedPort', 'Definition'];
const NODE_SERVICE_EXTRAS = [...RAFT, 'Address', 'Weights', 'EnableTagOverride', 'Proxy', 'Connect'];

describe('Consul API response shapes', () => {
  let registry: EmbeddedRegistry;
  const get = async <T>(path: string) => (await http(registry.httpUrl + path)).json() as T;

  beforeAll(async () => {
    registry = await startRegistry();
    const put = (path: string, body: unknown) => http(registry.httpUrl + path, 'PUT', typeof body === 'string' ? body : JSON.stringify(body));
    await put('/v1/agent/service/register', { Name: 'redis', ID: 'redis', Tags: ['primary'], Address: '10.1.10.12', Port: 8000, Meta: { redis_version: '4.0' }, Weights: { Passing: 10, Warning: 1 }, Check: { TTL: '30s', Status: 'passing' } });
    await put('/v1/kv/zip', 'test');
  });
  afterAll(() => registry?.close());

  it('/v1/catalog/service/:name', async () => {
    const [entry] = await get<Json[]>('/v1/catalog/service/redis');
    expectShape(entry, DOC_CATALOG_SERVICE, ['ServiceKind', 'ServiceWeights']);
  });

  it('/v1/health/service/:name', async () => {
    const [entry] = await get<Json[]>('/v1/health/service/redis');
    expectShape(entry, DOC_HEALTH_SERVICE, []);
    expectShape((entry as Json).Node as Json, DOC_NODE, RAFT);
    expectShape((entry as Json).Service as Json, DOC_HEALTH_SERVICE.Service, NODE_SERVICE_EXTRAS);
    for (const check of (entry as Json).Checks as Json[]) expectShape(check, DOC_HEALTH_CHECK, CHECK_EXTRAS);
  });

  it('/v1/health/checks/:service and /v1/health/state/:state', async () => {
    const checks = await get<Json[]>('/v1/health/checks/redis');
    expect(checks).toHaveLength(1);
    expectShape(checks[0], DOC_HEALTH_CHECK, CHECK_EXTRAS);
    expect(checks[0]).toMatchObject({ CheckID: 'service:redis', Type: 'ttl', Definition: {} });
    const passing = await get<Json[]>('/v1/health/state/passing');
    expect(passing.map((c) => c.CheckID).sort()).toEqual(['serfHealth', 'service:redis']);
    for (const check of passing) expectShape(check, DOC_HEALTH_CHECK, CHECK_EXTRAS);
  });

  it('/v1/catalog/nodes and /v1/catalog/node/:node', async () => {
    const nodes = await get<Json[]>('/v1/catalog/nodes');
    expectShape(nodes[0], DOC_NODE, RAFT);
    const node = await get<Json>(`/v1/catalog/node/${registry.nodeName}`);
    expectShape(node, DOC_NODE_SERVICES, []);
    expectShape(((node as Json).Services as Json).redis as Json, DOC_NODE_SERVICES.Services.redis, NODE_SERVICE_EXTRAS);
    expect(await get<null>('/v1/catalog/node/nope')).toBeNull();
  });

  it('/v1/agent/services', async () => {
    const services = await get<Record<string, Json>>('/v1/agent/services');
    expectShape(services.redis, DOC_AGENT_SERVICE, []);
  });

  it('/v1/kv/:key (Session only on locked keys, which Loom does not have)', async () => {
    const [entry] = await get<Json[]>('/v1/kv/zip');
    expectShape(entry, DOC_KV, []);
    expect(entry).toMatchObject({ Key: 'zip', Value: Buffer.from('test').toString('base64'), LockIndex: 0 });
    expect((await http(`${registry.httpUrl}/v1/kv/zip?raw`)).text).toBe('test');
  });

  it('/v1/catalog/services, /v1/status/leader and write answers', async () => {
    expect(await get<Json>('/v1/catalog/services')).toEqual({ redis: ['primary'] });
    expect(await get<string>('/v1/status/leader')).toMatch(/^127\.0\.0\.1:8300$/);
    const put = await http(`${registry.httpUrl}/v1/kv/new`, 'PUT', 'v');
    expect([put.status, put.headers.get('content-type'), put.text]).toEqual([200, 'application/json; charset=utf-8', 'true']);
    const refused = await http(`${registry.httpUrl}/v1/kv/new?cas=0`, 'PUT', 'v');
    expect(refused.text).toBe('false');
  });

  it('sends Consul headers on reads, X-Consul-Index on a missing key too', async () => {
    const res = await http(`${registry.httpUrl}/v1/health/service/redis`);
    expect(Number(res.headers.get('x-consul-index'))).toBeGreaterThan(0);
    expect(res.headers.get('x-consul-knownleader')).toBe('true');
    expect(res.headers.get('x-consul-lastcontact')).toBe('0');
    const missing = await http(`${registry.httpUrl}/v1/kv/does/not/exist`);
    expect(missing.status).toBe(404);
    expect(Number(missing.headers.get('x-consul-index'))).toBeGreaterThan(0);
  });
});
