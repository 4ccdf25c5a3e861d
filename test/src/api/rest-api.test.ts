import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../src/log';
import { startDaemon, type RunningDaemon } from '../../../src/daemon/daemon';

const SERVICE = 'kind: Service\nname: echo\nports: [{port: 50051, protocol: grpc}]\n';

describe('REST API', () => {
  let daemon: RunningDaemon;
  const call = async (method: string, urlPath: string, body?: string, contentType = 'application/yaml') => {
    const res = await fetch(daemon.apiUrl + urlPath, { method, body, headers: body !== undefined ? { 'content-type': contentType } : undefined });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-api-'));
    daemon = await startDaemon({ xds: { host: '127.0.0.1', port: 0 }, api: { host: '127.0.0.1', port: 0 }, dataDir }, createLogger('test', 'warn'));
  });
  afterAll(async () => daemon?.close());

  it('applies YAML and JSON bodies and lists the result', async () => {
    expect(await call('POST', '/v1/apply?source=a.yaml', SERVICE)).toEqual({ status: 200, body: { revision: 1, created: ['service/echo'], configured: [], unchanged: [] } });
    const json = JSON.stringify({ kind: 'Endpoint', name: 'b1', service: 'echo', address: '10.0.0.1', port: 1 });
    expect((await call('POST', '/v1/apply', json, 'application/json')).body).toMatchObject({ revision: 2, created: ['endpoint/b1'] });
    expect((await call('GET', '/v1/endpoints')).body).toEqual({ items: [{ kind: 'Endpoint', name: 'b1', service: 'echo', address: '10.0.0.1', port: 1 }] });
    expect((await call('GET', '/v1/services/echo')).body).toMatchObject({ kind: 'Service', name: 'echo' });
  });

  it('answers bad input with 400, every problem located, and changes nothing', async () => {
    const res = await call('POST', '/v1/apply?source=bad.yaml', `${SERVICE}---\nkind: Route\nname: r\nservice: echo\nrulez: []\n`);
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([
      expect.objectContaining({ source: 'bad.yaml', document: 2, line: 8, path: 'rulez', text: expect.stringContaining('unknown field "rulez"; accepted fields: kind, name, service, pinning, rules') }),
    ]);
    expect((await call('GET', '/v1/routes')).body).toEqual({ items: [] });
  });

  it.each([
    ['an empty body', 'POST', '/v1/apply', '', 400, /empty body; send YAML or JSON/],
    ['an unknown kind in the path', 'GET', '/v1/widgets', undefined, 400, /unknown kind "widgets"; expected one of services, endpoints, routes/],
    ['a missing resource', 'GET', '/v1/routes/nope', undefined, 404, /Route "nope" not found/],
    ['deleting a missing resource', 'DELETE', '/v1/endpoints/nope', undefined, 404, /Endpoint "nope" not found/],
  ])('answers %s clearly', async (_name, method, urlPath, body, status, message) => {
    const res = await call(method, urlPath, body);
    expect(res.status).toBe(status);
    expect(res.body.error).toMatch(message);
  });

  it('serves health and proxy status', async () => {
    expect((await call('GET', '/healthz')).body).toEqual({ ok: true });
    expect((await call('GET', '/v1/proxy-status')).body).toEqual({ streams: [] });
  });

  it('exposes Prometheus metrics that count what happened', async () => {
    const text = await (await fetch(`${daemon.apiUrl}/metrics`)).text();
    expect(text).toMatch(/^loom_mesh_changes_total\{operation="apply",result="ok"\} 2$/m);
    expect(text).toMatch(/^loom_mesh_changes_total\{operation="apply",result="refused"\} [1-9]/m);
    expect(text).toMatch(/^loom_mesh_revision 2$/m);
    expect(text).toContain('# TYPE loom_xds_streams gauge');
  });
});
