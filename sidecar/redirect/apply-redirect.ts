import { LoomError } from '../../src/errors';
import { detectBackend, type Backend } from './backend';
import type { CommandRunner } from './command-runner';
import { installedIptablesRules, iptablesRestoreText, iptablesRules, iptablesUpdateText, sameRules, type IpFamily } from './iptables-rules';
import { NFT_TABLE, nftScript, nftTableListing } from './nft-rules';
import type { RedirectConfig } from './redirect-config';

/**
 * Installs the redirect. Atomic: each write is one `iptables-restore` or `nft -f`
 * transaction, and with iptables both address families are test-loaded before either is
 * committed. Idempotent: the installed rules are read back first and nothing is written
 * when they already match.
 */
export interface ApplyResult {
  backend: Backend;
  /** Why `backend` was chosen, when it was detected rather than asked for. */
  detected?: string;
  changed: boolean;
}

export function applyRedirect(config: RedirectConfig, backend: Backend | 'auto', run: CommandRunner): ApplyResult {
  const detection = backend === 'auto' ? detectBackend(run) : undefined;
  const chosen = detection?.backend ?? (backend as Backend);
  const changed = chosen === 'nft' ? applyNft(config, run) : applyIptables(config, chosen, run);
  return { backend: chosen, detected: detection?.reason, changed };
}

/** What `applyRedirect` would write, for `--dry-run`. */
export function redirectRulesText(config: RedirectConfig, backend: Backend): string {
  if (backend === 'nft') return `# nft -f -\n${nftScript(config)}`;
  return ([4, 6] as const).map((family) => `# ${restoreCommand(backend, family)} --noflush\n${iptablesRestoreText(iptablesRules(config, family))}`).join('\n');
}

function applyIptables(config: RedirectConfig, backend: 'iptables-legacy' | 'iptables-nft', run: CommandRunner): boolean {
  const updates = ([4, 6] as const).flatMap((family) => {
    const saved = must(run, backend === 'iptables-legacy' ? `${family === 4 ? 'ip' : 'ip6'}tables-legacy-save` : `${family === 4 ? 'ip' : 'ip6'}tables-nft-save`, ['-t', 'nat']);
    const installed = installedIptablesRules(saved);
    const desired = iptablesRules(config, family);
    return sameRules(installed, desired) ? [] : [{ family, text: iptablesUpdateText(installed, desired) }];
  });
  for (const u of updates) must(run, restoreCommand(backend, u.family), ['--noflush', '--test'], u.text);
  for (const u of updates) must(run, restoreCommand(backend, u.family), ['--noflush'], u.text);
  return updates.length > 0;
}

function restoreCommand(backend: 'iptables-legacy' | 'iptables-nft', family: IpFamily): string {
  return `${family === 4 ? 'ip' : 'ip6'}tables-${backend === 'iptables-legacy' ? 'legacy' : 'nft'}-restore`;
}

function applyNft(config: RedirectConfig, run: CommandRunner): boolean {
  // A missing table lists as an error: that is simply "not installed yet".
  const listed = run('nft', ['list', 'table', NFT_TABLE.family, NFT_TABLE.name]);
  if (listed.status === 0 && listed.stdout === nftTableListing(config)) return false;
  must(run, 'nft', ['-f', '-'], nftScript(config));
  return true;
}

function must(run: CommandRunner, command: string, args: string[], input?: string): string {
  const r = run(command, args, input);
  if (r.status !== 0) {
    throw new LoomError(`${[command, ...args].join(' ')} failed (exit ${r.status}): ${r.stderr.trim() || r.stdout.trim()} (that transaction was not applied)`);
  }
  return r.stdout;
}
