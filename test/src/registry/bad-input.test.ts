import { http, startRegistry } from './registry-fixture';
import type { EmbeddedRegistry } from '../../../src/registry/embedded/embedded-registry';

/** Refused requests: Consul's status code, a text/plain message naming the field and what is accepted, nothing stored. */
describe('Consul API: bad input', () => {
  let registry: EmbeddedRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry?.close());

  const register = (body: unknown) => ['PUT', '/v1/agent/service/register', typeof body === 'string' ? body : JSON.stringify(body)] as const;

  it.each([
    ['malformed JSON', ...register('{"Name": "web",'), 400, /^Request decode failed: .*JSON/],
    ['an empty body', 'PUT', '/v1/agent/service/register', '', 400, /^Request decode failed: empty body; expected a JSON object$/],
    ['a JSON array', ...register('[]'), 400, /^Request decode failed: /],
    ['a missing name', ...register({ Port: 80 }), 400, /^Missing service name$/],
    ['a blank name', ...register({ Name: '  ' }), 400, /^Missing service name$/],
    ['a port that is a string', ...register({ Name: 'web', Port: '80' }), 400, /^Request decode failed: Port: expected a port number/],
    ['an unknown field', ...register({ Name: 'web', Chek: { TTL: '10s' } }), 400, /^Request decode failed: Chek: unknown field; accepted fields: ID, Name, Tags, Address, .*Check, Checks$/],
    ['a reserved meta key', ...register({ Name: 'web', Meta: { 'consul-x': '1' } }), 400, /Meta\.consul-x: the key prefix 'consul-' is reserved/],
    ['a check without a kind', ...register({ Name: 'web', Check: { Name: 'x' } }), 400, /^Invalid check: Check: Must provide TTL, HTTP or TCP$/],
    ['a TTL that is not a duration', ...register({ Name: 'web', Check: { TTL: 'soon' } }), 400, /^Invalid check: Check\.TTL: "soon" is not a duration; expected e\.g\. "10s"/],
    ['an HTTP check without interval', ...register({ Name: 'web', Check: { HTTP: 'http://127.0.0.1:1/health' } }), 400, /^Invalid check: Check\.Interval: Interval must be > 0 for HTTP or TCP checks$/],
    ['an HTTP check with a bad URL', ...register({ Name: 'web', Check: { HTTP: 'localhost/health', Interval: '10s' } }), 400, /Check\.HTTP: "localhost\/health" is not an http:\/\/ or https:\/\/ URL/],
    ['two kinds in one check', ...register({ Name: 'web', Check: { TTL: '10s', TCP: '127.0.0.1:80', Interval: '5s' } }), 400, /Must provide only one of TTL, HTTP, TCP \(got TTL, TCP\)/],
    ['a script check', ...register({ Name: 'web', Checks: [{ TTL: '10s' }, { Args: ['/bin/true'], Interval: '10s' }] }), 400, /^Invalid check: Checks\[1\]\.Args: Script checks \(Args\) is not supported by Loom's registry/],
    ['a Connect sidecar', ...register({ Name: 'web', Connect: { SidecarService: {} } }), 400, /Connect: Consul Connect is not supported by Loom's registry/],
    ['a catalog registration without node', 'PUT', '/v1/catalog/register', JSON.stringify({ Address: '10.0.0.1' }), 400, /^Missing node name$/],
    ['a catalog registration without address', 'PUT', '/v1/catalog/register', JSON.stringify({ Node: 'n' }), 400, /^Missing node address$/],
    ['a catalog check for an unknown service', 'PUT', '/v1/catalog/register', JSON.stringify({ Node: 'n', Address: '10.0.0.1', Check: { CheckID: 'c', ServiceID: 'nope' } }), 400, /Checks\[0\]: unknown ServiceID "nope" on node "n"/],
    ['an invalid check status', 'PUT', '/v1/catalog/register', JSON.stringify({ Node: 'n', Address: '10.0.0.1', Check: { CheckID: 'c', Status: 'fine' } }), 400, /Check\.Status: expected one of passing, warning, critical/],
    ['an invalid index', 'GET', '/v1/catalog/services?index=abc', undefined, 400, /^Invalid index "abc"/],
    ['an invalid wait', 'GET', '/v1/catalog/services?index=1&wait=forever', undefined, 400, /^Invalid wait time "forever"/],
    ['an invalid filter', 'GET', '/v1/catalog/service/web?filter=ServiceName%20%3D%3D', undefined, 400, /^Failed to create boolean expression evaluator: expected a value at the end/],
    ['an invalid health state', 'GET', '/v1/health/state/sick', undefined, 400, /^Invalid state "sick"; expected any, passing, warning, critical$/],
    ['another datacenter', 'GET', '/v1/catalog/services?dc=dc9', undefined, 500, /^No path to datacenter "dc9"/],
    ['an unknown service to deregister', 'PUT', '/v1/agent/service/deregister/nope', undefined, 404, /^Unknown service ID "nope"/],
    ['an unknown check to pass', 'PUT', '/v1/agent/check/pass/nope', undefined, 404, /^Unknown check ID "nope"/],
    ['a non-integer cas', 'PUT', '/v1/kv/k?cas=x', 'v', 400, /^Invalid cas "x"; expected an unsigned integer$/],
  ])('refuses %s', async (_what, method, path, body, status, message) => {
    const res = await http(registry.httpUrl + path, method, body);
    expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({ status, type: 'text/plain; charset=utf-8' });
    expect(res.text).toMatch(message);
  });

  it('stored nothing from any refused request', async () => {
    expect((await http(`${registry.httpUrl}/v1/catalog/services`)).json()).toEqual({});
    expect((await http(`${registry.httpUrl}/v1/agent/services`)).json()).toEqual({});
    expect((await http(`${registry.httpUrl}/v1/catalog/nodes`)).json()).toEqual([expect.objectContaining({ Node: registry.nodeName })]);
    expect((await http(`${registry.httpUrl}/v1/kv/?recurse`)).status).toBe(404);
  });

  it('refuses a whole registration when one of its checks is invalid', async () => {
    const res = await http(`${registry.httpUrl}/v1/agent/service/register`, 'PUT', JSON.stringify({ Name: 'half', Checks: [{ TTL: '10s' }, { TCP: '127.0.0.1:1' }] }));
    expect(res.status).toBe(400);
    expect((await http(`${registry.httpUrl}/v1/health/checks/half`)).json()).toEqual([]);
  });

  it('accepts field names in any case and snake_case, as Consul does', async () => {
    const body = { name: 'cased', id: 'cased-1', port: 80, check: { ttl: '10s', deregister_critical_service_after: '1m', status: 'passing' } };
    expect((await http(`${registry.httpUrl}/v1/agent/service/register`, 'PUT', JSON.stringify(body))).status).toBe(200);
    const [check] = (await http(`${registry.httpUrl}/v1/health/checks/cased`)).json() as { Status: string; Definition: Record<string, string> }[];
    expect(check).toMatchObject({ Status: 'passing', Definition: { DeregisterCriticalServiceAfter: '1m0s' } });
  });
});
