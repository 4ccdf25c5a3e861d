import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real redis-server for tests: on a free 127.0.0.1 port, in a fresh temp dir, without
 * persistence (`--save ''`, `--appendonly no`). It runs in the foreground as a child of
 * the test process, so `stop()` reaps it; `stop()` is idempotent, removes the dir, and
 * whatever a test forgot is killed when the process exits. `AsyncDisposable`:
 * `await using redis = await startRedis()`.
 */

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 3_000;
/** Another process may take the free port between our probe and redis-server's bind. */
const PORT_ATTEMPTS = 5;

export class RedisPrerequisiteError extends Error {
  constructor() {
    super('redis-server is not installed (not found in PATH): apt-get install -y redis-server, or scripts/setup.sh --test');
    this.name = 'RedisPrerequisiteError';
  }
}

export interface RedisServer extends AsyncDisposable {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The server's working dir (removed by `stop()`). */
  readonly dir: string;
  stop(): Promise<void>;
}

/** Servers not stopped yet, killed when the process exits; shared across jest's module registries. */
const LEFTOVERS = Symbol.for('loom.test.redis.leftovers');
const proc = process as NodeJS.Process & { [LEFTOVERS]?: Set<ChildProcess> };
const leftovers = (proc[LEFTOVERS] ??= (() => {
  const set = new Set<ChildProcess>();
  process.once('exit', () => {
    for (const child of set) child.kill('SIGKILL');
  });
  return set;
})());

/** Where redis-server is, looked up in `dirs` (default: PATH and where Debian installs it). */
export function redisServerPath(dirs = (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/sbin', '/usr/local/bin'])): string {
  const found = dirs.map((dir) => path.join(dir, 'redis-server')).find((file) => fs.existsSync(file));
  if (!found) throw new RedisPrerequisiteError();
  return found;
}

export async function startRedis(): Promise<RedisServer> {
  const binary = redisServerPath();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-redis-'));
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const started = await launch(binary, dir, port);
      if ('server' in started) return started.server;
      if (!/Address already in use/i.test(started.output) || attempt === PORT_ATTEMPTS) {
        throw new Error(`redis-server on port ${port} did not start: ${started.output.trim().split('\n').slice(-10).join('\n')}`);
      }
    }
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts redis-server and waits for "Ready to accept connections"; or resolves with its output if it exits first. */
function launch(binary: string, dir: string, port: number): Promise<{ server: RedisServer } | { output: string }> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', ''];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  leftovers.add(child);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let output = '';
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      output += `\nnot ready within ${READY_TIMEOUT_MS} ms`;
    }, READY_TIMEOUT_MS);
    const onData = (data: Buffer) => {
      output += data.toString();
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve({ server: new RunningRedis(child, exited, port, dir) });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
    child.once('error', (err) => (output += err.message));
    void exited.then(() => {
      clearTimeout(timer);
      leftovers.delete(child);
      resolve({ output });
    });
  });
}

class RunningRedis implements RedisServer {
  readonly url: string;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
    readonly port: number,
    readonly dir: string,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.child.kill('SIGTERM');
        const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await this.exited;
        clearTimeout(timer);
      }
      leftovers.delete(this.child);
      fs.rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
