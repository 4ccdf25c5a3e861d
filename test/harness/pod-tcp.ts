import { trackProcess, type PodProcess } from './cluster-process';
import type { Netns } from './netns';

/**
 * TCP inside pods for the service LB tests, with small Node programs (Node is on every
 * test machine): backends that answer with their name and the client address they saw,
 * and a client that opens many connections to one address and reports, for each, the
 * answer and the address its socket is connected to.
 */

const NODE = process.execPath;

const NAME_SERVER = `
const net = require('net');
const [name, ...ports] = process.argv.slice(1);
let listening = 0;
for (const port of ports) {
  net.createServer((s) => { s.on('error', () => {}); s.end(name + ' ' + s.remoteAddress + '\\n'); })
    .listen(Number(port), '0.0.0.0', () => ++listening === ports.length && console.log('listening'));
}
`;

const CONNECT_MANY = `
const net = require('net');
const [ip, port, count, parallel] = process.argv.slice(1);
const results = [];
let started = 0;
function next() {
  if (started === Number(count)) return;
  started++;
  let text = '';
  const s = net.connect(Number(port), ip);
  let peer;
  s.on('connect', () => (peer = s.remoteAddress));
  s.setTimeout(3000, () => s.destroy(new Error('timed out')));
  s.on('data', (d) => (text += d));
  s.on('close', () => {
    const [name, seen] = text.trim().split(' ');
    results.push({ name: name || null, seen: seen || null, peer: peer || null });
    if (results.length === Number(count)) console.log(JSON.stringify(results));
    else next();
  });
  s.on('error', () => {});
}
for (let i = 0; i < Number(parallel); i++) next();
`;

/** A backend listening on `ports` (every address) that answers `<name> <client address>` and closes. Resolves once it listens. */
export async function startNameServer(ns: Netns, name: string, ports: number[]): Promise<PodProcess> {
  const proc = trackProcess(`${name}: name server on ${ports.join(', ')}`, ns.spawn(NODE, ['-e', NAME_SERVER, name, ...ports.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] }), () => undefined);
  await proc.waitFor(/listening/);
  return proc;
}

export interface Answer {
  /** The backend that answered; null when the connection failed. */
  name: string | null;
  /** The client address the backend saw. */
  seen: string | null;
  /** The address the client's socket was connected to. */
  peer: string | null;
}

/** `count` TCP connections from `ns` to `ip:port`, `parallel` at a time; each answer in the order they finished. */
export async function connectMany(ns: Netns, ip: string, port: number, count: number, parallel = 8): Promise<Answer[]> {
  return JSON.parse(await ns.exec(NODE, ['-e', CONNECT_MANY, ip, String(port), String(count), String(parallel)], { timeoutMs: 60_000 })) as Answer[];
}

/** How many answers each backend gave. */
export function tally(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[a.name ?? 'no answer'] = (counts[a.name ?? 'no answer'] ?? 0) + 1;
  return counts;
}
