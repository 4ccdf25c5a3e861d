import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/log';
import { startEmbeddedRegistry, type EmbeddedRegistry } from '../src/registry/embedded/embedded-registry';
import { epochMs, type LoadCommand, type LoadReply } from './registry-load';
import { benchReport } from './report';
import { percentile, positiveInt } from './stats';

/**
 * `npm run bench:registry` — the embedded Consul-compatible registry under load:
 *   wakeup     N blocking queries (`/v1/health/service/...?index=&wait=5m`) woken by one
 *              check change: per-query wake-up latency p50/p99, and until all are woken
 *   register   agent registrations (with a TTL check) per second, each acknowledged only
 *              once persisted
 *   query      catalog and health reads per second, with latency p50/p99
 * This process runs the registry; the clients run in one forked child
 * (bench/registry-load.ts), so on 2 cores each side has one. Latency runs from just
 * before the write until the client has read the response.
 *
 * Environment:
 *   BENCH_REGISTRY_N           blocking queries, default 1000
 *   BENCH_REGISTRY_ROUNDS      wake-up rounds, default 20 (after 3 warm-up rounds)
 *   BENCH_REGISTRY_REGISTER    registrations, default 5000 (concurrency 32)
 *   BENCH_REGISTRY_QUERY_S     seconds per query scenario, default 5 (concurrency 32)
 * stdout: one JSON line per scenario and metric; stderr: progress.
 */

const BENCH = 'registry';
const config = {
  n: positiveInt(process.env.BENCH_REGISTRY_N, 1000),
  rounds: positiveInt(process.env.BENCH_REGISTRY_ROUNDS, 20),
  warmup: 3,
  registrations: positiveInt(process.env.BENCH_REGISTRY_REGISTER, 5000),
  queryMs: positiveInt(process.env.BENCH_REGISTRY_QUERY_S, 5) * 1000,
  concurrency: 32,
};
const ROUND_TIMEOUT_MS = 30_000;

async function main(): Promise<void> {
  progress(`n=${config.n} rounds=${config.rounds} registrations=${config.registrations} query=${config.queryMs / 1000}s; ${os.cpus().length} CPUs, node ${process.version}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-bench-registry-'));
  const registry = await startEmbeddedRegistry({
    http: { host: '127.0.0.1', port: 0 },
    dns: { host: '127.0.0.1', port: 0 },
    dataDir,
    log: createLogger('bench', 'error'),
    nodeName: 'bench',
  });
  const load = new LoadProcess();
  try {
    await wakeups(registry, load);
    await registrations(registry, load, dataDir);
    await queries(registry, load);
  } finally {
    load.close();
    await registry.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function wakeups(registry: EmbeddedRegistry, load: LoadProcess): Promise<void> {
  const scenario = `wakeup n=${config.n}`;
  await registry.registry.register({ id: 'watched-1', name: 'watched', address: '10.0.0.1', port: 80, checks: [{ id: 'watched-ttl', ttl: '1h', status: 'passing' }] });
  const perQuery: number[] = [];
  const allWoken: number[] = [];
  for (let round = 0; round < config.warmup + config.rounds; round++) {
    const { index } = await registry.registry.instances('watched');
    const woken = load.run({ op: 'block', url: registry.httpUrl, path: '/v1/health/service/watched', index, n: config.n });
    await load.reply('armed');
    await until(() => registry.blockingQueries() >= config.n, `${config.n} queries blocked`);
    const t0 = epochMs();
    await registry.registry.updateTtlCheck('watched-ttl', round % 2 === 0 ? 'warning' : 'passing');
    const r = (await woken) as Extract<LoadReply, { op: 'woken' }>;
    if (r.failed > 0) throw new Error(`${r.failed} blocking queries failed`);
    if (round < config.warmup) continue;
    const latencies = r.at.map((t) => t - t0);
    perQuery.push(...latencies);
    allWoken.push(Math.max(...latencies));
  }
  emit(scenario, 'wake_p50', percentile(perQuery, 50), 'ms');
  emit(scenario, 'wake_p99', percentile(perQuery, 99), 'ms');
  emit(scenario, 'all_woken_p50', percentile(allWoken, 50), 'ms');
  emit(scenario, 'all_woken_p99', percentile(allWoken, 99), 'ms', { note: `slowest of ${config.rounds} rounds` });
}

async function registrations(registry: EmbeddedRegistry, load: LoadProcess, dataDir: string): Promise<void> {
  const scenario = `register count=${config.registrations} concurrency=${config.concurrency}`;
  const r = (await load.run({ op: 'register', url: registry.httpUrl, count: config.registrations, concurrency: config.concurrency, prefix: 'reg' })) as Extract<LoadReply, { op: 'registered' }>;
  if (r.failed > 0) throw new Error(`${r.failed} registrations failed`);
  emit(scenario, 'registrations_per_s', (config.registrations / r.ms) * 1000, '1/s');
  const size = fs.statSync(path.join(dataDir, 'registry.json')).size;
  progress(`catalog after registrations: ${Object.keys((await registry.registry.services()).value).length} services, ${(size / 1024).toFixed(0)} KiB on disk`);
}

async function queries(registry: EmbeddedRegistry, load: LoadProcess): Promise<void> {
  const cases: [string, string[]][] = [
    ['health ?passing (50 instances)', Array.from({ length: 100 }, (_, i) => `/v1/health/service/reg-${i}?passing`)],
    ['catalog service (50 instances)', Array.from({ length: 100 }, (_, i) => `/v1/catalog/service/reg-${i}`)],
    ['catalog services (100 services)', ['/v1/catalog/services']],
  ];
  for (const [name, paths] of cases) {
    const scenario = `query ${name} concurrency=${config.concurrency}`;
    const r = (await load.run({ op: 'query', url: registry.httpUrl, paths, concurrency: config.concurrency, ms: config.queryMs })) as Extract<LoadReply, { op: 'queried' }>;
    if (r.failed > 0) throw new Error(`${r.failed} queries failed`);
    emit(scenario, 'queries_per_s', (r.count / config.queryMs) * 1000, '1/s');
    emit(scenario, 'latency_p50', percentile(r.latencies, 50), 'ms');
    emit(scenario, 'latency_p99', percentile(r.latencies, 99), 'ms');
  }
}

/** The forked client process; one command at a time. */
class LoadProcess {
  private readonly child: ChildProcess = fork(path.join(__dirname, 'registry-load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  private readonly waiters: { op: LoadReply['op']; resolve: (r: LoadReply) => void }[] = [];

  constructor() {
    this.child.on('message', (reply: LoadReply) => {
      const i = this.waiters.findIndex((w) => w.op === reply.op);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(reply);
    });
    this.child.on('exit', (code) => {
      if (code) {
        process.stderr.write(`[bench:registry] load process exited with ${code}\n`);
        process.exit(1);
      }
    });
  }

  run(cmd: LoadCommand): Promise<LoadReply> {
    const final = { block: 'woken', register: 'registered', query: 'queried' } as const;
    const reply = this.reply(final[cmd.op]);
    this.child.send(cmd);
    return reply;
  }

  reply(op: LoadReply['op']): Promise<LoadReply> {
    return new Promise((resolve) => this.waiters.push({ op, resolve }));
  }

  close(): void {
    this.child.disconnect();
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + ROUND_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const { emit, progress } = benchReport(BENCH);

main().catch((err: unknown) => {
  process.stderr.write(`[bench:registry] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.stdout.write(JSON.stringify({ bench: BENCH, metric: 'failed', value: 1, unit: 'bool', reason: String(err) }) + '\n');
  process.exitCode = 1;
});
