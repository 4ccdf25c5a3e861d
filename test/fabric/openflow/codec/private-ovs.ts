import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

/**
 * A throwaway Open vSwitch (ovsdb-server + ovs-vswitchd, userspace datapath) in a temp
 * directory, with one bridge whose datapath id and MAC addresses are fixed so its replies
 * are reproducible, and a raw OpenFlow connection to the bridge's management socket.
 * Used to record what a real switch sends; it needs root.
 */

const run = promisify(execFile);

/** Names unlikely to collide with other OVS instances' tap devices on this host. */
export const BRIDGE = 'loomcodec-br';
export const PORT1 = 'loomcodec-p1';
export const PORT2 = 'loomcodec-p2';

export interface PrivateOvs {
  dir: string;
  vsctl(...args: string[]): Promise<void>;
  connect(): Promise<RawConnection>;
  stop(): Promise<void>;
}

export async function startPrivateOvs(): Promise<PrivateOvs> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-ovs-'));
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir };
  const opts = { env, cwd: dir, timeout: 20_000 };
  await run('ovsdb-tool', ['create', path.join(dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema'], opts);
  await run('ovsdb-server', [path.join(dir, 'conf.db'), `--remote=punix:${dir}/db.sock`, '--pidfile', '--log-file', '--detach'], opts);
  const vsctl = async (...args: string[]) => {
    await run('ovs-vsctl', [`--db=unix:${dir}/db.sock`, ...args], opts);
  };
  await vsctl('--no-wait', 'init');
  await run('ovs-vswitchd', [`unix:${dir}/db.sock`, '--pidfile', '--log-file', '--detach'], opts);
  await vsctl(
    'add-br', BRIDGE,
    '--', 'set', 'bridge', BRIDGE, 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail_mode=secure',
    'other-config:datapath-id=0000000000000abc', 'other-config:hwaddr="02:00:00:00:00:fe"', 'other-config:disable-in-band=true',
    '--', 'add-port', BRIDGE, PORT1, '--', 'set', 'interface', PORT1, 'type=internal', 'ofport_request=1', 'mac="02:00:00:00:00:01"',
  );
  const stop = async () => {
    for (const daemon of ['ovs-vswitchd', 'ovsdb-server']) {
      const pidFile = path.join(dir, `${daemon}.pid`);
      if (!fs.existsSync(pidFile)) continue;
      const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { dir, vsctl, connect: () => RawConnection.open(path.join(dir, `${BRIDGE}.mgmt`)), stop };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** An OpenFlow connection at the byte level: frames by the length field, nothing more. */
export class RawConnection {
  private pending = Buffer.alloc(0);
  private inbox: Buffer[] = [];
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 8 && this.pending.length >= this.pending.readUInt16BE(2)) {
        const len = this.pending.readUInt16BE(2);
        this.inbox.push(Buffer.from(this.pending.subarray(0, len)));
        this.pending = this.pending.subarray(len);
      }
      this.wake?.();
    });
  }

  static open(socketPath: string): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(socketPath, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  send(...messages: Buffer[]): void {
    for (const m of messages) this.socket.write(m);
  }

  /**
   * Receives messages until each of `wanted` has accepted one, then for `settleMs` more
   * (asynchronous messages can trail the reply that prompted them); fails after `ms`.
   */
  async until(wanted: ((m: Buffer) => boolean)[], settleMs = 0, ms = 5000): Promise<Buffer[]> {
    const got: Buffer[] = [];
    const open = new Set(wanted);
    let deadline = Date.now() + ms;
    let settling = false;
    for (;;) {
      while (this.inbox.length) {
        const m = this.inbox.shift()!;
        got.push(m);
        for (const w of open) if (w(m)) open.delete(w);
      }
      if (open.size === 0 && !settling) {
        if (settleMs === 0) return got;
        settling = true;
        deadline = Date.now() + settleMs;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        if (settling) return got;
        throw new Error(`timed out; received ${got.map((m) => m.toString('hex')).join(' ')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
