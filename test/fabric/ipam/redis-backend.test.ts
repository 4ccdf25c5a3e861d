import Redis from 'ioredis';
import { createRedisIpam, IpamBackendError } from '../../../fabric/ipam';
import { startRedis, type RedisServer } from '../../harness/redis';

/** What only the Redis backend has: its keys, a shared connection, a Redis that goes away. */
describe('Redis IPAM backend', () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('keeps a network in four hashes and a bitmap under the key prefix, readable by an operator', async () => {
    await using ipam = createRedisIpam({ client: redis, keyPrefix: 'layout:' });
    await ipam.definePool({ network: 'blue', cidr: '10.0.0.0/29', gateway: '10.0.0.1' });
    await ipam.allocate({ network: 'blue', owner: 'ns/a', host: 'host-a' });
    expect((await redis.keys('layout:*')).sort()).toEqual(['layout:ipam:{blue}:ips', 'layout:ipam:{blue}:macs', 'layout:ipam:{blue}:owners', 'layout:ipam:{blue}:pool', 'layout:ipam:{blue}:used']);
    expect(await redis.hgetall('layout:ipam:{blue}:pool')).toEqual({
      spec: '{"network":"blue","cidr":"10.0.0.0/29","gateway":"10.0.0.1","reserved":[]}',
      searched: '8',
      macBase: String(0x0a000000),
      excludedCount: '3',
      cursor: '3',
    });
    expect(JSON.parse((await redis.hget('layout:ipam:{blue}:owners', 'ns/a'))!)).toEqual({ offset: '2', mac: '0a:58:0a:00:00:02', host: 'host-a' });
    expect(await redis.hgetall('layout:ipam:{blue}:ips')).toEqual({ 2: 'ns/a' });
    expect(await redis.hgetall('layout:ipam:{blue}:macs')).toEqual({ '0a:58:0a:00:00:02': 'ns/a' });
    // Offsets 0 (network), 1 (gateway), 2 (ns/a) and 7 (broadcast) are taken.
    expect(await redis.getBuffer('layout:ipam:{blue}:used')).toEqual(Buffer.from([0b11100001]));
  });

  it('keeps clusters with different key prefixes apart on one Redis, and leaves a shared connection open', async () => {
    const east = createRedisIpam({ client: redis, keyPrefix: 'east:' });
    const west = createRedisIpam({ client: redis, keyPrefix: 'west:' });
    for (const ipam of [east, west]) await ipam.definePool({ network: 'blue', cidr: '10.0.0.0/29' });
    await east.allocate({ network: 'blue', owner: 'ns/a', host: 'h', ip: '10.0.0.3' });
    expect(await west.allocate({ network: 'blue', owner: 'ns/b', host: 'h', ip: '10.0.0.3' })).toMatchObject({ ip: '10.0.0.3' });
    await Promise.all([east.close(), west.close()]);
    expect(await redis.ping()).toBe('PONG');
  });

  it('collects garbage against a live set of 100 000 pods', async () => {
    await using ipam = createRedisIpam({ client: redis, keyPrefix: 'many:' });
    await ipam.definePool({ network: 'blue', cidr: '10.0.0.0/29' });
    await ipam.allocate({ network: 'blue', owner: 'ns/dead', host: 'h' });
    await ipam.allocate({ network: 'blue', owner: 'ns/pod-99999', host: 'h' });
    const live = new Set(Array.from({ length: 100_000 }, (_, i) => `ns/pod-${i}`));
    expect((await ipam.gc('blue', live)).map((a) => a.owner)).toEqual(['ns/dead']);
    expect((await ipam.list('blue')).map((a) => a.owner)).toEqual(['ns/pod-99999']);
  });

  it('reports a Redis that is gone as a backend error that says a retry is safe', async () => {
    const doomed = await startRedis();
    const client = new Redis(doomed.url, { maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    await using ipam = createRedisIpam({ client });
    await ipam.definePool({ network: 'blue', cidr: '10.0.0.0/29' });
    await doomed.stop();
    const failed = ipam.allocate({ network: 'blue', owner: 'ns/a', host: 'h' });
    await expect(failed).rejects.toThrow(IpamBackendError);
    await expect(failed).rejects.toThrow(/^IPAM allocate in network "blue": the backend failed: .+; it is safe to try again$/);
    client.disconnect();
  });
});
