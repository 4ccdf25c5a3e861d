import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createLogger } from '../src/log';
import { emptyMesh } from '../src/model/mesh';
import { MeshSnapshots } from '../xds/mesh-snapshots';
import { AdsServer } from '../xds/server/ads-server';
import type { NodeIdentity } from '../xds/resources/client-profile';
import { AckTracker } from './ack-tracker';
import type { ChildMessage, ParentMessage, Usage } from './ipc';
import { benchMesh, endpointChange, serviceName } from './mesh-fixture';
import { benchReport } from './report';
import { percentile, positiveInt } from './stats';

const { emit, progress } = benchReport('xds-push', 'xds');

/**
 * `npm run bench:xds` — how long an endpoint change takes to reach N proxyless gRPC
 * clients over SotW ADS, and what each stream costs the control plane.
 *
 * This process runs the xDS server (AdsServer + MeshSnapshots, as the daemon wires them);
 * the simulated clients run in one forked child (bench/sim-ads-client.ts), so on a 2-core
 * machine each side has a core. Per round one endpoint's port changes
 * (applyResources → prepare → publish); a round's latency runs from the start of that
 * change until the server has seen every stream ACK the EDS response the publish sent it.
 *
 * Environment:
 *   BENCH_XDS_N                   stream counts, default "100,1000,5000"
 *   BENCH_XDS_ROUNDS              measured rounds per N, default 20 (after BENCH_XDS_WARMUP=3)
 *   BENCH_XDS_STREAMS_PER_CHANNEL ADS streams multiplexed per client channel/connection, default 100
 *   BENCH_XDS_BUDGET_S            wall-clock budget; a scenario that would not fit is skipped, default 240
 *   BENCH_XDS_CLIENT_EXECARGV     node flags for the client process, default "--max-old-space-size=4096"
 *   BENCH_XDS_VERBOSE=1           every round's timings on stderr
 *   BENCH_XDS_PROFILE_DIR         if set: a CPU profile of the server during the measured rounds
 *                                 (n<N>-rounds.cpuprofile) and a heap snapshot after the streams
 *                                 synced (n<N>.heapsnapshot) are written there
 * stdout: one JSON line per scenario and metric; stderr: progress.
 */

const SERVICES = 100;
const ENDPOINTS_PER_SERVICE = 2;
const ROUND_TIMEOUT_MS = 60_000;
const GAP_BETWEEN_ROUNDS_MS = 20;
const GRPC_NODE: NodeIdentity = { id: 'bench-prebuild', user_agent_name: 'gRPC Node Pure JS', user_agent_version: '1.14' };

const config = {
  ns: (process.env.BENCH_XDS_N ?? '100,1000,5000')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0),
  rounds: positiveInt(process.env.BENCH_XDS_ROUNDS, 20),
  warmup: nonNegativeInt(process.env.BENCH_XDS_WARMUP, 3),
  streamsPerChannel: positiveInt(process.env.BENCH_XDS_STREAMS_PER_CHANNEL, 100),
  budgetMs: positiveInt(process.env.BENCH_XDS_BUDGET_S, 240) * 1000,
  clientExecArgv: (process.env.BENCH_XDS_CLIENT_EXECARGV ?? '--max-old-space-size=4096').split(' ').filter(Boolean),
  profileDir: process.env.BENCH_XDS_PROFILE_DIR || undefined,
  verbose: process.env.BENCH_XDS_VERBOSE === '1',
};

const gc = exposeGc();
const benchStart = performance.now();

interface ScenarioCost {
  n: number;
  ms: number;
  /** Server plus client RSS growth per stream, bytes. */
  bytesPerStream: number;
}

class SkipScenario extends Error {}

async function main(): Promise<void> {
  if (config.ns.length === 0) throw new Error('BENCH_XDS_N lists no stream counts');
  progress(`N=${config.ns.join(',')} rounds=${config.rounds} (+${config.warmup} warm-up) streams/channel=${config.streamsPerChannel} budget=${config.budgetMs / 1000}s; ${os.cpus().length} CPUs, node ${process.version}`);
  let last: ScenarioCost | undefined;
  for (const n of config.ns) {
    const scenario = `n=${n}`;
    const remaining = config.budgetMs - (performance.now() - benchStart);
    const reason = skipReason(n, last, remaining);
    if (reason) {
      progress(`${scenario}: skipped: ${reason}`);
      emit(scenario, 'skipped', 1, 'bool', { reason });
      continue;
    }
    try {
      last = await runScenario(n, remaining);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof SkipScenario) {
        progress(`${scenario}: skipped: ${message}`);
        emit(scenario, 'skipped', 1, 'bool', { reason: message });
      } else {
        progress(`${scenario}: FAILED: ${err instanceof Error ? (err.stack ?? message) : message}`);
        emit(scenario, 'failed', 1, 'bool', { reason: message });
        process.exitCode = 1;
      }
    }
  }
}

/** Skips a scenario that, scaled from the previous one, would not fit the budget or memory. */
function skipReason(n: number, last: ScenarioCost | undefined, remainingMs: number): string | undefined {
  if (remainingMs <= 0) return 'time budget (BENCH_XDS_BUDGET_S) used up';
  if (!last) return undefined;
  const estimateMs = (last.ms * n) / last.n;
  if (estimateMs * 1.2 > remainingMs) {
    return `estimated ${Math.round(estimateMs / 1000)} s (scaled from n=${last.n}) exceeds the remaining budget of ${Math.round(remainingMs / 1000)} s`;
  }
  const estimateBytes = last.bytesPerStream * n;
  if (estimateBytes > os.freemem() * 0.7) {
    return `estimated ${Math.round(estimateBytes / 2 ** 20)} MiB exceeds 70% of free memory (${Math.round(os.freemem() / 2 ** 20)} MiB)`;
  }
  return undefined;
}

async function runScenario(n: number, remainingMs: number): Promise<ScenarioCost> {
  const scenario = `n=${n}`;
  const started = performance.now();
  const log = createLogger('bench', 'warn');
  const snaps = new MeshSnapshots(emptyMesh(), log);
  const tracker = new AckTracker();
  const server = new AdsServer(snaps.cache, tracker, log);
  const port = await server.listen('127.0.0.1', 0);
  let mesh = benchMesh(SERVICES, ENDPOINTS_PER_SERVICE);
  snaps.publish(snaps.prepare(mesh));
  // Build the gRPC profile's snapshot now, so it is not counted as per-stream memory.
  snaps.cache.watch(GRPC_NODE, () => undefined).cancel();

  const child = new ClientProcess(config.clientExecArgv);
  try {
    await settle(200);
    const memBefore = measureMemory();
    const childBefore = await child.usage();

    progress(`${scenario}: opening ${n} ADS streams on ${Math.ceil(n / config.streamsPerChannel)} channel(s) …`);
    const connectTimeout = Math.max(10_000, remainingMs - 5_000);
    const ready = await child.open(
      {
        type: 'open',
        port,
        streams: n,
        streamsPerChannel: config.streamsPerChannel,
        concurrency: 200,
        listenerNames: Array.from({ length: SERVICES }, (_, i) => serviceName(i)),
      },
      connectTimeout,
    );
    progress(`${scenario}: ${n} streams synced (LDS/RDS/CDS/EDS ACKed) in ${Math.round(ready.ms)} ms`);
    if (tracker.openStreams !== n) throw new Error(`server sees ${tracker.openStreams} streams, expected ${n}`);

    await settle(500);
    const memAfter = measureMemory();
    const childAfter = await child.usage();
    const profiler = config.profileDir ? await startProfiling(n) : undefined;

    // Rounds: one endpoint change each, measured until every stream ACKed it.
    const allAcked: number[] = [];
    const publishToAllAcked: number[] = [];
    const streamAcks: number[] = [];
    const prepareMs: number[] = [];
    const publishMs: number[] = [];
    let cpuStart = process.cpuUsage();
    let childCpuStart = childAfter;
    const total = config.warmup + config.rounds;
    for (let r = 0; r < total; r++) {
      if (r === config.warmup) {
        await profiler?.start();
        cpuStart = process.cpuUsage();
        childCpuStart = await child.usage();
      }
      const t0 = performance.now();
      const change = endpointChange(mesh, r, SERVICES, ENDPOINTS_PER_SERVICE);
      mesh = change.mesh;
      const prepared = snaps.prepare(mesh);
      const tPublish = performance.now();
      tracker.beginRound(t0);
      snaps.publish(prepared);
      const tPublished = performance.now();
      const result = await tracker.endCapture(ROUND_TIMEOUT_MS);
      if (result.pushed !== n) throw new Error(`round ${r}: the publish pushed EDS to ${result.pushed} of ${n} streams`);
      if (config.verbose) progress(`  round ${r}${r < config.warmup ? ' (warm-up)' : ''}: ${change.endpoint}: prepare ${(tPublish - t0).toFixed(1)} ms, publish ${(tPublished - tPublish).toFixed(1)} ms, all ACKed ${result.allAcked.toFixed(1)} ms`);
      if (r >= config.warmup) {
        allAcked.push(result.allAcked);
        publishToAllAcked.push(result.allAcked - (tPublish - t0));
        streamAcks.push(...result.ackLatencies);
        prepareMs.push(tPublish - t0);
        publishMs.push(tPublished - tPublish);
      }
      await settle(GAP_BETWEEN_ROUNDS_MS, false);
    }
    const cpu = process.cpuUsage(cpuStart);
    const childCpuEnd = await child.usage();
    await profiler?.stop();
    if (tracker.nacks > 0) progress(`${scenario}: WARNING: ${tracker.nacks} NACKs`);

    const serverCpuPerRoundMs = (cpu.user + cpu.system) / 1000 / config.rounds;
    const clientCpuPerRoundMs = (childCpuEnd.userMicros + childCpuEnd.systemMicros - childCpuStart.userMicros - childCpuStart.systemMicros) / 1000 / config.rounds;
    const perStream = (after: number, before: number) => (after - before) / n / 1024;

    emit(scenario, 'streams', n, 'count');
    emit(scenario, 'channels', ready.channels, 'count');
    emit(scenario, 'rounds', config.rounds, 'count');
    emit(scenario, 'connect_all', ready.ms, 'ms');
    emit(scenario, 'all_acked_p50', percentile(allAcked, 50), 'ms');
    emit(scenario, 'all_acked_p99', percentile(allAcked, 99), 'ms');
    emit(scenario, 'all_acked_max', Math.max(...allAcked), 'ms');
    emit(scenario, 'publish_to_all_acked_p50', percentile(publishToAllAcked, 50), 'ms');
    emit(scenario, 'publish_to_all_acked_p99', percentile(publishToAllAcked, 99), 'ms');
    emit(scenario, 'stream_ack_p50', percentile(streamAcks, 50), 'ms');
    emit(scenario, 'stream_ack_p99', percentile(streamAcks, 99), 'ms');
    emit(scenario, 'prepare_p50', percentile(prepareMs, 50), 'ms');
    emit(scenario, 'publish_p50', percentile(publishMs, 50), 'ms');
    emit(scenario, 'publish_p99', percentile(publishMs, 99), 'ms');
    emit(scenario, 'server_cpu_per_round', serverCpuPerRoundMs, 'ms');
    emit(scenario, 'server_cpu_per_stream_per_round', (serverCpuPerRoundMs * 1000) / n, 'us');
    emit(scenario, 'client_cpu_per_round', clientCpuPerRoundMs, 'ms');
    emit(scenario, 'server_heap_per_stream', perStream(memAfter.heapUsed, memBefore.heapUsed), 'KiB');
    emit(scenario, 'server_external_per_stream', perStream(memAfter.external, memBefore.external), 'KiB');
    emit(scenario, 'server_rss_per_stream', perStream(memAfter.rss, memBefore.rss), 'KiB');
    emit(scenario, 'client_rss_per_stream', perStream(childAfter.rss, childBefore.rss), 'KiB');
    progress(
      `${scenario}: all ACKed p50 ${percentile(allAcked, 50).toFixed(1)} ms, p99 ${percentile(allAcked, 99).toFixed(1)} ms; ` +
        `server CPU ${serverCpuPerRoundMs.toFixed(1)} ms/round; heap ${perStream(memAfter.heapUsed, memBefore.heapUsed).toFixed(1)} KiB/stream, ` +
        `RSS ${perStream(memAfter.rss, memBefore.rss).toFixed(1)} KiB/stream`,
    );
    return {
      n,
      ms: performance.now() - started,
      bytesPerStream: Math.max(0, (memAfter.rss - memBefore.rss + childAfter.rss - childBefore.rss) / n),
    };
  } finally {
    await child.close();
    await closeServer(server);
    await settle(100);
    progress(`${scenario}: closed (${Math.round((performance.now() - started) / 1000)} s)`);
  }
}

/** Waits, then (by default) collects garbage twice so memory readings are live data. */
async function settle(ms: number, collect = true): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  if (collect) {
    gc();
    gc();
  }
}

/** Opt-in (BENCH_XDS_PROFILE_DIR): heap snapshot now, CPU profile between start and stop. */
async function startProfiling(n: number): Promise<{ start(): Promise<void>; stop(): Promise<void> }> {
  const dir = config.profileDir!;
  fs.mkdirSync(dir, { recursive: true });
  const heapFile = v8.writeHeapSnapshot(path.join(dir, `n${n}.heapsnapshot`));
  progress(`heap snapshot: ${heapFile}`);
  await settle(200);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  return {
    start: async () => {
      await session.post('Profiler.start');
    },
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      const file = path.join(dir, `n${n}-rounds.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      progress(`CPU profile of the measured rounds: ${file}`);
      session.disconnect();
    },
  };
}

function measureMemory(): { heapUsed: number; external: number; rss: number } {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, rss: m.rss };
}

async function closeServer(server: AdsServer): Promise<void> {
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
  if ((await Promise.race([server.close().then(() => 'closed' as const), timer])) === 'timeout') server.forceClose();
}

/** The forked client process and its request/response messages. */
class ClientProcess {
  private readonly child: ChildProcess;
  private readonly waiting: ((m: ChildMessage) => boolean)[] = [];
  private failure: Error | undefined;
  private exited = false;

  constructor(execArgv: string[]) {
    // stdout is for results only: the child's stdout goes to our stderr.
    this.child = fork(path.join(__dirname, 'sim-ads-client.js'), [], { execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    this.child.stdout?.pipe(process.stderr);
    this.child.on('message', (m: ChildMessage) => {
      if (m.type === 'error') this.failure ??= new Error(`client process: ${m.message}`);
      if (m.type === 'progress') progress(`  ${m.ready} streams synced`);
      const i = this.waiting.findIndex((w) => w(m));
      if (i >= 0) this.waiting.splice(i, 1);
      if (m.type === 'error') for (const w of this.waiting.splice(0)) w(m);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.failure ??= new Error(`client process exited (${signal ?? code})`);
      for (const w of this.waiting.splice(0)) w({ type: 'error', message: this.failure.message });
    });
  }

  private request<T extends ChildMessage['type']>(message: ParentMessage, reply: T, timeoutMs: number, onTimeout: (ms: number) => Error): Promise<Extract<ChildMessage, { type: T }>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(handler);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(onTimeout(timeoutMs));
      }, timeoutMs);
      const handler = (m: ChildMessage): boolean => {
        if (m.type === 'error') {
          clearTimeout(timer);
          reject(new Error(m.message));
          return true;
        }
        if (m.type !== reply) return false;
        clearTimeout(timer);
        resolve(m as Extract<ChildMessage, { type: T }>);
        return true;
      };
      this.waiting.push(handler);
      this.child.send(message);
    });
  }

  open(message: Extract<ParentMessage, { type: 'open' }>, timeoutMs: number): Promise<{ ms: number; channels: number }> {
    return this.request(message, 'ready', timeoutMs, (ms) => new SkipScenario(`${message.streams} streams not synced within ${Math.round(ms / 1000)} s`));
  }

  async usage(): Promise<Usage> {
    return (await this.request({ type: 'usage' }, 'usage', 30_000, () => new Error('client process did not report usage'))).usage;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    try {
      if (!this.failure) await this.request({ type: 'close' }, 'closed', 15_000, () => new Error('client process did not close its streams'));
    } catch (err) {
      progress(`client close: ${(err as Error).message}`);
    }
    const exited = new Promise<void>((resolve) => (this.exited ? resolve() : this.child.once('exit', () => resolve())));
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  // Same as running node with --expose-gc, without re-spawning this process.
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function nonNegativeInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n >= 0 ? n : fallback;
}

main().then(
  () => {
    progress(`done in ${Math.round((performance.now() - benchStart) / 1000)} s`);
    // Everything is closed; do not let a stray handle keep the process alive.
    setTimeout(() => process.exit(0), 2_000).unref();
  },
  (err: unknown) => {
    progress(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 2_000).unref();
  },
);
