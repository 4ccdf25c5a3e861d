import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { CommandRunner } from '../../../sidecar/redirect/command-runner';

/**
 * A pod and the world outside it, as two network namespaces joined by a veth:
 *   pod      10.249.0.2/24                 (route to 10.249.1.0/24 via outside)
 *   outside  10.249.0.1/24, 10.249.1.1/24
 * Peers (fixtures/netns-peers.py) run in either, under any UID. `destroy()` kills every
 * process started here and deletes both namespaces.
 */
export const POD_IP = '10.249.0.2';
export const OUTSIDE_IP = '10.249.0.1';
export const OUTSIDE_OTHER_NET_IP = '10.249.1.1';

const PEERS = path.join(__dirname, '../redirect/fixtures/netns-peers.py');
/** Debian's interpreter: a per-user one (pyenv) may not be readable by the UIDs peers run as. */
const PYTHON = '/usr/bin/python3';

export class PodNetns {
  readonly pod: string;
  readonly outside: string;
  private readonly children: ChildProcess[] = [];

  constructor() {
    const id = randomBytes(3).toString('hex');
    this.pod = `loom-pod-${id}`;
    this.outside = `loom-out-${id}`;
    const veth = `lv${id}`;
    try {
      for (const cmd of [
        `netns add ${this.pod}`,
        `netns add ${this.outside}`,
        `link add ${veth}p netns ${this.pod} type veth peer name ${veth}o netns ${this.outside}`,
        `-n ${this.pod} link set lo up`,
        `-n ${this.outside} link set lo up`,
        `-n ${this.pod} addr add ${POD_IP}/24 dev ${veth}p`,
        `-n ${this.outside} addr add ${OUTSIDE_IP}/24 dev ${veth}o`,
        `-n ${this.outside} addr add ${OUTSIDE_OTHER_NET_IP}/24 dev ${veth}o`,
        `-n ${this.pod} link set ${veth}p up`,
        `-n ${this.outside} link set ${veth}o up`,
        `-n ${this.pod} route add 10.249.1.0/24 via ${OUTSIDE_IP}`,
      ]) {
        ip(cmd.split(' '));
      }
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  /** Runs a command in the pod's namespace, as iptables and nft run in the init container. */
  readonly runInPod: CommandRunner = (command, args, input) => {
    const r = spawnSync('ip', ['netns', 'exec', this.pod, command, ...args], { input, encoding: 'utf8', timeout: 30_000 });
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };

  /** Starts a long-lived peer and waits until it listens. */
  async start(ns: string, uid: number, args: string[]): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', ns, ...asUid(uid), PYTHON, PEERS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`peer ${args.join(' ')} did not start: ${stderr}`)), 5000);
      child.stdout!.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`peer ${args.join(' ')} exited with ${code}: ${stderr}`));
      });
    });
  }

  /** Connects from `ns` as `uid` and returns what the other side said, line by line. */
  connect(ns: string, uid: number, host: string, port: number): string[] {
    const r = spawnSync('ip', ['netns', 'exec', ns, ...asUid(uid), PYTHON, PEERS, 'client', host, String(port)], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) return [`connect failed: ${r.stderr.trim().split('\n').pop()}`];
    return r.stdout.trim().split('\n');
  }

  destroy(): void {
    for (const child of this.children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const ns of [this.pod, this.outside]) spawnSync('ip', ['netns', 'del', ns]);
  }
}

function asUid(uid: number): string[] {
  return uid === 0 ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr}`);
}
