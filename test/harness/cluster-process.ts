import type { ChildProcess } from 'node:child_process';

/**
 * A long-running command inside a pod (a listener, a continuous ping, an iperf3 server)
 * or another of the cluster's namespaces (tcpdump on the underlay), started by
 * `Cluster.spawn` or `Cluster.spawnIn`. Its output is kept; `stop()` ends it with SIGINT first, so
 * tools like ping print their summary, then SIGKILL if it lingers.
 */
export interface PodProcess {
  /** The command line, for messages. */
  readonly command: string;
  readonly child: ChildProcess;
  /** stdout so far. */
  output(): string;
  /** stderr so far. */
  errors(): string;
  /** Resolves with the exit code (null when killed by a signal) once it has exited. */
  readonly exited: Promise<number | null>;
  readonly running: boolean;
  /** Resolves once stdout matches `pattern`; rejects when the process exits first or after `timeoutMs` (default 10 s). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves once `check(stdout, stderr)` holds; `what` names the wait in errors. */
  waitUntil(check: (stdout: string, stderr: string) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Ends the process (SIGINT, then SIGKILL after 3 s) and resolves with all of its stdout. Idempotent. */
  stop(): Promise<string>;
}

const KILL_AFTER_MS = 3_000;

export function trackProcess(command: string, child: ChildProcess, onExit: () => void): PodProcess {
  let stdout = '';
  let stderr = '';
  let running = true;
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
    listeners.forEach((l) => l());
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
    listeners.forEach((l) => l());
  });
  const exited = new Promise<number | null>((resolve) => {
    const done = (code: number | null) => {
      if (!running) return;
      running = false;
      onExit();
      listeners.forEach((l) => l());
      resolve(code);
    };
    child.once('close', (code) => done(code));
    child.once('error', (err) => {
      stderr += err.message;
      done(-1);
    });
  });
  return {
    command,
    child,
    output: () => stdout,
    errors: () => stderr,
    exited,
    get running() {
      return running;
    },
    async waitFor(pattern, timeoutMs) {
      await this.waitUntil((out) => pattern.test(out), `printed ${pattern}`, timeoutMs);
      return pattern.exec(stdout)!;
    },
    waitUntil(test, what, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const output = () => stderr.trim() || stdout.trim() || 'no output';
        const check = () => {
          if (test(stdout, stderr)) finish(resolve);
          else if (!running) finish(() => reject(new Error(`\`${command}\` exited before it ${what}: ${output()}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`\`${command}\` has not ${what} within ${timeoutMs} ms: ${output()}`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (running) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
        await exited;
        clearTimeout(timer);
      }
      return stdout;
    },
  };
}
