import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The real `loom` binary (bin/loom.js → dist/, built by `npm test`), for tests that
 * exercise what a user types.
 */
export const LOOM_BIN = path.join(__dirname, '../../bin/loom.js');

export interface LoomUp {
  xds: string;
  api: string;
  /** The embedded registry's Consul-compatible HTTP API (a URL) and DNS (host:port). */
  consulApi: string;
  dns: string;
  /** Where the OpenFlow controller listens (`tcp:…`). */
  openflow: string[];
  dataDir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface LoomUpOptions {
  /** Where the OpenFlow controller listens; default a free TCP port on loopback. */
  openflow?: readonly string[];
  /** `--state`; default the data dir's file. */
  state?: string;
  /** LOOM_LOG_LEVEL; default warn. */
  logLevel?: string;
}

/** Starts `loom up` on free ports and waits for its "Loom is up" line. */
export async function startLoomUp(dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-')), options: LoomUpOptions = {}): Promise<LoomUp> {
  const openflow = (options.openflow ?? ['tcp:127.0.0.1:0']).flatMap((a) => ['--openflow', a]);
  const args = ['up', '--xds', '127.0.0.1:0', '--api', '127.0.0.1:0', '--consul-api', '127.0.0.1:0', '--dns', '127.0.0.1:0', ...openflow, '--data-dir', dataDir, ...(options.state ? ['--state', options.state] : [])];
  const child = spawn(process.execPath, [LOOM_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOOM_LOG_LEVEL: options.logLevel ?? 'warn' },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`loom up did not start within 15 s:\n${stderr}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.split('\n')[0]);
      }
    });
    child.once('exit', (code) => reject(new Error(`loom up exited with ${code}:\n${stderr}`)));
  });
  const m = /^Loom is up: xDS (\S+), API (\S+), Consul API (\S+), DNS (\S+), OpenFlow (.+)$/.exec(line);
  if (!m) throw new Error(`unexpected first line from loom up: ${line}`);
  return {
    xds: m[1],
    api: m[2],
    consulApi: m[3],
    dns: m[4],
    openflow: m[5].split(' '),
    dataDir,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs one `loom` command to completion. */
export function loom(args: string[], env: Record<string, string> = {}, input?: string): CliResult {
  const r = spawnSync(process.execPath, [LOOM_BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOOM_LOG_LEVEL: 'warn', ...env }, input, timeout: 30_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
