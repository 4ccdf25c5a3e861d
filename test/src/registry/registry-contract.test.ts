import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectConsul } from '../../../src/registry/consul/consul-registry';
import type { Registry } from '../../../src/registry/registry';
import { log, startRegistry, unique } from './registry-fixture';

/**
 * Loom's Registry interface, the same tests for every backend: the embedded registry
 * in-process, the Consul backend (`consul` client) against the embedded HTTP API, and
 * the Consul backend against a real Consul when CONSUL_HTTP_ADDR is set.
 */

interface Backend {
  registry: Registry;
  close(): Promise<void>;
}

const backends: [string, () => Promise<Backend>][] = [
  [
    'embedded, in-process',
    async () => {
      const embedded = await startRegistry();
      return { registry: embedded.registry, close: () => embedded.close() };
    },
  ],
  [
    'Consul backend against the embedded API',
    async () => {
      const embedded = await startRegistry();
      const registry = connectConsul({ url: embedded.httpUrl, log });
      return { registry, close: async () => (await registry.close(), await embedded.close()) };
    },
  ],
];
if (process.env.CONSUL_HTTP_ADDR) {
  const url = /^https?:\/\//.test(process.env.CONSUL_HTTP_ADDR) ? process.env.CONSUL_HTTP_ADDR : `http://${process.env.CONSUL_HTTP_ADDR}`;
  backends.push(['Consul backend against real Consul', async () => {
    const registry = connectConsul({ url, token: process.env.CONSUL_HTTP_TOKEN, log });
    return { registry, close: () => registry.close() };
  }]);
}

describe.each(backends)('Registry: %s', (_name, start) => {
  let backend: Backend;
  let registry: Registry;
  const cleanup: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    backend = await start();
    registry = backend.registry;
  });
  afterAll(async () => {
    for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
    await backend?.close();
  });

  it('registers an instance with a TTL check; its health follows the check', async () => {
    const name = unique('web');
    await registry.register({ id: `${name}-1`, name, address: '10.0.0.1', port: 80, tags: ['v1'], meta: { tenant: 'blue' }, checks: [{ id: `${name}-ttl`, ttl: '1m' }] });
    cleanup.push(() => registry.deregister(`${name}-1`));
    const [instance] = (await registry.instances(name)).value;
    expect(instance).toMatchObject({ id: `${name}-1`, service: name, address: '10.0.0.1', port: 80, tags: ['v1'], meta: { tenant: 'blue' }, status: 'critical' });
    expect((await registry.instances(name, { passing: true })).value).toEqual([]);
    await registry.updateTtlCheck(`${name}-ttl`, 'passing', 'ready');
    const [passing] = (await registry.instances(name, { passing: true })).value;
    expect(passing.checks.find((c) => c.id === `${name}-ttl`)).toMatchObject({ status: 'passing', output: 'ready' });
    expect((await registry.services()).value[name]).toEqual(['v1']);
    await registry.deregister(`${name}-1`);
    expect((await registry.instances(name)).value).toEqual([]);
  });

  it('refuses an invalid check, storing nothing', async () => {
    const name = unique('bad');
    await expect(registry.register({ id: name, name, checks: [{ http: 'http://127.0.0.1:1/' }] })).rejects.toThrow(/Interval must be > 0|interval/);
    expect((await registry.instances(name)).value).toEqual([]);
  });

  it('registers external instances whose status the registrant states', async () => {
    const node = unique('ext-node');
    const name = unique('ext');
    await registry.registerExternal({ node, nodeAddress: '127.0.0.1', id: 'e1', name, address: '10.0.0.9', port: 9000, meta: { 'loom-managed': 'true' }, status: 'warning', output: 'draining' });
    cleanup.push(() => registry.deregisterExternal(node, 'e1'));
    expect(await registry.nodeInstances(node)).toEqual([expect.objectContaining({ id: 'e1', service: name, address: '10.0.0.9', port: 9000, status: 'warning' })]);
    await registry.registerExternal({ node, nodeAddress: '127.0.0.1', id: 'e1', name, address: '10.0.0.9', port: 9000, status: 'passing' });
    expect((await registry.instances(name, { passing: true })).value).toHaveLength(1);
    await registry.deregisterExternal(node, 'e1');
    expect(await registry.nodeInstances(node)).toEqual([]);
    expect(await registry.nodeInstances(unique('no-such-node'))).toEqual([]);
  });

  it('blocks until the catalog changes, or until the wait ends with the same index', async () => {
    const name = unique('watched');
    const first = await registry.instances(name);
    const idle = Date.now();
    const timedOut = await registry.instances(name, { index: first.index, waitMs: 300 });
    expect(timedOut.index).toBe(first.index);
    expect(Date.now() - idle).toBeGreaterThanOrEqual(290);

    const woken = registry.instances(name, { index: first.index, waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 50));
    await registry.register({ id: name, name, port: 1 });
    cleanup.push(() => registry.deregister(name));
    const changed = await woken;
    expect(changed.index).toBeGreaterThan(first.index);
    expect(changed.value.map((i) => i.id)).toEqual([name]);
  });

  it('ends a blocking query when its signal aborts', async () => {
    const { index } = await registry.services();
    const abort = new AbortController();
    const query = registry.services({ index, waitMs: 10_000, signal: abort.signal });
    setTimeout(() => abort.abort(new Error('stopped by the test')), 50);
    await expect(query).rejects.toThrow('stopped by the test');
  });

  it('stores small settings in KV with check-and-set', async () => {
    const prefix = unique('cfg');
    cleanup.push(() => registry.kv.delete(prefix, { recurse: true }));
    expect(await registry.kv.set(`${prefix}/a`, 'one', { cas: 0 })).toBe(true);
    expect(await registry.kv.set(`${prefix}/a`, 'again', { cas: 0 })).toBeFalsy();
    const a = (await registry.kv.get(`${prefix}/a`)).value!;
    expect(a.value.toString()).toBe('one');
    expect(await registry.kv.set(`${prefix}/a`, 'two', { cas: a.modifyIndex })).toBe(true);
    await registry.kv.set(`${prefix}/b`, Buffer.from([0, 1, 2]), { flags: 42 });
    const listed = (await registry.kv.list(`${prefix}/`)).value;
    expect(listed.map((e) => [e.key, e.value.toString('hex'), e.flags])).toEqual([
      [`${prefix}/a`, Buffer.from('two').toString('hex'), 0],
      [`${prefix}/b`, '000102', 42],
    ]);
    expect((await registry.kv.get(`${prefix}/missing`)).value).toBeUndefined();
    expect(await registry.kv.delete(`${prefix}/`, { recurse: true })).toBe(true);
    expect((await registry.kv.list(`${prefix}/`)).value).toEqual([]);
  });
});

describe('connectConsul', () => {
  it('refuses what is not an http(s) URL', () => {
    expect(() => connectConsul({ url: 'consul:8500', log })).toThrow('--consul "consul:8500" must be an http:// or https:// URL');
    expect(() => connectConsul({ url: '::nope', log })).toThrow(/is not a URL; expected e\.g\. http:\/\/127\.0\.0\.1:8500/);
  });

  it('names the Consul and the operation when Consul cannot be reached', async () => {
    const registry = connectConsul({ url: 'http://127.0.0.1:1', log });
    await expect(registry.services()).rejects.toThrow(/^Consul at http:\/\/127\.0\.0\.1:1: cannot list services: .*ECONNREFUSED/);
    await registry.close();
  });

  it('sends the ACL token', async () => {
    const seen: (string | undefined)[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(req.headers['x-consul-token'] as string | undefined);
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-consul-index', '7');
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const registry = connectConsul({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'secret-token', log });
    expect(await registry.services()).toEqual({ index: 7, value: {} });
    expect(seen).toEqual(['secret-token']);
    await registry.close();
    server.close();
  });
});
