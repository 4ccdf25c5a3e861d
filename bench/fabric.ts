import os from 'node:os';
import { hostFlows, type HostView } from '../fabric/pipeline';
import { type Cluster, type ClusterPod, startCluster } from '../test/harness/cluster';
import { parsePingLog } from '../test/harness/cluster-ping';
import { benchReport } from './report';
import { median, percentile, positiveInt, round } from './stats';

/**
 * `npm run bench:fabric` — the overlay on real Open vSwitch (userspace datapath), with
 * the cluster harness of the e2e tests (test/harness/cluster.ts): control plane with its
 * OpenFlow controller in this process, hosts in namespaces, real agents, real plugin.
 *
 * 1. throughput: iperf3 (one TCP stream) between two pods on different hosts (VXLAN over
 *    the underlay) and between the same two pods on one host's br-int (no encapsulation):
 *    the server pod moves between the hosts (CNI DEL, ADD with the same IP= and MAC=),
 *    alternating the two placements; the ratio of the medians is the overlay's cost.
 * 2. latency: CNI ADD of a new pod, then at once `ping -i 0.01` from it to a pod on
 *    another host until the first reply; from the start of ADD to that reply's arrival
 *    (ping -D timestamp), and ADD alone. Medians over N pods.
 * 3. flows: flows per host for 10/100/1,000 endpoints from `hostFlows` over a synthetic
 *    view (10 hosts, endpoints spread evenly), checked against the pipeline's formula and
 *    for linearity; and flows the controller installed on a real br-int for 100 endpoints.
 *
 * Environment:
 *   BENCH_FABRIC_SECONDS  iperf3 seconds per run (after 1 s omitted), default 5
 *   BENCH_FABRIC_ROUNDS   runs per placement, alternating, default 5
 *   BENCH_FABRIC_PODS     pods for (2), default 10
 *   BENCH_FABRIC_ONLY     run only these parts, e.g. "flows,latency"
 * stdout: one JSON line per metric; stderr: progress. Needs root, Open vSwitch, iperf3,
 * and the compiled plugin (`npm run build`).
 */

const BENCH = 'fabric';
const NETWORK = { name: 'bench', cidr: '10.90.0.0/16', vni: 9000, gateway: '10.90.0.1' };

const config = {
  seconds: positiveInt(process.env.BENCH_FABRIC_SECONDS, 5),
  rounds: positiveInt(process.env.BENCH_FABRIC_ROUNDS, 5),
  pods: positiveInt(process.env.BENCH_FABRIC_PODS, 10),
  only: new Set((process.env.BENCH_FABRIC_ONLY ?? 'throughput,latency,flows').split(',').map((s) => s.trim())),
};

const report = benchReport(BENCH);
const progress = report.progress;
/** bench:fabric's lines have no scenario. */
const emit = (metric: string, value: number, unit: string, extra?: Record<string, unknown>) => report.emit(undefined, metric, value, unit, extra);

async function main(): Promise<void> {
  progress(`${os.cpus().length} CPUs, node ${process.version}; ${JSON.stringify({ ...config, only: [...config.only] })}`);
  if (config.only.has('flows')) syntheticFlows();
  if (!['throughput', 'latency', 'flows'].some((part) => config.only.has(part))) return;
  const cluster = await startCluster({ hosts: ['a', 'b'], networks: [NETWORK], underlay: '192.168.90', logLevel: 'warn' });
  try {
    if (config.only.has('throughput')) await throughput(cluster);
    if (config.only.has('latency')) await latency(cluster);
    if (config.only.has('flows')) await installedFlows(cluster);
  } finally {
    await cluster.stop();
  }
}

/** Gbit/s of one iperf3 run from `client` to `server`. */
async function iperf(cluster: Cluster, client: ClusterPod, server: ClusterPod): Promise<{ gbps: number; retransmits: number }> {
  const listener = cluster.spawn(server, 'iperf3', ['-s', '-1', '--forceflush', '-B', server.ip]);
  try {
    await listener.waitFor(/Server listening/);
    const out = JSON.parse(await cluster.exec(client, 'iperf3', ['-c', server.ip, '-t', String(config.seconds), '-O', '1', '-J'])) as {
      end: { sum_received: { bits_per_second: number }; sum_sent: { retransmits?: number } };
    };
    return { gbps: out.end.sum_received.bits_per_second / 1e9, retransmits: out.end.sum_sent.retransmits ?? 0 };
  } finally {
    await listener.stop();
  }
}

async function throughput(cluster: Cluster): Promise<void> {
  const client = await cluster.addPod('a', 'bench', 'iperf-client');
  let server = await cluster.addPod('b', 'bench', 'iperf-server');
  const runs = { overlay: [] as number[], local: [] as number[] };
  const retransmits = { overlay: [] as number[], local: [] as number[] };
  for (let round = 0; round < config.rounds; round++) {
    for (const placement of ['overlay', 'local'] as const) {
      const host = placement === 'overlay' ? 'b' : 'a';
      if (server.host !== host) {
        const { ip, mac } = server;
        await cluster.removePod(server);
        server = await cluster.addPod(host, 'bench', 'iperf-server', { ip, mac });
      }
      await cluster.converged();
      const r = await iperf(cluster, client, server);
      runs[placement].push(r.gbps);
      retransmits[placement].push(r.retransmits);
      progress(`throughput round ${round + 1} ${placement} (server on ${host}): ${r.gbps.toFixed(2)} Gbit/s, ${r.retransmits} retransmits`);
    }
  }
  const [overlay, local] = [median(runs.overlay), median(runs.local)];
  emit('throughput_overlay', overlay, 'Gbit/s', { runs: runs.overlay.map((v) => round(v)), retransmits: retransmits.overlay, path: 'pod a → br-int a → VXLAN → br-phy a → underlay → br-phy b → br-int b → pod b' });
  emit('throughput_local', local, 'Gbit/s', { runs: runs.local.map((v) => round(v)), retransmits: retransmits.local, path: 'pod a → br-int a → pod a' });
  // Also per round (overlay run / the local run right after it): drift of the machine's load cancels out.
  const pairs = runs.overlay.map((o, i) => round(o / runs.local[i]));
  emit('throughput_overlay_over_local', overlay / local, 'ratio', { goal: '>= 0.9', perRound: pairs, perRoundMedian: round(median(pairs)) });
  await cluster.removePod(server);
  await cluster.removePod(client);
}

async function latency(cluster: Cluster): Promise<void> {
  const peer = await cluster.addPod('b', 'bench', 'peer');
  await cluster.converged();
  const added: ClusterPod[] = [];
  const adds: number[] = [];
  const toPing: number[] = [];
  const afterAdd: number[] = [];
  for (let i = 0; i < config.pods; i++) {
    const start = Date.now();
    const pod = await cluster.addPod('a', 'bench', `lat-${i}`);
    const addedAt = Date.now();
    added.push(pod);
    // Every 10 ms until the first reply, 5 s at most; -D stamps each reply with its arrival time.
    const out = await cluster.exec(pod, 'ping', ['-D', '-n', '-c', '1', '-w', '5', '-i', '0.01', peer.ip]).catch((err: { stdout?: string }) => err.stdout ?? '');
    const reply = parsePingLog(out).replies[0];
    if (!reply) throw new Error(`pod lat-${i} never reached ${peer.ip} within 5 s:\n${out}`);
    adds.push(addedAt - start);
    toPing.push(reply.at - start);
    afterAdd.push(reply.at - addedAt);
    progress(`pod lat-${i}: ADD ${addedAt - start} ms, first reply ${Math.round(reply.at - start)} ms after ADD started (icmp_seq ${reply.seq})`);
  }
  emit('cni_add_to_first_ping_p50', median(toPing), 'ms', { pods: config.pods, max: round(Math.max(...toPing)), p90: round(percentile(toPing, 90)), path: 'new pod on a → peer on b' });
  emit('cni_add_p50', median(adds), 'ms', { max: Math.max(...adds), note: 'ADD alone: plugin start, agent, IPAM, veth, OVS port, Endpoint' });
  emit('after_add_to_first_ping_p50', median(afterAdd), 'ms', { max: round(Math.max(...afterAdd)), note: 'from the plugin exiting to the first reply: flows reaching both hosts, ARP, the round trip' });
  for (const pod of [...added, peer]) await cluster.removePod(pod);
}

/** Endpoints spread over `hosts` hosts, one network with a gateway; the view of host-0. */
function syntheticView(endpoints: number, hosts: number): HostView {
  const hostNames = Array.from({ length: hosts }, (_, i) => `host-${i}`);
  return {
    host: { name: 'host-0', underlayIp: '192.168.0.1', tunnelOfport: 60_000 },
    hosts: hostNames.map((name, i) => ({ name, underlayIp: `192.168.0.${i + 1}` })),
    networks: [{ name: 'net', id: 1, vni: 100, cidr: '10.0.0.0/16', gatewayIp: '10.0.0.1', gatewayMac: '0a:58:0a:00:00:01' }],
    endpoints: Array.from({ length: endpoints }, (_, i) => {
      const n = i + 2;
      const host = i % hosts;
      return {
        name: `ep-${i}`,
        network: 'net',
        ip: `10.0.${n >> 8}.${n & 255}`,
        mac: `0a:58:0a:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`,
        host: hostNames[host],
        ...(host === 0 ? { ofport: Math.floor(i / hosts) + 1 } : {}),
      };
    }),
  };
}

/** The pipeline README's count: 6L + 2R + N + G + 20. */
function formula(local: number, remote: number, networks: number, gateways: number): number {
  return 6 * local + 2 * remote + networks + gateways + 20;
}

function syntheticFlows(): void {
  const hosts = 10;
  const counts: { endpoints: number; flows: number }[] = [];
  for (const endpoints of [10, 100, 1000]) {
    const view = syntheticView(endpoints, hosts);
    const local = view.endpoints.filter((e) => e.host === 'host-0').length;
    const start = performance.now();
    const flows = hostFlows(view).length;
    const ms = performance.now() - start;
    const expected = formula(local, endpoints - local, 1, 1);
    if (flows !== expected) throw new Error(`hostFlows gave ${flows} flows for ${endpoints} endpoints, the formula ${expected}`);
    counts.push({ endpoints, flows });
    emit('flows_per_host', flows, 'flows', { endpoints, hosts, localEndpoints: local, formula: expected, buildMs: round(ms), source: 'hostFlows over a synthetic view' });
  }
  // Linear: the same flows per added endpoint from 10 to 100 as from 100 to 1,000.
  const slopes = counts.slice(1).map((c, i) => (c.flows - counts[i].flows) / (c.endpoints - counts[i].endpoints));
  emit('flows_per_endpoint_slope', slopes[1], 'flows/endpoint', { slopes: slopes.map((s) => round(s)), linear: slopes.every((s) => s === slopes[0]) });
}

async function installedFlows(cluster: Cluster): Promise<void> {
  const endpoints = 100;
  const docs = Array.from({ length: endpoints }, (_, i) => {
    const n = 1000 + i;
    const host = i % 2 ? 'b' : 'a';
    return JSON.stringify({
      kind: 'Endpoint',
      name: `synthetic-${i}`,
      network: 'bench',
      address: `10.90.${n >> 8}.${n & 255}`,
      mac: `0a:58:0a:5a:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`,
      host,
      // br-int ports that do not exist: OVS takes flows for them, and the count is what matters here.
      ofport: 1000 + i,
    });
  });
  const start = performance.now();
  await cluster.plane.apply(docs.join('\n---\n'));
  await cluster.converged(60_000);
  const ms = performance.now() - start;
  for (const host of cluster.hosts) {
    const installed = await host.flowCount();
    const expected = formula(endpoints / 2, endpoints / 2, 1, 1);
    emit('flows_installed', installed, 'flows', { host: host.name, endpoints, localEndpoints: endpoints / 2, formula: expected, matches: installed === expected, source: 'dump-aggregate of a real br-int, installed by the controller' });
  }
  emit('flows_install_100_endpoints', ms, 'ms', { note: 'apply of 100 Endpoints until both hosts hold exactly the pipeline’s flows (poll every 50 ms)' });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    progress(`failed: ${(err as Error).stack ?? String(err)}`);
    emit('failed', 1, 'bool', { reason: (err as Error).message });
    process.exit(1);
  },
);
