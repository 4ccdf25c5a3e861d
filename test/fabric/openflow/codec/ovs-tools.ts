import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startFakeSwitch } from './fake-switch';

/** Running OVS's own tools: capturing what ovs-ofctl sends, and printing bytes as OVS reads them. */

const run = promisify(execFile);

/** OVS's tools are a test requirement: without them these suites fail, saying what to install, rather than skip. */
export function requireOvsOfctl(): void {
  try {
    execFileSync('ovs-ofctl', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    throw new Error('ovs-ofctl is not installed: apt-get install -y openvswitch-switch (scripts/setup.sh --test)', { cause: err });
  }
}

/** OVS's decoding of one message, as `ovs-ofctl ofp-print` prints it (without its timestamped log lines). */
export async function ofpPrint(bytes: Buffer): Promise<string> {
  const { stdout } = await run('ovs-ofctl', ['ofp-print', bytes.toString('hex')]);
  return stdout.trimEnd();
}

/** One ovs-ofctl invocation: arguments after the switch name; `{file}` is replaced by a file holding `file`. */
export interface OfctlCommand {
  name: string;
  /** Options before the command, e.g. `--strict`, `--bundle`. */
  options?: string[];
  command: string;
  args: string[];
  file?: string;
}

/** Every command runs with these: OpenFlow 1.3 only, and no table-name lookup (which needs table-features support). */
export const OFCTL_BASE = ['--no-names', '-O', 'OpenFlow13'];

export function commandLine(c: OfctlCommand): string {
  const args = c.args.map((a) => (a === '{file}' ? 'FILE' : `'${a}'`));
  return ['ovs-ofctl', ...OFCTL_BASE, ...(c.options ?? []), c.command, 'SWITCH', ...args].join(' ');
}

/** Runs the command against a fresh fake switch and returns the messages it sent, in order. */
export async function captureOfctl(c: OfctlCommand): Promise<Buffer[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-ofctl-'));
  const sw = await startFakeSwitch(path.join(dir, 'switch.sock'));
  try {
    const args = c.args.map((a) => {
      if (a !== '{file}') return a;
      const file = path.join(dir, 'input.txt');
      fs.writeFileSync(file, c.file ?? '');
      return file;
    });
    await run('ovs-ofctl', [...OFCTL_BASE, ...(c.options ?? []), c.command, `unix:${sw.path}`, ...args], { timeout: 10_000 });
    await sw.idle();
    return sw.received;
  } finally {
    await sw.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
