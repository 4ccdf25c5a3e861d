import { createMemoryIpam, createRedisIpam, type Ipam } from '../fabric/ipam';
import { startRedis, type RedisServer } from '../test/harness/redis';
import { benchReport } from './report';
import { percentile, positiveInt } from './stats';

/**
 * `node dist/bench/ipam.js` (after `npx tsc -p .`) — cluster IPAM throughput:
 *   memory            one process, sequential allocate, then release
 *   redis             one agent, sequential: the round trip plus the Lua script
 *   redis-agents=A    A agents (own connections, as on A hosts), each with C requests in
 *                     flight: what one Redis sustains when hosts start pods at once
 *   redis-full-/16    the search's worst case: a full /16 whose one free address lies just
 *                     behind the cursor, so the script walks all 65k addresses (and blocks
 *                     Redis meanwhile)
 * Each scenario fills a fresh /16 network with N pods, then releases them all.
 * Redis: `BENCH_IPAM_REDIS=redis://…`, or a redis-server started for the run (needs it installed).
 *
 * Environment: BENCH_IPAM_N (pods per scenario, default 20000), BENCH_IPAM_AGENTS (default
 * 4), BENCH_IPAM_CONCURRENCY (in flight per agent, default 16).
 * stdout: one JSON line per scenario and metric; stderr: progress.
 */

const config = {
  n: positiveInt(process.env.BENCH_IPAM_N, 20_000),
  agents: positiveInt(process.env.BENCH_IPAM_AGENTS, 4),
  concurrency: positiveInt(process.env.BENCH_IPAM_CONCURRENCY, 16),
};

async function main(): Promise<void> {
  progress(`n=${config.n} agents=${config.agents} concurrency=${config.concurrency}; node ${process.version}`);
  await scenario('memory', [createMemoryIpam()], 1);
  let server: RedisServer | undefined;
  const url = process.env.BENCH_IPAM_REDIS ?? (server = await startRedis()).url;
  try {
    await scenario('redis', [createRedisIpam({ url, keyPrefix: 'bench1:' })], 1);
    const agents = Array.from({ length: config.agents }, () => createRedisIpam({ url, keyPrefix: 'bench2:' }));
    await scenario(`redis-agents=${config.agents}`, agents, config.concurrency);
    await worstSearch(Array.from({ length: config.agents }, () => createRedisIpam({ url, keyPrefix: 'bench3:' })));
  } finally {
    await server?.stop();
  }
}

/** Fills one network with N pods through the agents, C requests in flight each, then releases them. */
async function scenario(name: string, agents: Ipam[], concurrency: number): Promise<void> {
  const network = `bench-${name}`;
  try {
    await agents[0].definePool({ network, cidr: '10.128.0.0/16', gateway: '10.128.0.1' });
    for (const op of ['allocate', 'release'] as const) {
      const latencies: number[] = [];
      let next = 0;
      const started = performance.now();
      const worker = async (agent: Ipam, host: string) => {
        for (let i = next++; i < config.n; i = next++) {
          const t0 = performance.now();
          if (op === 'allocate') await agent.allocate({ network, owner: `ns/pod-${i}`, host });
          else await agent.release(network, `ns/pod-${i}`);
          latencies.push(performance.now() - t0);
        }
      };
      await Promise.all(agents.flatMap((agent, a) => Array.from({ length: concurrency }, () => worker(agent, `host-${a}`))));
      const seconds = (performance.now() - started) / 1000;
      emit(name, `${op === 'allocate' ? 'allocations' : 'releases'}_per_s`, config.n / seconds, '1/s', { n: config.n, agents: agents.length, concurrency });
      emit(name, `${op}_p50`, percentile(latencies, 50), 'ms');
      emit(name, `${op}_p99`, percentile(latencies, 99), 'ms');
      progress(`${name}: ${op} ${config.n} in ${seconds.toFixed(2)} s`);
    }
    const left = await agents[0].list(network);
    if (left.length) throw new Error(`${name}: ${left.length} allocations left after releasing all`);
  } finally {
    await Promise.all(agents.map((a) => a.close()));
  }
}

async function worstSearch(agents: Ipam[]): Promise<void> {
  const name = 'redis-full-/16';
  const network = 'bench-full';
  try {
    await agents[0].definePool({ network, cidr: '10.129.0.0/16', gateway: '10.129.0.1' });
    const assignable = 65_533;
    let next = 0;
    const fill = async (agent: Ipam) => {
      for (let i = next++; i < assignable; i = next++) await agent.allocate({ network, owner: `ns/pod-${i}`, host: 'h' });
    };
    await Promise.all(agents.flatMap((agent) => Array.from({ length: config.concurrency }, () => fill(agent))));
    const [last] = (await agents[0].list(network)).slice(-1);
    await agents[0].release(network, last.owner);
    const t0 = performance.now();
    await agents[0].allocate({ network, owner: 'ns/last', host: 'h' });
    emit(name, 'last_free_allocate', performance.now() - t0, 'ms', { searched: assignable });
  } finally {
    await Promise.all(agents.map((a) => a.close()));
  }
}

const { emit, progress } = benchReport('ipam');

main().catch((err: unknown) => {
  process.stderr.write(`[bench:ipam] ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
