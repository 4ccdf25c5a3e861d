import { execFile } from 'node:child_process';
import { LoomError } from '../../src/errors';

/**
 * The agent's hands outside OVSDB: `ip`, `sysctl`, `ethtool`, `ovs-appctl`, run to
 * completion, in the host's network namespace or a pod's. A namespace is entered with
 * `nsenter --net=PATH` (`ip -n` takes only names under /run/netns, and runtimes give
 * paths). Node has no netlink, and these tools are what an operator would type to see
 * the same state, so errors quote the command line and its stderr.
 */

export class CommandError extends LoomError {
  constructor(
    readonly command: readonly string[],
    readonly stderr: string,
    readonly exitCode: number | null,
    options?: { cause?: unknown },
  ) {
    super(`\`${command.join(' ')}\` failed${exitCode === null ? '' : ` (exit ${exitCode})`}: ${stderr.trim() || (options?.cause as Error | undefined)?.message || 'no output'}`, options);
  }
}

export interface Commands {
  /** The namespace path these commands run in; undefined: the agent's own. */
  readonly netns: string | undefined;
  /** Runs `cmd args…` and resolves with stdout. */
  run(cmd: string, args: readonly string[], options?: { input?: string }): Promise<string>;
  /** `ip -j …` parsed. */
  ipJson<T>(args: readonly string[]): Promise<T>;
  /** The same tools inside another namespace (a pod's). */
  inNetns(path: string): Commands;
}

const TIMEOUT_MS = 30_000;

export function localCommands(netns?: string): Commands {
  const commands: Commands = {
    netns,
    run(cmd, args, options = {}) {
      const argv = netns ? ['nsenter', `--net=${netns}`, cmd, ...args] : [cmd, ...args];
      return new Promise((resolve, reject) => {
        const child = execFile(argv[0], argv.slice(1), { timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
          if (err) reject(new CommandError(argv, stderr, typeof err.code === 'number' ? err.code : null, { cause: err }));
          else resolve(stdout);
        });
        if (options.input !== undefined) child.stdin?.end(options.input);
      });
    },
    async ipJson<T>(args: readonly string[]): Promise<T> {
      const out = await commands.run('ip', ['-j', ...args]);
      return (out.trim() === '' ? [] : JSON.parse(out)) as T;
    },
    inNetns: (path) => localCommands(path),
  };
  return commands;
}

/** `ip` says a device does not exist in several ways depending on the subcommand. */
export function isNoSuchDevice(err: unknown): boolean {
  return err instanceof CommandError && /Cannot find device|does not exist|No such device/.test(err.stderr);
}
