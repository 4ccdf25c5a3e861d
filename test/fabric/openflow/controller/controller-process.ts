import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

/**
 * Runs controller-child.ts as a separate node process, so a test can kill a controller the
 * way a crash does (SIGKILL: no goodbye, the kernel closes its sockets). The TypeScript is
 * compiled on load with swc, as jest does for the tests themselves.
 */

export interface ChildConfig {
  name: string;
  listen: string[];
  electionDir: string;
  leaseMs: number;
  renewMs: number;
  dpids: string[];
  /** The port its flows output to: tells whose flows are installed. */
  port: number;
}

export type ChildReport = { leader: boolean } | { synced: string } | { error: string };

const LOAD_TYPESCRIPT = `
const swc = require(${JSON.stringify(require.resolve('@swc/core'))});
const fs = require('fs');
require.extensions['.ts'] = (m, file) => m._compile(swc.transformSync(fs.readFileSync(file, 'utf8'), {
  filename: file, jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' },
}).code, file);
require(process.argv[1]);
`;

export interface ControllerProcess {
  child: ChildProcess;
  /** Resolves with the first report `match` accepts (reports already seen included). */
  report(match: (r: ChildReport) => boolean, timeoutMs?: number): Promise<ChildReport>;
  kill(): Promise<void>;
}

export function startControllerProcess(config: ChildConfig): ControllerProcess {
  const child = spawn(process.execPath, ['-e', LOAD_TYPESCRIPT, path.join(__dirname, 'controller-child.ts'), JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const reports: ChildReport[] = [];
  const waiters: (() => void)[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    reports.push(JSON.parse(line) as ChildReport);
    waiters.splice(0).forEach((w) => w());
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    report: (match, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${config.name}: no matching report within ${timeoutMs} ms; got ${JSON.stringify(reports)}\n${stderr}`)), timeoutMs);
        const check = () => {
          const r = reports.find(match);
          if (r) {
            clearTimeout(timer);
            resolve(r);
          } else waiters.push(check);
        };
        check();
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
