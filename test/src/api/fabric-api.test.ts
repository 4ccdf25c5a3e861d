import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../src/log';
import { startDaemon, type RunningDaemon } from '../../../src/daemon/daemon';

const NETWORK = 'kind: Network\nname: pods\ncidr: 10.244.0.0/29\nvni: 100\ngateway: 10.244.0.1\n';

describe('fabric API: hosts and addresses', () => {
  let daemon: RunningDaemon;
  let dataDir: string;
  const call = async (method: string, urlPath: string, body?: unknown) => {
    const res = await fetch(daemon.apiUrl + urlPath, {
      method,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headers: body === undefined ? undefined : { 'content-type': typeof body === 'string' && body.startsWith('kind:') ? 'application/yaml' : 'application/json' },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const start = () => startDaemon({ xds: { host: '127.0.0.1', port: 0 }, api: { host: '127.0.0.1', port: 0 }, dataDir }, createLogger('test', 'warn'));

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-fabric-api-'));
    daemon = await start();
    expect((await call('POST', '/v1/apply', NETWORK)).status).toBe(200);
  });
  afterAll(async () => daemon?.close());

  it('records what agents report about their hosts, refusing bad reports', async () => {
    const report = { underlayIp: '192.168.50.2', datapathType: 'netdev', tunnelOfport: 1, mtu: 1450, hwOffload: { enabled: true, offloadedFlows: 0 } };
    expect(await call('PUT', '/v1/hosts/host-a', report)).toMatchObject({ status: 200, body: { name: 'host-a', ...report } });
    expect((await call('GET', '/v1/hosts')).body.items).toEqual([expect.objectContaining({ name: 'host-a', underlayIp: '192.168.50.2' })]);
    const bad = await call('PUT', '/v1/hosts/host-b', { underlayIp: 'nope', datapathType: 'netdev' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/underlayIp: expected the IPv4 address of the underlay/);
    expect((await call('PUT', '/v1/hosts/host-b', 'not json')).body.error).toMatch(/host report: expected a JSON object/);
  });

  it('allocates addresses per owner, idempotently, keeping them across a host move', async () => {
    const first = await call('POST', '/v1/networks/pods/allocations', { owner: 'web-1', host: 'host-a' });
    expect(first).toMatchObject({ status: 200, body: { network: 'pods', owner: 'web-1', ip: '10.244.0.2', prefixLength: 29, mac: '0a:58:0a:f4:00:02', gateway: '10.244.0.1', mtu: 1450 } });
    const moved = await call('POST', '/v1/networks/pods/allocations', { owner: 'web-1', host: 'host-b' });
    expect(moved.body).toMatchObject({ ip: '10.244.0.2', mac: '0a:58:0a:f4:00:02', host: 'host-b' });
    // The old host's late DEL must not free the moved pod's address.
    expect((await call('DELETE', '/v1/networks/pods/allocations/web-1?host=host-a')).body).toEqual({ released: null });
  });

  it.each([
    ['a taken static IP', { owner: 'web-2', host: 'host-a', ip: '10.244.0.2' }, 409, 'address-in-use', /10.244.0.2.*web-1/],
    ['an IP outside the network', { owner: 'web-3', host: 'host-a', ip: '10.9.9.9' }, 400, 'invalid-address', /10.9.9.9/],
    ['an unknown network', { owner: 'web-4', host: 'host-a' }, 404, 'unknown-network', /nowhere/],
    ['a request without owner', { host: 'host-a' }, 400, undefined, /expected \{"owner": string, "host": string/],
  ])('refuses %s, naming what is wrong', async (_name, request, status, code, message) => {
    const network = code === 'unknown-network' ? 'nowhere' : 'pods';
    const res = await call('POST', `/v1/networks/${network}/allocations`, request);
    expect(res.status).toBe(status);
    if (code) expect(res.body.code).toBe(code);
    expect(res.body.error).toMatch(message);
  });

  it('says when the pool is exhausted, and a release makes room', async () => {
    // A /29 has 6 usable addresses; .1 is the gateway and web-1 holds .2.
    for (const owner of ['p3', 'p4', 'p5', 'p6']) expect((await call('POST', '/v1/networks/pods/allocations', { owner, host: 'host-a' })).status).toBe(200);
    const full = await call('POST', '/v1/networks/pods/allocations', { owner: 'p7', host: 'host-a' });
    expect(full).toMatchObject({ status: 409, body: { code: 'pool-exhausted' } });
    expect((await call('DELETE', '/v1/networks/pods/allocations/p6')).body.released).toMatchObject({ owner: 'p6' });
    expect((await call('POST', '/v1/networks/pods/allocations', { owner: 'p7', host: 'host-a' })).status).toBe(200);
  });

  it('refuses to reshape a network whose pool is in use, changing nothing', async () => {
    const res = await call('POST', '/v1/apply', NETWORK.replace('10.244.0.0/29', '10.245.0.0/29').replace('gateway: 10.244.0.1', 'gateway: 10.245.0.1'));
    expect(res).toMatchObject({ status: 409, body: { code: 'pool-in-use' } });
    expect(((await call('GET', '/v1/networks/pods')).body as { cidr: string }).cidr).toBe('10.244.0.0/29');
  });

  it('re-seeds addresses from pod endpoints after a restart', async () => {
    const pod = 'kind: Endpoint\nname: db-1\nnetwork: pods\naddress: 10.244.0.3\nmac: 0a:58:0a:f4:00:03\nhost: host-a\n';
    await call('DELETE', '/v1/networks/pods/allocations/p3');
    expect((await call('POST', '/v1/apply', pod)).status).toBe(200);
    await daemon.close();
    daemon = await start();
    const taken = await call('POST', '/v1/networks/pods/allocations', { owner: 'other', host: 'host-a', ip: '10.244.0.3' });
    expect(taken).toMatchObject({ status: 409, body: { code: 'address-in-use' } });
    expect((await call('POST', '/v1/networks/pods/allocations', { owner: 'db-1', host: 'host-a' })).body).toMatchObject({ ip: '10.244.0.3' });
  });
});
