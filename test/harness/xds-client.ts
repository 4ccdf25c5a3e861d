import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

/**
 * Drives a real third-party xDS client in a child process (grpc-js + grpc-js-xds, or
 * gRPC C-core through Debian's python3-grpcio) against an xDS server, and reports which
 * backend each RPC landed on (see echo-backend.ts). The protocol is described in
 * clients/xds-client-node.js. Set GRPC_TRACE=xds_client,xds_resolver and
 * GRPC_VERBOSITY=DEBUG on the test run to see the clients' xDS traffic in failures.
 */

export const xdsClientKinds = ['node', 'python'] as const;
export type XdsClientKind = (typeof xdsClientKinds)[number];

export interface XdsClientOptions {
  /** The xDS server, `host:port`. */
  xdsServer: string;
  nodeId: string;
}

export interface CallOptions {
  metadata?: Record<string, string>;
  /** Deadline of each RPC; default 2000. */
  timeoutMs?: number;
  /** RPCs in flight at once; default 10. */
  concurrency?: number;
}

export interface CallResult {
  /** Backend name → RPCs it answered. */
  results: Record<string, number>;
  /** `code message` → RPCs that failed so (node: `14 UNAVAILABLE: …`, python: `UNAVAILABLE …`). */
  errors: Record<string, number>;
}

export interface CallUntilOptions extends Omit<CallOptions, 'timeoutMs'> {
  /** Give up after this long (plus at most one batch); the error shows the last result. */
  timeoutMs: number;
  /** RPCs per attempt; default 10. */
  batch?: number;
  /** Deadline of each RPC; default 1000. */
  rpcTimeoutMs?: number;
}

const CLIENTS_DIR = path.join(__dirname, 'clients');
// Debian's interpreter: the one with grpcio. The python3 on PATH may be another one.
const PYTHON = '/usr/bin/python3';
const STDERR_LINES_KEPT = 200;
const READY_TIMEOUT_MS = 15_000;
const CLOSE_TIMEOUT_MS = 5_000;
/** Beyond the RPC deadlines: process start-up, scheduling, a slow CI machine. */
const COMMAND_SLACK_MS = 5_000;

interface Pending {
  resolve: (answer: Record<string, unknown>) => void;
  reject: (err: Error) => void;
}

export class XdsClientProcess {
  private readonly pending = new Map<number, Pending>();
  private readonly stderrTail: string[] = [];
  private nextId = 0;
  /** Why the process can no longer answer, once it cannot. */
  private gone: string | undefined;
  /** Why we killed it, if we did: a better explanation than its exit signal. */
  private killedBecause: string | undefined;
  private readonly exited: Promise<void>;
  private readonly ready: Promise<void>;

  private constructor(
    readonly kind: XdsClientKind,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly tempDir: string,
  ) {
    let onReady!: () => void;
    let onNotReady!: (err: Error) => void;
    this.ready = new Promise((resolve, reject) => ((onReady = resolve), (onNotReady = reject)));

    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_LINES_KEPT) this.stderrTail.shift();
    });
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line);
      } catch {
        this.stderrTail.push(`[stdout, not JSON] ${line}`);
        return;
      }
      if (message.ready === true) return onReady();
      const waiter = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
      if (!waiter) {
        this.stderrTail.push(`[stdout, unexpected] ${line}`);
        return;
      }
      this.pending.delete(message.id as number);
      if (typeof message.error === 'string') waiter.reject(this.failure(`command ${message.id} failed: ${message.error}`));
      else waiter.resolve(message);
    });
    // A write to a dead child fails with EPIPE; the exit handler reports why it died.
    child.stdin.on('error', () => {});

    this.exited = new Promise((resolve) => {
      const onGone = (why: string) => {
        this.gone ??= this.killedBecause ? `${this.killedBecause} (${why})` : why;
        const err = this.failure(this.gone);
        onNotReady(err);
        for (const waiter of this.pending.values()) waiter.reject(err);
        this.pending.clear();
        resolve();
      };
      child.on('error', (err) => onGone(`${kind} xDS client could not run: ${err.message}`));
      // 'close', not 'exit': by then its last stderr lines have been read.
      child.on('close', (code, signal) => onGone(`${kind} xDS client exited (${signal ?? `code ${code}`})`));
    });
    // A failed start is reported by start(); this keeps it from also being an unhandled rejection.
    this.ready.catch(() => {});
  }

  static async start(kind: XdsClientKind, opts: XdsClientOptions): Promise<XdsClientProcess> {
    const bootstrap = JSON.stringify({
      xds_servers: [{ server_uri: opts.xdsServer, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: opts.nodeId, cluster: 'test', locality: {} },
    });
    const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-xds-client-'));
    const bootstrapFile = path.join(tempDir, 'bootstrap.json');
    fs.writeFileSync(bootstrapFile, bootstrap);

    // Both clients read GRPC_XDS_BOOTSTRAP (a file) before GRPC_XDS_BOOTSTRAP_CONFIG: set
    // both, so neither can pick up a bootstrap inherited from the test's environment.
    const env = { ...process.env, GRPC_XDS_BOOTSTRAP: bootstrapFile, GRPC_XDS_BOOTSTRAP_CONFIG: bootstrap };
    const [command, args] =
      kind === 'node' ? [process.execPath, [path.join(CLIENTS_DIR, 'xds-client-node.js')]] : [PYTHON, [path.join(CLIENTS_DIR, 'xds_client.py')]];
    const client = new XdsClientProcess(kind, spawn(command, args, { env, stdio: 'pipe' }), tempDir);

    const timer = setTimeout(() => client.kill(`${kind} xDS client not ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    try {
      await client.ready;
    } catch (err) {
      await client.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return client;
  }

  /** Makes `count` RPCs to `target` on the process's one channel for it. */
  async call(target: string, count: number, opts: CallOptions = {}): Promise<CallResult> {
    const { metadata = {}, timeoutMs = 2000, concurrency = 10 } = opts;
    // Each wave of `concurrency` RPCs ends by its deadline at the latest.
    const limitMs = Math.ceil(count / Math.max(1, concurrency)) * timeoutMs + COMMAND_SLACK_MS;
    const answer = await this.send({ op: 'call', target, count, metadata, timeoutMs, concurrency }, limitMs);
    return { results: answer.results as Record<string, number>, errors: answer.errors as Record<string, number> };
  }

  /**
   * Calls in small batches until `predicate` holds for a batch's result, e.g. until the
   * client has caught up with a config change. Throws with the last result on timeout.
   */
  async callUntil(target: string, predicate: (result: CallResult) => boolean, opts: CallUntilOptions): Promise<CallResult> {
    const { timeoutMs, batch = 10, rpcTimeoutMs = 1000, ...callOpts } = opts;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await this.call(target, batch, { ...callOpts, timeoutMs: rpcTimeoutMs });
      if (predicate(result)) return result;
      if (Date.now() >= deadline) {
        throw this.failure(`${this.kind} xDS client: condition not met within ${timeoutMs} ms for ${target}; last result ${JSON.stringify(result)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Asks the process to exit (killing it if it does not) and removes its files. Idempotent. */
  async close(): Promise<void> {
    if (!this.gone) {
      const timer = setTimeout(() => this.kill(`${this.kind} xDS client did not close within ${CLOSE_TIMEOUT_MS} ms`), CLOSE_TIMEOUT_MS);
      this.send({ op: 'close' }, CLOSE_TIMEOUT_MS).catch(() => {});
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.tempDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The child's recent stderr, for error messages. */
  stderr(): string {
    return this.stderrTail.join('\n');
  }

  private kill(why: string): void {
    this.killedBecause ??= why;
    this.child.kill('SIGKILL');
  }

  private send(command: Record<string, unknown>, limitMs: number): Promise<Record<string, unknown>> {
    if (this.gone) return Promise.reject(this.failure(this.gone));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(this.failure(`${this.kind} xDS client did not answer ${JSON.stringify(command)} within ${limitMs} ms`));
      }, limitMs);
      this.pending.set(id, {
        resolve: (answer) => (clearTimeout(timer), resolve(answer)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      });
      this.child.stdin.write(JSON.stringify({ id, ...command }) + '\n');
    });
  }

  private failure(message: string): Error {
    const tail = this.stderr();
    return new Error(tail ? `${message}\n--- ${this.kind} client stderr, most recent lines ---\n${tail}` : message);
  }
}
