import Redis from 'ioredis';
import { createRedisIpam, MemoryPoolStore, PoolIpam, type Ipam } from '../../../fabric/ipam';
import { startRedis, type RedisServer } from '../../harness/redis';

/**
 * The backends every IPAM suite runs against (`describe.each(BACKENDS)`): the same cases,
 * the same expectations. A `Cluster` is one shared state; each `agent()` is another
 * host's IPAM on it (for Redis: its own connection and layout cache).
 */
export interface Cluster {
  agent(): Ipam;
  /**
   * Entries in the backend's own indexes of a network (owners, IPs, MACs), to show that
   * nothing stray was left behind; only where they are visible from outside (Redis).
   */
  indexSizes?(network: string): Promise<number[]>;
}

export interface Backend {
  name: string;
  start(): Promise<void>;
  /** A fresh, empty state: nothing leaks from one test into the next. */
  cluster(): Cluster;
  /** Closes every agent handed out so far. */
  closeAgents(): Promise<void>;
  stop(): Promise<void>;
}

function memoryBackend(): Backend {
  const agents: Ipam[] = [];
  return {
    name: 'memory',
    start: async () => {},
    cluster() {
      const store = new MemoryPoolStore();
      return { agent: () => track(agents, new PoolIpam(store)) };
    },
    closeAgents: () => closeAll(agents),
    stop: async () => {},
  };
}

function redisBackend(): Backend {
  const agents: Ipam[] = [];
  let server: RedisServer | undefined;
  let clusters = 0;
  return {
    name: 'redis',
    start: async () => {
      server = await startRedis();
    },
    cluster() {
      const keyPrefix = `test${++clusters}:`;
      return {
        agent: () => track(agents, createRedisIpam({ url: server!.url, keyPrefix })),
        async indexSizes(network) {
          const redis = new Redis(server!.url);
          try {
            return await Promise.all(['owners', 'ips', 'macs'].map((index) => redis.hlen(`${keyPrefix}ipam:{${network}}:${index}`)));
          } finally {
            await redis.quit();
          }
        },
      };
    },
    closeAgents: () => closeAll(agents),
    stop: async () => {
      await closeAll(agents);
      await server?.stop();
    },
  };
}

function track(agents: Ipam[], ipam: Ipam): Ipam {
  agents.push(ipam);
  return ipam;
}

async function closeAll(agents: Ipam[]): Promise<void> {
  await Promise.all(agents.splice(0).map((a) => a.close()));
}

export const BACKENDS: [string, () => Backend][] = [
  ['memory', memoryBackend],
  ['redis', redisBackend],
];
