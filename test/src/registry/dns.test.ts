import type { EmbeddedRegistry } from '../../../src/registry/embedded/embedded-registry';
import { dig, http, startRegistry } from './registry-fixture';

/** The DNS interface, queried with a real resolver tool: `dig` from Debian's dnsutils. */
describe('DNS interface (dig)', () => {
  let registry: EmbeddedRegistry;
  const put = (path: string, body: unknown) => http(registry.httpUrl + path, 'PUT', JSON.stringify(body));
  const short = async (...args: string[]) => (await dig(registry.dnsPort, '+short', ...args)).trim().split('\n').filter(Boolean).sort();

  beforeAll(async () => {
    registry = await startRegistry();
    await put('/v1/agent/service/register', { Name: 'echo', ID: 'echo-1', Address: '10.0.0.1', Port: 5001, Tags: ['v1'], Check: { TTL: '1m', Status: 'passing' } });
    await put('/v1/agent/service/register', { Name: 'echo', ID: 'echo-2', Address: '10.0.0.2', Port: 5002, Tags: ['v2'], Check: { TTL: '1m', Status: 'passing' } });
    await put('/v1/agent/service/register', { Name: 'echo', ID: 'echo-3', Address: '10.0.0.3', Port: 5003, Tags: ['v2'], Check: { TTL: '1m', Status: 'critical' } });
    await put('/v1/agent/service/register', { Name: 'local', ID: 'local', Port: 7000 });
  });
  afterAll(() => registry?.close());

  it('answers `dig echo.service.consul SRV` with the healthy instances, their targets resolved', async () => {
    const out = await dig(registry.dnsPort, 'echo.service.consul', 'SRV');
    expect(out).toMatch(/status: NOERROR/);
    expect(out).toMatch(/flags: qr aa/);
    const srv = [...out.matchAll(/^echo\.service\.consul\.\s+0\s+IN\s+SRV\s+1 1 (\d+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    expect(srv).toEqual(['5001 0a000001.addr.dc1.consul.', '5002 0a000002.addr.dc1.consul.']);
    expect(out).toMatch(/^0a000001\.addr\.dc1\.consul\.\s+0\s+IN\s+A\s+10\.0\.0\.1$/m);
    expect(out).toMatch(/^0a000002\.addr\.dc1\.consul\.\s+0\s+IN\s+A\s+10\.0\.0\.2$/m);
  });

  it('answers A queries, by tag, RFC 2782 names and with the datacenter', async () => {
    expect(await short('echo.service.consul')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(await short('v2.echo.service.consul')).toEqual(['10.0.0.2']);
    expect(await short('_echo._v1.service.consul', 'SRV')).toEqual(['1 1 5001 0a000001.addr.dc1.consul.']);
    expect(await short('_echo._tcp.service.dc1.consul', 'SRV')).toHaveLength(2);
    expect(await short('ECHO.Service.Consul')).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('names the node for instances on the node address, and resolves nodes and addr names', async () => {
    expect(await short('local.service.consul', 'SRV')).toEqual([`1 1 7000 ${registry.nodeName}.node.dc1.consul.`]);
    expect(await short(`${registry.nodeName}.node.consul`)).toEqual(['127.0.0.1']);
    expect(await short('0a000003.addr.dc1.consul')).toEqual(['10.0.0.3']);
  });

  it('follows health: a failing check takes the instance out of the answers at once', async () => {
    await http(`${registry.httpUrl}/v1/agent/check/fail/service:echo-2`, 'PUT');
    expect(await short('echo.service.consul')).toEqual(['10.0.0.1']);
    await http(`${registry.httpUrl}/v1/agent/check/pass/service:echo-3`, 'PUT');
    expect(await short('echo.service.consul')).toEqual(['10.0.0.1', '10.0.0.3']);
  });

  it('answers NXDOMAIN with the SOA for unknown or unhealthy services, REFUSED outside its domain', async () => {
    const out = await dig(registry.dnsPort, 'nope.service.consul');
    expect(out).toMatch(/status: NXDOMAIN/);
    expect(out).toMatch(/^consul\.\s+0\s+IN\s+SOA\s+ns\.consul\. hostmaster\.consul\./m);
    expect(await dig(registry.dnsPort, 'example.com')).toMatch(/status: REFUSED/);
  });

  it('truncates a UDP answer that does not fit 512 bytes, and answers it whole over TCP', async () => {
    for (let i = 0; i < 40; i++) {
      await put('/v1/agent/service/register', { Name: 'big', ID: `big-${i}`, Address: `10.1.0.${i + 1}`, Port: 8000 + i });
    }
    const udp = await dig(registry.dnsPort, '+noedns', '+ignore', 'big.service.consul', 'SRV');
    expect(udp).toMatch(/flags: qr aa tc/);
    expect(udp.length).toBeLessThan(4000);
    const tcp = await dig(registry.dnsPort, '+tcp', 'big.service.consul', 'SRV');
    expect(tcp).toMatch(/ANSWER: 40,/);
  });
});
