import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startControlledBridge } from '../test/fabric/openflow/controller/controlled-bridge';
import type { OvsHost } from '../test/harness/ovs-host';
import { createLogger } from '../src/log';
import { decode, encode, type FlowModInput } from '../fabric/openflow/codec';
import { ControllerServer, CookieSpace, DesiredFlows, FlowSync } from '../fabric/openflow/controller';
import { Cbench } from './openflow-cbench';
import { benchFlow, benchFlows } from './openflow-flows';
import { emit, progress } from './openflow-report';
import { median, positiveInt } from './stats';

/**
 * `npm run bench:openflow` — the OpenFlow controller runtime, three ways:
 *
 * 1. codec: FLOW_MOD encode, decode, and both, per second on one core.
 * 2. install: N flows into a real OVS (userspace datapath) through FlowSync — encode,
 *    cookies, dump, one bundle, commit, count check — against `ovs-ofctl -O OpenFlow13
 *    --bundle add-flows` of the same flows (same cookies) into the same bridge, alternating
 *    which goes first; the table is emptied before each install. Both flow tables are
 *    dumped and must be identical. Reports each tool's median and their ratio.
 * 3. cbench: simulated switches in a child process (bench/openflow-sim-switch.ts) send
 *    PACKET_INs, a ControllerServer here answers each with a FLOW_MOD; setups per second
 *    and PACKET_IN → FLOW_MOD latency, with many PACKET_INs outstanding (throughput) and
 *    with one per switch (latency, cbench's default mode).
 *
 * Environment:
 *   BENCH_OPENFLOW_FLOWS     flow counts for (2), default "10000,100000"
 *   BENCH_OPENFLOW_ROUNDS    installs per tool and count, default 5
 *   BENCH_OPENFLOW_SWITCHES  simulated switches for (3), default 16
 *   BENCH_OPENFLOW_WINDOW    PACKET_INs each keeps outstanding in the throughput run, default 64
 *   BENCH_OPENFLOW_SECONDS   measured seconds per cbench run (after 1 s warm-up), default 5
 *   BENCH_OPENFLOW_ONLY      run only these parts, e.g. "codec,cbench"
 * stdout: one JSON line per metric; stderr: progress. Needs root and Open vSwitch for (2).
 */

const OWNER = 0x42;
const DPID = 0xbe4cn;
const log = createLogger('bench', 'warn');

const config = {
  flows: list(process.env.BENCH_OPENFLOW_FLOWS ?? '10000,100000'),
  rounds: positiveInt(process.env.BENCH_OPENFLOW_ROUNDS, 5),
  switches: positiveInt(process.env.BENCH_OPENFLOW_SWITCHES, 16),
  window: positiveInt(process.env.BENCH_OPENFLOW_WINDOW, 64),
  seconds: positiveInt(process.env.BENCH_OPENFLOW_SECONDS, 5),
  only: new Set((process.env.BENCH_OPENFLOW_ONLY ?? 'codec,install,cbench').split(',').map((s) => s.trim())),
};

async function main(): Promise<void> {
  progress(`${os.cpus().length} CPUs, node ${process.version}; ${JSON.stringify({ ...config, only: [...config.only] })}`);
  if (config.only.has('codec')) codec();
  if (config.only.has('install')) await install();
  if (config.only.has('cbench')) await cbench();
}

/** Calls `fn` for about `ms` (after a warm-up) and returns calls per second. */
function rate(fn: () => void, ms = 2000): number {
  for (let i = 0; i < 50_000; i++) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    now = performance.now();
  }
  return (n / (now - start)) * 1000;
}

function codec(): void {
  // A conntrack flow: five match fields, two actions; 128 bytes on the wire.
  const flow: FlowModInput = { type: 'flow_mod', xid: 1, command: 'add', cookie: 0x42n << 48n, ...benchFlow(1).flow };
  const bytes = encode(flow);
  progress(`codec: FLOW_MOD of ${bytes.length} bytes`);
  const extra = { bytes: bytes.length };
  emit('codec', 'flow_mod_encode', rate(() => encode(flow)), 'ops/s', extra);
  emit('codec', 'flow_mod_decode', rate(() => decode(bytes)), 'ops/s', extra);
  emit('codec', 'flow_mod_encode_decode', rate(() => decode(encode(flow))), 'ops/s', extra);
}

async function install(): Promise<void> {
  const { host, server, stop } = await startControlledBridge('bench-of', DPID, log);
  try {
    for (const n of config.flows) await installScenario(host, server, n);
  } finally {
    await stop();
  }
}

async function installScenario(host: OvsHost, server: ControllerServer, n: number): Promise<void> {
  const scenario = `install n=${n}`;
  const flows = benchFlows(n);
  const objects = flows.map((f) => f.flow);
  const cookies = DesiredFlows.build(objects, new CookieSpace(OWNER)).cookies();
  const file = path.join(host.runDir, `flows-${n}.txt`);
  fs.writeFileSync(file, flows.map((f, i) => `cookie=0x${cookies[i].toString(16)},${f.text}\n`).join(''));

  const times = { loom: [] as number[], ofctl: [] as number[] };
  const dumps: Partial<Record<keyof typeof times, string>> = {};
  for (let round = 0; round < config.rounds; round++) {
    for (const tool of round % 2 ? (['ofctl', 'loom'] as const) : (['loom', 'ofctl'] as const)) {
      await host.ofctl('del-flows', 'br-int');
      const start = performance.now();
      if (tool === 'loom') {
        // A fresh FlowSync each time: its first sync dumps the (empty) table, as after a connect.
        const sync = new FlowSync(server, { owner: OWNER, checkIntervalMs: 0, timeoutMs: 300_000, log });
        await sync.setFlows(DPID, objects);
        times.loom.push(performance.now() - start);
        await sync.close();
      } else {
        await host.ofctl('--bundle', 'add-flows', 'br-int', file);
        times.ofctl.push(performance.now() - start);
      }
      progress(`${scenario} round ${round + 1}: ${tool} ${Math.round(times[tool].at(-1)!)} ms`);
      const count = Number(/flow_count=(\d+)/.exec(await host.ofctl('dump-aggregate', 'br-int'))?.[1]);
      if (count !== n) throw new Error(`${scenario}: ${tool} left ${count} flows, expected ${n}`);
      dumps[tool] ??= normalize(await host.ofctl('dump-flows', 'br-int', '--no-stats'));
    }
  }
  const identical = dumps.loom === dumps.ofctl;
  if (!identical) throw new Error(`${scenario}: the flow tables differ between the controller and ovs-ofctl`);
  const [loom, ofctl] = [median(times.loom), median(times.ofctl)];
  emit(scenario, 'loom_install', loom, 'ms', { rounds: times.loom.map(Math.round), flowsPerSecond: Math.round((n / loom) * 1000) });
  emit(scenario, 'ofctl_bundle_install', ofctl, 'ms', { rounds: times.ofctl.map(Math.round), flowsPerSecond: Math.round((n / ofctl) * 1000) });
  emit(scenario, 'ofctl_over_loom', ofctl / loom, 'ratio', { goal: '>= 1 (at least as fast as ovs-ofctl)', identicalTables: identical });
  // The controller's own share of loom_install: encoding, checking and hashing the set (warm).
  const builds = [0, 1, 2].map(() => {
    const start = performance.now();
    DesiredFlows.build(objects, new CookieSpace(OWNER));
    return performance.now() - start;
  });
  emit(scenario, 'loom_encode_and_cookies', median(builds), 'ms');
}

/** dump-flows text as a sorted list of flows, for comparing tables. */
function normalize(dump: string): string {
  return dump
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('OFPST_FLOW'))
    .sort()
    .join('\n');
}

async function cbench(): Promise<void> {
  const runs = [
    { scenario: `cbench throughput switches=${config.switches} window=${config.window}`, window: config.window },
    { scenario: `cbench latency switches=${config.switches} window=1`, window: 1 },
  ];
  for (const { scenario, window } of runs) {
    const bench = await Cbench.start({ switches: config.switches, window, macs: 1000 });
    try {
      const r = await bench.run(1000, config.seconds * 1000);
      if (r.wrong) throw new Error(`${scenario}: ${r.wrong} of ${r.checked} sampled FLOW_MODs were not the expected add`);
      progress(`${scenario}: ${Math.round(r.setups / r.seconds)} setups/s, p50 ${Math.round(r.p50)} µs, p99 ${Math.round(r.p99)} µs`);
      emit(scenario, 'flow_setups', r.setups / r.seconds, 'per_s', { goal: 200_000, setups: r.setups, seconds: r.seconds });
      emit(scenario, 'latency_p50', r.p50, 'us');
      emit(scenario, 'latency_p99', r.p99, 'us');
      emit(scenario, 'latency_p999', r.p999, 'us');
      emit(scenario, 'controller_cpu', r.controllerCpuSeconds / r.seconds, 'cores');
      emit(scenario, 'switches_cpu', r.cpuSeconds / r.seconds, 'cores');
    } finally {
      await bench.close();
    }
  }
}

function list(value: string): number[] {
  return value
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    progress(`failed: ${(err as Error).stack ?? String(err)}`);
    emit('bench', 'failed', 1, 'bool', { reason: (err as Error).message });
    process.exit(1);
  },
);
