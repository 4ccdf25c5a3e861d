import { trackProcess, type PodProcess } from './cluster-process';
import type { Netns } from './netns';

/**
 * Continuous traffic from inside pod namespaces, for watching a policy change as it
 * happens: a TCP stream that writes every few milliseconds to a `pod-sockets.ts` listener
 * (which echoes) and counts what comes back, and a loop of fresh connections. Both print
 * one JSON line per event, stamped with `Date.now()` (the clock the test reads too), so a
 * test can ask what happened inside any window of time: a stall, a reset, a connection
 * that should not have got through.
 */

const NODE = process.execPath;

const STREAM = `
const net = require('net');
const [ip, port, everyMs, chunkBytes] = process.argv.slice(1).map((v, i) => (i ? Number(v) : v));
const log = (o) => console.log(JSON.stringify({ at: Date.now(), ...o }));
const chunk = Buffer.alloc(chunkBytes, 'x');
let sent = 0;
let received = 0;
let greeted = false;
let timer;
const s = net.connect(port, ip);
s.setNoDelay(true);
s.on('data', (d) => {
  if (!greeted) {
    const end = d.indexOf(10);
    if (end < 0) return;
    greeted = true;
    d = d.subarray(end + 1);
    log({ connected: true, sent, received });
    timer = setInterval(() => { s.write(chunk); sent += chunk.length; }, everyMs);
  }
  if (d.length) { received += d.length; log({ sent, received }); }
});
s.on('error', (e) => log({ error: e.code || e.message, sent, received }));
s.on('close', () => { clearInterval(timer); log({ closed: true, sent, received }); process.exit(0); });
`;

const LOOP = `
const net = require('net');
const [ip, port, everyMs, timeoutMs] = process.argv.slice(1).map((v, i) => (i ? Number(v) : v));
console.log(JSON.stringify({ started: Date.now() }));
setInterval(() => {
  const at = Date.now();
  let text = '';
  let finished = false;
  const s = net.connect(port, ip);
  const done = (ok) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    s.destroy();
    console.log(JSON.stringify({ at, ok, ms: Date.now() - at }));
  };
  const timer = setTimeout(() => done(false), timeoutMs);
  s.on('data', (d) => { text += d; if (text.startsWith('hello')) done(true); });
  s.on('error', () => done(false));
}, everyMs);
`;

interface StreamEvent {
  at: number;
  sent: number;
  received: number;
  connected?: boolean;
  error?: string;
  closed?: boolean;
}

export interface StreamReport {
  /** Bytes written, and bytes echoed back, by the end of the window. */
  sent: number;
  received: number;
  /** Bytes echoed back within the window. */
  receivedInWindow: number;
  /** The longest time inside the window without an echo arriving (from its start to the first, between two, from the last to its end). */
  longestSilenceMs: number;
  /** Socket errors and closes up to the window's end (`ECONNRESET`, `closed`). */
  failures: string[];
}

export interface TcpStream {
  readonly process: PodProcess;
  /** What the stream saw between `from` and `to` (ms since the epoch; `to` defaults to now). */
  report(from: number, to?: number): StreamReport;
  stop(): Promise<void>;
}

/**
 * A TCP connection from `ns` to a `pod-sockets.ts` listener at `ip:port` that writes
 * `chunkBytes` every `everyMs` and counts the echo. Resolves once the listener's greeting
 * has arrived (the connection is established).
 */
export async function startTcpStream(ns: Netns, ip: string, port: number, options: { everyMs?: number; chunkBytes?: number } = {}): Promise<TcpStream> {
  const args = [ip, port, options.everyMs ?? 50, options.chunkBytes ?? 512].map(String);
  const proc = trackProcess(`stream to ${ip}:${port}`, ns.spawn(NODE, ['-e', STREAM, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }), () => undefined);
  await proc.waitFor(/"connected":true/);
  const events = () => jsonLines<StreamEvent>(proc.output());
  return {
    process: proc,
    report(from, to = Date.now()) {
      const upTo = events().filter((e) => e.at <= to);
      const last = upTo.at(-1) ?? { sent: 0, received: 0 };
      const before = upTo.filter((e) => e.at < from).at(-1)?.received ?? 0;
      const arrivals = [from, ...upTo.filter((e) => e.at >= from && e.error === undefined && !e.closed && !e.connected).map((e) => e.at), to];
      const longestSilenceMs = Math.max(...arrivals.slice(1).map((t, i) => t - arrivals[i]));
      const failures = upTo.flatMap((e) => (e.error ? [e.error] : e.closed ? ['closed'] : []));
      return { sent: last.sent, received: last.received, receivedInWindow: last.received - before, longestSilenceMs, failures };
    },
    stop: async () => void (await proc.stop()),
  };
}

export interface Attempt {
  /** When the attempt began (ms since the epoch). */
  at: number;
  /** Whether the listener's greeting came back within the timeout. */
  ok: boolean;
  ms: number;
}

export interface ConnectLoop {
  readonly process: PodProcess;
  /** The attempts that began between `from` and `to` (and have finished). */
  attempts(from?: number, to?: number): Attempt[];
  stop(): Promise<void>;
}

/**
 * A new TCP connection from `ns` to a `pod-sockets.ts` listener at `ip:port` every
 * `everyMs`, each given `timeoutMs`, without waiting for the previous one: a dropped SYN
 * (retried by the kernel after 1 s) shows as a failed attempt when `timeoutMs` is below
 * that. Resolves once the loop runs.
 */
export async function startConnectLoop(ns: Netns, ip: string, port: number, options: { everyMs?: number; timeoutMs?: number } = {}): Promise<ConnectLoop> {
  const args = [ip, port, options.everyMs ?? 20, options.timeoutMs ?? 900].map(String);
  const proc = trackProcess(`connect loop to ${ip}:${port}`, ns.spawn(NODE, ['-e', LOOP, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }), () => undefined);
  await proc.waitFor(/"started"/);
  return {
    process: proc,
    attempts: (from = 0, to = Infinity) => jsonLines<Attempt & { started?: number }>(proc.output()).filter((a) => a.started === undefined && a.at >= from && a.at <= to),
    stop: async () => void (await proc.stop()),
  };
}

function jsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{') && l.endsWith('}'))
    .map((l) => JSON.parse(l) as T);
}
