import { trackProcess, type PodProcess } from './cluster-process';
import type { Netns } from './netns';

/**
 * One-shot traffic from inside pod namespaces, for security-group tests: a listener, and
 * probes that say whether a TCP connection, a UDP datagram or an ICMP request got its
 * answer back — so a pass means both directions went through the pipeline, and a
 * dropped packet shows as no answer within the timeout (a dropped SYN never answers:
 * keep timeouts short where a drop is expected).
 *
 * TCP and UDP run in Node (on every test machine; netcat is not); ICMP in Debian's
 * python3, for raw sockets, which Node lacks (`ping` sends echo requests only; a
 * timestamp request is ICMP type 13, which Linux answers with type 14). One process per
 * batch, each probe of a batch concurrent.
 */

const NODE = process.execPath;
const PYTHON = '/usr/bin/python3';

/** Every TCP connection is greeted with `hello <ip>` and then has what it sends echoed back; every UDP datagram is answered with the greeting. */
const LISTEN = `
const net = require('net');
const dgram = require('dgram');
const [ip, tcp, udp] = process.argv.slice(1).map((v, i) => (i ? JSON.parse(v) : v));
const greeting = 'hello ' + ip + '\\n';
let listening = 0;
const bound = () => ++listening === tcp.length + udp.length && console.log('listening');
for (const port of tcp) {
  net.createServer((s) => { s.on('error', () => {}); s.write(greeting); s.pipe(s); }).listen(port, ip, bound);
}
for (const port of udp) {
  const u = dgram.createSocket('udp4');
  u.on('message', (m, from) => u.send(greeting, from.port, from.address));
  u.bind(port, ip, bound);
}
`;

/** Each probe: the first line the peer sent back, or null when nothing came within the timeout (or the connection failed). UDP datagrams are resent every 250 ms until answered. */
const PROBE_L4 = `
const net = require('net');
const dgram = require('dgram');
const probes = JSON.parse(process.argv[1]);
const ms = Number(process.argv[2]);
const tcp = (p) => new Promise((resolve) => {
  let text = '';
  const s = net.connect(p.port, p.ip);
  const done = (answer) => { clearTimeout(timer); s.destroy(); resolve(answer); };
  const timer = setTimeout(() => done(null), ms);
  s.on('data', (d) => { text += d; if (text.includes('\\n')) done(text.split('\\n')[0]); });
  s.on('end', () => done(text || null));
  s.on('error', () => done(null));
});
const udp = (p) => new Promise((resolve) => {
  const s = dgram.createSocket('udp4');
  const send = () => s.send('probe', p.port, p.ip, () => {});
  const resend = setInterval(send, 250);
  const done = (answer) => { clearTimeout(timer); clearInterval(resend); s.close(); resolve(answer); };
  const timer = setTimeout(() => done(null), ms);
  s.on('message', (m) => done(String(m).split('\\n')[0]));
  s.on('error', () => done(null));
  send();
});
Promise.all(probes.map((p) => (p.protocol === 'udp' ? udp(p) : tcp(p)))).then((answers) => console.log(JSON.stringify(answers)));
`;

/** Each probe: the address the matching reply (same identifier and sequence) came from, or null. Requests are resent every 250 ms until answered. */
const PROBE_ICMP = `
import json, os, socket, struct, sys, time
probes, timeout = json.loads(sys.argv[1]), float(sys.argv[2]) / 1000
REPLY = {8: 0, 13: 14}
ident = os.getpid() & 0xffff

def checksum(data):
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xffff)
    return ~(total + (total >> 16)) & 0xffff

def request(seq, kind):
    # A timestamp request carries three 32-bit timestamps; an echo request any payload.
    body = bytes(12) if kind == 13 else b'loom-probe'
    head = struct.pack('!BBHHH', kind, 0, 0, ident, seq)
    return struct.pack('!BBHHH', kind, 0, checksum(head + body), ident, seq) + body

sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
answers = [None] * len(probes)
deadline = time.monotonic() + timeout
resend_at = 0
while None in answers and time.monotonic() < deadline:
    now = time.monotonic()
    if now >= resend_at:
        for seq, p in enumerate(probes):
            if answers[seq] is None:
                sock.sendto(request(seq, p['type']), (p['ip'], 0))
        resend_at = now + 0.25
    sock.settimeout(max(0.001, min(deadline, resend_at) - now))
    try:
        data, (source, _) = sock.recvfrom(2048)
    except socket.timeout:
        continue
    offset = (data[0] & 0x0f) * 4
    kind, _, _, got_ident, seq = struct.unpack('!BBHHH', data[offset:offset + 8])
    if got_ident == ident and seq < len(probes) and kind == REPLY[probes[seq]['type']]:
        answers[seq] = source
print(json.dumps(answers))
`;

export const ICMP_TYPES = { echo: 8, timestamp: 13 } as const;
export type IcmpRequest = keyof typeof ICMP_TYPES;

export type Probe = { protocol: 'tcp' | 'udp'; ip: string; port: number } | { protocol: 'icmp'; ip: string; type: IcmpRequest };

/** Listens on `ip` at each of `tcpPorts` and `udpPorts`; resolves once all are bound. Stop it with `stop()`. */
export async function listen(ns: Netns, ip: string, tcpPorts: readonly number[], udpPorts: readonly number[] = []): Promise<PodProcess> {
  const what = [...tcpPorts.map((p) => `tcp/${p}`), ...udpPorts.map((p) => `udp/${p}`)].join(',');
  const proc = trackProcess(`listen ${ip} ${what}`, ns.spawn(NODE, ['-e', LISTEN, ip, JSON.stringify(tcpPorts), JSON.stringify(udpPorts)], { stdio: ['ignore', 'pipe', 'pipe'] }), () => undefined);
  await proc.waitFor(/listening/);
  return proc;
}

/**
 * Runs `probes` from `ns` at once; for each, what came back: the listener's greeting
 * (`hello <ip>`, TCP and UDP) or the replying address (ICMP), or null when nothing did
 * within `timeoutMs`.
 */
export async function answers(ns: Netns, probes: readonly Probe[], timeoutMs = 1000): Promise<(string | null)[]> {
  const l4 = probes.flatMap((p, i) => (p.protocol === 'icmp' ? [] : [i]));
  const icmp = probes.flatMap((p, i) => (p.protocol === 'icmp' ? [i] : []));
  // The programs end on their own timeout; the exec timeout only guards against a hung one.
  const run = async (indices: number[], cmd: string, args: string[], spec: unknown[]): Promise<(string | null)[]> =>
    indices.length ? JSON.parse(await ns.exec(cmd, [...args, JSON.stringify(spec), String(timeoutMs)], { timeoutMs: timeoutMs + 10_000 })) : [];
  const icmpSpec = icmp.map((i) => {
    const p = probes[i] as Extract<Probe, { protocol: 'icmp' }>;
    return { ip: p.ip, type: ICMP_TYPES[p.type] };
  });
  const [l4Answers, icmpAnswers] = await Promise.all([run(l4, NODE, ['-e', PROBE_L4], l4.map((i) => probes[i])), run(icmp, PYTHON, ['-c', PROBE_ICMP], icmpSpec)]);
  const out: (string | null)[] = new Array(probes.length);
  l4.forEach((at, j) => (out[at] = l4Answers[j]));
  icmp.forEach((at, j) => (out[at] = icmpAnswers[j]));
  return out;
}

/** Whether each of `probes` got its answer: the greeting (TCP, UDP) or a reply of the right type (ICMP). */
export async function probe(ns: Netns, probes: readonly Probe[], timeoutMs = 1000): Promise<boolean[]> {
  return (await answers(ns, probes, timeoutMs)).map((a, i) => a !== null && (probes[i].protocol === 'icmp' || a.startsWith('hello')));
}

/** Whether a TCP connection from `ns` to `ip:port` got the listener's greeting within `timeoutMs`. */
export async function connects(ns: Netns, ip: string, port: number, timeoutMs = 1500): Promise<boolean> {
  const [ok] = await probe(ns, [{ protocol: 'tcp', ip, port }], timeoutMs);
  return ok;
}

