import { execFile, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * Network namespaces for simulated hosts, and running commands (to completion) with
 * errors that carry the command line and its stderr. Needs root.
 */

/** A command exited non-zero (or could not start); `stderr` says why. */
export class CommandError extends Error {
  constructor(
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`\`${command.join(' ')}\` failed${exitCode === null ? '' : ` with exit code ${exitCode}`}: ${stderr.trim() || stdout.trim() || (options?.cause as Error)?.message || 'no output'}`, options);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Default 30000. */
  timeoutMs?: number;
}

/** Runs a command to completion and resolves with its stdout. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new CommandError([cmd, ...args], typeof err.code === 'number' ? err.code : null, stdout, stderr, { cause: err }));
      else resolve(stdout);
    });
  });
}

let created = 0;

/** `loom-<name>-<pid>-<n>`: distinct across jest workers (pid) and within one (n). */
export function uniqueNetnsName(name: string): string {
  return `loom-${name}-${process.pid}-${++created}`;
}

export class Netns {
  private deleted = false;

  private constructor(readonly name: string) {}

  /** Creates a namespace with a unique name built from `name`, loopback up. */
  static async create(name: string): Promise<Netns> {
    const netns = new Netns(uniqueNetnsName(name));
    await run('ip', ['netns', 'add', netns.name]);
    try {
      await run('ip', ['-n', netns.name, 'link', 'set', 'lo', 'up']);
    } catch (err) {
      await netns.delete();
      throw err;
    }
    return netns;
  }

  /** Runs a command inside the namespace to completion; resolves with its stdout. */
  exec(cmd: string, args: readonly string[] = [], options: RunOptions = {}): Promise<string> {
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], options);
  }

  /** Starts a long-running command inside the namespace. `ip netns exec` execs it, so the child's pid is the command's. */
  spawn(cmd: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.name, cmd, ...args], options);
  }

  /** Idempotent. Processes still inside keep the namespace alive until they exit, but the name is gone. */
  async delete(): Promise<void> {
    if (this.deleted) return;
    this.deleted = true;
    await run('ip', ['netns', 'delete', this.name]).catch(() => undefined);
  }

  /** For process exit hooks, where nothing asynchronous runs any more. */
  deleteSync(): void {
    if (this.deleted) return;
    this.deleted = true;
    spawnSync('ip', ['netns', 'delete', this.name]);
  }
}
