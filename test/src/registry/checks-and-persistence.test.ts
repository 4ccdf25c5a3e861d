import fs from 'node:fs';
import net from 'node:net';
import { createServer, type Server } from 'node:http';
import { eventually, http, startRegistry, tempDir } from './registry-fixture';

/** Health checks run by the embedded registry, and what survives a restart. */

type Check = { CheckID: string; Status: string; Output: string };

async function listen(server: Server | net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('health checks run by the embedded registry', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  const put = (path: string, body?: unknown) => http(registry.httpUrl + path, 'PUT', body === undefined ? undefined : JSON.stringify(body));
  const status = async (service: string, checkId: string) => ((await http(`${registry.httpUrl}/v1/health/checks/${service}`)).json() as Check[]).find((c) => c.CheckID === checkId);

  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry?.close());

  it('runs HTTP checks every interval: 2xx passing, 429 warning, other codes critical', async () => {
    let code = 200;
    const server = createServer((_req, res) => res.writeHead(code).end(`code ${code}`));
    const port = await listen(server);
    try {
      await put('/v1/agent/service/register', { Name: 'web', Port: port, Check: { HTTP: `http://127.0.0.1:${port}/health`, Interval: '1s', Timeout: '500ms' } });
      expect(await eventually('passing', async () => (await status('web', 'service:web'))?.Status === 'passing' && (await status('web', 'service:web')))).toMatchObject({
        Output: `HTTP GET http://127.0.0.1:${port}/health: 200 OK Output: code 200`,
      });
      code = 503;
      await eventually('critical', async () => (await status('web', 'service:web'))?.Status === 'critical', 3000);
      code = 429;
      await eventually('warning', async () => (await status('web', 'service:web'))?.Status === 'warning', 3000);
    } finally {
      server.close();
    }
  });

  it('runs TCP checks: connect passing, refused critical', async () => {
    const server = net.createServer((s) => s.end());
    const port = await listen(server);
    await put('/v1/agent/service/register', { Name: 'db', Port: port, Check: { TCP: `127.0.0.1:${port}`, Interval: '1s' } });
    expect(await eventually('passing', async () => (await status('db', 'service:db'))?.Status === 'passing' && status('db', 'service:db'))).toMatchObject({ Output: `TCP connect 127.0.0.1:${port}: Success` });
    await new Promise((r) => server.close(r));
    const failed = await eventually('critical', async () => ((await status('db', 'service:db'))?.Status === 'critical' ? status('db', 'service:db') : undefined), 3000);
    expect(failed!.Output).toMatch(new RegExp(`^dial tcp 127.0.0.1:${port}: .*ECONNREFUSED`));
  });

  it('turns a TTL check critical when it is not updated in time, and an update restarts the TTL', async () => {
    await put('/v1/agent/service/register', { Name: 'batch', Check: { TTL: '400ms', Status: 'passing' } });
    await new Promise((r) => setTimeout(r, 250));
    await put('/v1/agent/check/pass/service:batch?note=still%20here');
    await new Promise((r) => setTimeout(r, 250));
    expect(await status('batch', 'service:batch')).toMatchObject({ Status: 'passing', Output: 'still here' });
    expect(await eventually('expired', async () => (await status('batch', 'service:batch'))?.Status === 'critical' && status('batch', 'service:batch'), 2000)).toMatchObject({ Output: 'TTL expired' });
  });

  it('deregisters a service whose check stays critical for DeregisterCriticalServiceAfter', async () => {
    await put('/v1/agent/service/register', { Name: 'doomed', Check: { TTL: '1h', DeregisterCriticalServiceAfter: '300ms' } });
    expect((await http(`${registry.httpUrl}/v1/catalog/service/doomed`)).json()).toHaveLength(1);
    await eventually('deregistered', async () => ((await http(`${registry.httpUrl}/v1/catalog/service/doomed`)).json() as unknown[]).length === 0, 2000);
    expect((await http(`${registry.httpUrl}/v1/health/checks/doomed`)).json()).toEqual([]);
  });

  it('keeps a passing service that was once critical', async () => {
    await put('/v1/agent/service/register', { Name: 'flappy', Check: { TTL: '1h', DeregisterCriticalServiceAfter: '300ms' } });
    await put('/v1/agent/check/pass/service:flappy');
    await new Promise((r) => setTimeout(r, 500));
    expect((await http(`${registry.httpUrl}/v1/catalog/service/flappy`)).json()).toHaveLength(1);
  });

  it('does not write (or wake anyone) when a check result does not change', async () => {
    await put('/v1/agent/service/register', { Name: 'steady', Check: { TTL: '1h', Status: 'passing' } });
    const before = (await http(`${registry.httpUrl}/v1/health/service/steady`)).headers.get('x-consul-index');
    await put('/v1/agent/check/pass/service:steady');
    await put('/v1/agent/service/register', { Name: 'steady', Check: { TTL: '1h', Status: 'passing' } });
    expect((await http(`${registry.httpUrl}/v1/health/service/steady`)).headers.get('x-consul-index')).toBe(before);
  });
});

describe('persistence', () => {
  it('loses no registration, check state, KV entry or index across a restart', async () => {
    const dataDir = tempDir();
    const first = await startRegistry(dataDir);
    const put = (base: string, path: string, body?: unknown) => http(base + path, 'PUT', typeof body === 'string' ? body : JSON.stringify(body));
    await put(first.httpUrl, '/v1/agent/service/register', { Name: 'web', ID: 'web-1', Port: 80, Tags: ['v1'], Check: { TTL: '1h' } });
    await put(first.httpUrl, '/v1/agent/check/pass/service:web-1');
    await put(first.httpUrl, '/v1/catalog/register', { Node: 'ext', Address: '10.9.9.9', Service: { Service: 'legacy', Port: 1 } });
    await put(first.httpUrl, '/v1/kv/app/config', 'blue');
    const before = await http(`${first.httpUrl}/v1/health/service/web?passing`);
    const indexBefore = Number(before.headers.get('x-consul-index'));
    await first.close();

    const second = await startRegistry(dataDir);
    try {
      const after = await http(`${second.httpUrl}/v1/health/service/web?passing`);
      expect(after.json()).toEqual(before.json());
      expect(Number(after.headers.get('x-consul-index'))).toBe(indexBefore);
      expect((await http(`${second.httpUrl}/v1/catalog/service/legacy`)).json()).toEqual([expect.objectContaining({ Node: 'ext', Address: '10.9.9.9' })]);
      expect((await http(`${second.httpUrl}/v1/kv/app/config?raw`)).text).toBe('blue');
      // Indexes go on from where they were: blocking clients never see them go backwards.
      await put(second.httpUrl, '/v1/kv/app/other', 'x');
      expect(Number((await http(`${second.httpUrl}/v1/kv/app/other`)).headers.get('x-consul-index'))).toBeGreaterThan(indexBefore);
    } finally {
      await second.close();
    }
  });

  it('refuses a corrupt registry file, naming it', async () => {
    const dataDir = tempDir();
    fs.writeFileSync(`${dataDir}/registry.json`, '{"format":1');
    await expect(startRegistry(dataDir)).rejects.toThrow(`registry file ${dataDir}/registry.json is not a Loom registry (format 1)`);
  });
});
