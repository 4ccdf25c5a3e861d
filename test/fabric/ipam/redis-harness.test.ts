import fs from 'node:fs';
import net from 'node:net';
import Redis from 'ioredis';
import { RedisPrerequisiteError, redisServerPath, startRedis } from '../../harness/redis';

/** The harness the Redis-backed suites stand on: real servers, isolated, cleaned up. */
describe('startRedis', () => {
  it('starts independent servers on free ports without persistence, and stop() removes every trace', async () => {
    const [one, two] = await Promise.all([startRedis(), startRedis()]);
    expect(one.port).not.toBe(two.port);
    const client = new Redis(one.url);
    try {
      expect(await client.ping()).toBe('PONG');
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    } finally {
      client.disconnect();
    }
    await Promise.all([one.stop(), two.stop()]);
    await one.stop();
    for (const server of [one, two]) {
      expect(fs.existsSync(server.dir)).toBe(false);
      await expect(connects(server.port)).resolves.toBe(false);
    }
  });

  it('says how to install redis-server when it is missing', () => {
    expect(() => redisServerPath(['/nonexistent'])).toThrow(RedisPrerequisiteError);
    expect(() => redisServerPath(['/nonexistent'])).toThrow('redis-server is not installed (not found in PATH): apt-get install -y redis-server, or scripts/setup.sh --test');
  });
});

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
