import { trackProcess, type PodProcess } from '../../../harness/cluster-process';
import { CommandError, type Netns } from '../../../harness/netns';

/**
 * TCP from inside pod namespaces, with Node itself (on every test machine; netcat is not):
 * a listener on several ports that greets whoever connects, and a probe that says whether
 * a connection got the greeting back — so a pass means both directions of the connection
 * went through the pipeline.
 */

const NODE = process.execPath;

const LISTEN = `
const net = require('net');
const [ip, ...ports] = process.argv.slice(1);
let listening = 0;
for (const port of ports) {
  net.createServer((s) => { s.on('error', () => {}); s.end('hello\\n'); })
    .listen(Number(port), ip, () => ++listening === ports.length && console.log('listening'));
}
`;

const PROBE = `
const net = require('net');
const [ip, port, ms] = process.argv.slice(1);
setTimeout(() => process.exit(3), Number(ms));
net.connect(Number(port), ip)
  .on('data', (d) => process.exit(String(d).startsWith('hello') ? 0 : 4))
  .on('error', () => process.exit(2));
`;

/** Listens on `ip` at each of `ports`; resolves once all are bound. Stop it with `stop()`. */
export async function listen(ns: Netns, ip: string, ports: readonly number[]): Promise<PodProcess> {
  const proc = trackProcess(`listen ${ip} ${ports.join(',')}`, ns.spawn(NODE, ['-e', LISTEN, ip, ...ports.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] }), () => undefined);
  await proc.waitFor(/listening/);
  return proc;
}

/** Whether a TCP connection from `ns` to `ip:port` got the listener's greeting within `timeoutMs`. */
export async function connects(ns: Netns, ip: string, port: number, timeoutMs = 1500): Promise<boolean> {
  try {
    await ns.exec(NODE, ['-e', PROBE, ip, String(port), String(timeoutMs)]);
    return true;
  } catch (err) {
    if (err instanceof CommandError && [2, 3].includes(err.exitCode ?? -1)) return false;
    throw err;
  }
}
