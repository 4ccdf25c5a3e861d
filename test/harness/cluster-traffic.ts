import { type PingLog, parsePingLog } from './cluster-ping';
import type { PodProcess } from './cluster-process';
import type { Cluster, ClusterPod } from './cluster';
import { CommandError } from './netns';

/**
 * Traffic between pods of a `Cluster` beyond ping, with small Node programs run inside the
 * pods (Node is on every test machine; netcat is not): a listener that answers with its
 * pod's name (which pod answered an address, e.g. where networks overlap or behind a
 * service address), a TCP transfer checked end to end with SHA-256, and a continuous
 * `ping -D` whose replies carry arrival times (outages measured to the millisecond).
 */

const NODE = process.execPath;

const NAME_SERVER = `
const net = require('net');
const [ip, port, name] = process.argv.slice(1);
net.createServer((s) => { s.on('error', () => {}); s.end(name + '\\n'); })
  .listen(Number(port), ip, () => console.log('listening'));
`;

const ASK_NAME = `
const net = require('net');
const [ip, port, ms] = process.argv.slice(1);
setTimeout(() => { console.error('timed out'); process.exit(3); }, Number(ms));
let text = '';
const s = net.connect(Number(port), ip);
s.on('data', (d) => (text += d));
s.on('end', () => { process.stdout.write(text); process.exit(0); });
s.on('error', (e) => { console.error(e.code || e.message); process.exit(2); });
`;

const SINK = `
const net = require('net');
const crypto = require('crypto');
const [ip, port] = process.argv.slice(1);
const server = net.createServer((s) => {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  s.on('data', (d) => { hash.update(d); bytes += d.length; });
  s.on('end', () => { console.log(JSON.stringify({ bytes, sha256: hash.digest('hex') })); s.end(); server.close(); });
}).listen(Number(port), ip, () => console.log('listening'));
`;

const SOURCE = `
const net = require('net');
const crypto = require('crypto');
const [ip, port, total] = process.argv.slice(1).map((v, i) => (i ? Number(v) : v));
const hash = crypto.createHash('sha256');
let bytes = 0;
const start = Date.now();
const s = net.connect(port, ip, () => {
  const write = () => {
    while (bytes < total) {
      const chunk = crypto.randomBytes(Math.min(65536, total - bytes));
      hash.update(chunk);
      bytes += chunk.length;
      if (!s.write(chunk)) return void s.once('drain', write);
    }
    s.end();
  };
  write();
});
s.on('close', () => console.log(JSON.stringify({ bytes, sha256: hash.digest('hex'), ms: Date.now() - start })));
s.on('error', (e) => { console.error(e.message); process.exit(2); });
`;

/** A TCP listener on `pod.ip:port` that sends the pod's name to whoever connects. Resolves once it listens. */
export async function startNameServer(cluster: Cluster, pod: ClusterPod, port: number): Promise<PodProcess> {
  const proc = cluster.spawn(pod, NODE, ['-e', NAME_SERVER, pod.ip, String(port), pod.name]);
  await proc.waitFor(/listening/);
  return proc;
}

/** Connects from `from` to `ip:port` and resolves with the name the listener sent, or undefined when nothing answered within `timeoutMs`. */
export async function askName(cluster: Cluster, from: ClusterPod, ip: string, port: number, timeoutMs = 3_000): Promise<string | undefined> {
  try {
    return (await cluster.exec(from, NODE, ['-e', ASK_NAME, ip, String(port), String(timeoutMs)])).trim();
  } catch (err) {
    if (err instanceof CommandError && (err.exitCode === 2 || err.exitCode === 3)) return undefined;
    throw err;
  }
}

export interface TransferResult {
  sent: { bytes: number; sha256: string; ms: number };
  received: { bytes: number; sha256: string };
}

/** Sends `bytes` random bytes over TCP from `from` to a listener on `to.ip:port`; both ends hash what they saw. */
export async function tcpTransfer(cluster: Cluster, from: ClusterPod, to: ClusterPod, options: { bytes: number; port?: number }): Promise<TransferResult> {
  const port = String(options.port ?? 7100);
  const sink = cluster.spawn(to, NODE, ['-e', SINK, to.ip, port]);
  try {
    await sink.waitFor(/listening/);
    const sent = JSON.parse(await cluster.exec(from, NODE, ['-e', SOURCE, to.ip, port, String(options.bytes)])) as TransferResult['sent'];
    const received = JSON.parse((await sink.waitFor(/^\{.*\}$/m))[0]) as TransferResult['received'];
    return { sent, received };
  } finally {
    await sink.stop();
  }
}

export interface ContinuousPing {
  readonly process: PodProcess;
  /** Resolves once `n` replies have arrived. */
  replies(n: number, timeoutMs?: number): Promise<void>;
  /** Ends ping (SIGINT: it prints its summary) and resolves with what it saw. */
  stop(): Promise<PingLog>;
}

/** `ping -D -n -i <intervalS> <toIp>` from `from`, until stopped. */
export function startContinuousPing(cluster: Cluster, from: ClusterPod, toIp: string, intervalS = 0.05): ContinuousPing {
  const proc = cluster.spawn(from, 'ping', ['-D', '-n', '-i', String(intervalS), toIp]);
  return {
    process: proc,
    async replies(n, timeoutMs = 10_000) {
      await proc.waitUntil((out) => (out.match(/ bytes from /g)?.length ?? 0) >= n, `received ${n} replies`, timeoutMs);
    },
    stop: async () => parsePingLog(await proc.stop()),
  };
}
