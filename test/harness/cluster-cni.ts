import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { CniCall, CniOutcome } from './pod';

/**
 * The real plugin, run as a runtime runs it (CNI_* in the environment, the config on
 * stdin), found from wherever this file runs: the sources under jest (`test/harness/`) or
 * the compiled benchmark (`dist/test/harness/`). pod.ts's `invokeCni` does the same but
 * resolves `bin/loom-cni.js` relative to the sources only.
 */

function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'bin', 'loom-cni.js')) && fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no bin/loom-cni.js above ${__dirname}`);
  }
}

const ROOT = repoRoot();
export const PLUGIN = path.join(ROOT, 'bin', 'loom-cni.js');
const BUILT_PLUGIN = path.join(ROOT, 'dist', 'fabric', 'cni', 'main.js');

export function assertPluginBuilt(): void {
  if (!fs.existsSync(BUILT_PLUGIN)) throw new Error(`${BUILT_PLUGIN} is missing: the cluster runs the compiled plugin; run \`npx tsc -p .\` first`);
}

export function invokePlugin(call: CniCall): Promise<CniOutcome> {
  const args = typeof call.args === 'string' ? call.args : Object.entries(call.args ?? {}).map(([k, v]) => `${k}=${v}`).join(';');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, CNI_COMMAND: call.command, CNI_PATH: path.dirname(PLUGIN), CNI_IFNAME: call.ifname ?? 'eth0' };
  if (call.containerId !== undefined) env.CNI_CONTAINERID = call.containerId;
  if (call.netns !== undefined) env.CNI_NETNS = call.netns;
  if (args) env.CNI_ARGS = args;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PLUGIN], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      let json: Record<string, unknown> | undefined;
      try {
        json = stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ exitCode, stdout, stderr, json });
    });
    child.stdin.end(call.config === undefined ? '' : typeof call.config === 'string' ? call.config : JSON.stringify(call.config));
  });
}
