import { EventEmitter } from 'node:events';
import { consulTarget, unique, type ConsulTarget } from './registry-fixture';

/**
 * The Consul contract, driven by the third-party `consul` npm client: against the
 * embedded registry, and against a real Consul whenever CONSUL_HTTP_ADDR is set (then
 * every name is unique to this run and removed afterwards).
 */

type Res = { headers: Record<string, string> };
/** Calls a client method with `ctx.includeResponse`, which returns the response (headers) too. */
async function withHeaders<T>(fn: (opts: { ctx: EventEmitter }) => Promise<unknown>): Promise<{ index: number; body: T; res: Res }> {
  const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
  const [res, body] = (await fn({ ctx })) as [Res, T];
  return { index: Number(res.headers['x-consul-index']), body, res };
}

describe('Consul contract (consul npm client)', () => {
  let target: ConsulTarget;
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    target = await consulTarget();
  });
  afterAll(async () => {
    for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
    await target?.close();
  });

  const registerTtlService = async (name: string, id: string, port: number, tags: string[] = []) => {
    await target.client.agent.service.register({ name, id, port, address: '127.0.0.1', tags, meta: { tenant: 'blue' }, check: { name: 'alive', ttl: '30s', timeout: '' } as never });
    cleanup.push(() => target.client.agent.service.deregister(id));
  };

  it('registers a service with a TTL check, lists it, and reports health transitions', async () => {
    const name = unique('web');
    await registerTtlService(name, `${name}-1`, 8080, ['v1']);
    expect((await target.client.catalog.service.list())[name]).toEqual(['v1']);
    const [entry] = await target.client.catalog.service.nodes(name);
    expect(entry).toMatchObject({ ServiceName: name, ServiceID: `${name}-1`, ServicePort: 8080, ServiceAddress: '127.0.0.1', ServiceTags: ['v1'], ServiceMeta: { tenant: 'blue' } });

    // A TTL check starts critical: not in the passing list until someone passes it.
    expect(await target.client.health.service({ service: name, passing: true })).toEqual([]);
    await target.client.agent.check.pass({ id: `service:${name}-1`, note: 'ok' });
    const passing = await target.client.health.service({ service: name, passing: true });
    expect(passing.map((e: { Service: { ID: string } }) => e.Service.ID)).toEqual([`${name}-1`]);
    expect(passing[0].Checks.find((c: { CheckID: string }) => c.CheckID === `service:${name}-1`)).toMatchObject({ Status: 'passing', Output: 'ok', Type: 'ttl' });

    await target.client.agent.check.warn(`service:${name}-1`);
    expect(await target.client.health.service({ service: name, passing: true })).toEqual([]);
    const warning = await target.client.health.state('warning');
    expect(warning.some((c: { ServiceID: string }) => c.ServiceID === `${name}-1`)).toBe(true);

    await target.client.agent.check.fail(`service:${name}-1`);
    const checks = await target.client.health.checks(name);
    expect(checks.find((c: { CheckID: string }) => c.CheckID === `service:${name}-1`)).toMatchObject({ Status: 'critical', ServiceName: name, ServiceTags: ['v1'] });
  });

  it('filters by tag and by filter expression, and lists agent services', async () => {
    const name = unique('api');
    await registerTtlService(name, `${name}-a`, 9001, ['blue']);
    await registerTtlService(name, `${name}-b`, 9002, ['green']);
    const byTag = await target.client.catalog.service.nodes({ service: name, tag: 'green' });
    expect(byTag.map((e: { ServiceID: string }) => e.ServiceID)).toEqual([`${name}-b`]);
    const filtered = await target.client.health.service({ service: name, filter: 'Service.Port == 9001' });
    expect(filtered.map((e: { Service: { ID: string } }) => e.Service.ID)).toEqual([`${name}-a`]);
    const agentServices = await target.client.agent.service.list();
    expect(agentServices[`${name}-a`]).toMatchObject({ ID: `${name}-a`, Service: name, Port: 9001, Tags: ['blue'] });
  });

  it('deregisters a service with its checks', async () => {
    const name = unique('gone');
    await target.client.agent.service.register({ name, id: name, port: 1, check: { name: 'alive', ttl: '30s', timeout: '' } as never });
    await target.client.agent.service.deregister(name);
    expect(await target.client.catalog.service.nodes(name)).toEqual([]);
    expect(await target.client.health.checks(name)).toEqual([]);
  });

  it('registers and deregisters through the catalog API, with the check status given', async () => {
    const node = unique('external');
    const name = unique('db');
    await target.client.catalog.register({ node, address: '10.1.2.3', nodemeta: { 'external-node': 'true' }, service: { id: 'db1', service: name, port: 5432, address: '10.1.2.3' }, check: { checkid: 'db1-up', name: 'up', status: 'passing', serviceid: 'db1' } });
    cleanup.push(() => target.client.catalog.deregister({ node }));
    const [entry] = await target.client.health.service({ service: name, passing: true });
    expect(entry).toMatchObject({ Node: { Node: node, Address: '10.1.2.3', Meta: { 'external-node': 'true' } }, Service: { ID: 'db1', Port: 5432 } });
    expect((await target.client.catalog.node.list()).some((n: { Node: string }) => n.Node === node)).toBe(true);
    expect((await target.client.catalog.node.services(node)).Services.db1).toMatchObject({ Service: name, Port: 5432 });
    await target.client.catalog.deregister({ node, serviceid: 'db1' });
    expect(await target.client.catalog.service.nodes(name)).toEqual([]);
  });

  describe('blocking queries', () => {
    it('return as soon as the result changes, with a higher index', async () => {
      const name = unique('blocking');
      await registerTtlService(name, `${name}-1`, 7000);
      const first = await withHeaders<unknown[]>((o) => target.client.health.service({ service: name, ...o }));
      expect(first.index).toBeGreaterThan(0);
      expect(first.res.headers['x-consul-knownleader']).toBe('true');

      const started = Date.now();
      const blocked = withHeaders<{ Checks: { Status: string }[] }[]>((o) => target.client.health.service({ service: name, index: String(first.index), wait: '10s', ...o } as never));
      await new Promise((r) => setTimeout(r, 200));
      await target.client.agent.check.pass(`service:${name}-1`);
      const woken = await blocked;
      expect(Date.now() - started).toBeLessThan(5000);
      expect(woken.index).toBeGreaterThan(first.index);
      expect(woken.body[0].Checks.every((c) => c.Status === 'passing')).toBe(true);
    });

    it('return at the wait timeout with the same index when nothing changed', async () => {
      const name = unique('idle');
      await registerTtlService(name, `${name}-1`, 7001);
      const first = await withHeaders<unknown[]>((o) => target.client.catalog.service.nodes({ service: name, ...o }));
      const started = Date.now();
      const again = await withHeaders<unknown[]>((o) => target.client.catalog.service.nodes({ service: name, index: String(first.index), wait: '1s', ...o } as never));
      const waited = Date.now() - started;
      expect(again.index).toBe(first.index);
      // Consul adds up to wait/16 of jitter.
      expect(waited).toBeGreaterThanOrEqual(950);
      expect(waited).toBeLessThan(2500);
    });

    it('wake on KV changes under the watched prefix', async () => {
      const prefix = unique('settings');
      await target.client.kv.set(`${prefix}/a`, '1');
      cleanup.push(() => target.client.kv.del({ key: prefix, recurse: true }));
      const first = await withHeaders<unknown[]>((o) => target.client.kv.get({ key: `${prefix}/`, recurse: true, ...o } as never));
      const blocked = withHeaders<{ Key: string; Value: string }[]>((o) => target.client.kv.get({ key: `${prefix}/`, recurse: true, index: String(first.index), wait: '10s', ...o } as never));
      await new Promise((r) => setTimeout(r, 100));
      await target.client.kv.set(`${prefix}/b`, '2');
      const woken = await blocked;
      expect(woken.index).toBeGreaterThan(first.index);
      expect(woken.body.map((e) => [e.Key, e.Value])).toEqual([
        [`${prefix}/a`, '1'],
        [`${prefix}/b`, '2'],
      ]);
    });
  });

  describe('KV', () => {
    it('stores, lists and deletes values', async () => {
      const prefix = unique('kv');
      cleanup.push(() => target.client.kv.del({ key: prefix, recurse: true }));
      expect(await target.client.kv.set(`${prefix}/x/1`, 'one')).toBe(true);
      expect(await target.client.kv.set(`${prefix}/y`, 'two')).toBe(true);
      expect(await target.client.kv.get(`${prefix}/x/1`)).toMatchObject({ Key: `${prefix}/x/1`, Value: 'one', Flags: 0 });
      expect(await target.client.kv.get(`${prefix}/missing`)).toBeUndefined();
      expect(await target.client.kv.keys({ key: `${prefix}/`, separator: '/' })).toEqual([`${prefix}/x/`, `${prefix}/y`]);
      expect(await target.client.kv.del(`${prefix}/y`)).toBe(true);
      expect(await target.client.kv.keys(`${prefix}/`)).toEqual([`${prefix}/x/1`]);
    });

    it('check-and-set: writes only with the current ModifyIndex, creates only with cas=0', async () => {
      // Consul answers a refused write with `false`, which this client returns as undefined.
      const refused = undefined;
      const key = unique('cas');
      cleanup.push(() => target.client.kv.del(key));
      expect(await target.client.kv.set({ key, value: 'v1', cas: 0 })).toBe(true);
      expect(await target.client.kv.set({ key, value: 'again', cas: 0 })).toBe(refused);
      const { ModifyIndex } = (await target.client.kv.get(key))!;
      expect(await target.client.kv.set({ key, value: 'v2', cas: ModifyIndex + 1000 })).toBe(refused);
      expect(await target.client.kv.set({ key, value: 'v2', cas: ModifyIndex })).toBe(true);
      expect((await target.client.kv.get(key))!.Value).toBe('v2');
      expect(await target.client.kv.set({ key, value: 'v3', cas: ModifyIndex })).toBe(refused);
      const current = (await target.client.kv.get(key))!;
      expect(await target.client.kv.del({ key, cas: current.ModifyIndex - 1 })).toBe(refused);
      expect(await target.client.kv.del({ key, cas: current.ModifyIndex })).toBe(true);
    });
  });

  it('reports a leader', async () => {
    expect(await target.client.status.leader()).toMatch(/^.+:\d+$/);
  });
});
