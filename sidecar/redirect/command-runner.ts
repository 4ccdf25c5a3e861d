import { spawnSync } from 'node:child_process';

/**
 * How the redirect runs iptables and nft. The init container runs them where it is (the
 * pod's network namespace); tests run them inside a namespace of their own.
 */
export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (command: string, args: string[], input?: string) => CommandResult;

export const runLocally: CommandRunner = (command, args, input) => {
  const r = spawnSync(command, args, { input, encoding: 'utf8', timeout: 30_000 });
  if (r.error) return { status: 127, stdout: '', stderr: `${command}: ${r.error.message}` };
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
};
