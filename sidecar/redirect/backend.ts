import { LoomError } from '../../src/errors';
import type { CommandRunner } from './command-runner';

/**
 * Which netfilter front end to program. Rules of two front ends both apply, so capturing
 * with one while the node's own rules live in the other leads to traffic that is
 * redirected twice or not at all: the choice follows what is already there.
 */
export const BACKENDS = ['iptables-legacy', 'iptables-nft', 'nft'] as const;
export type Backend = (typeof BACKENDS)[number];

/** kubelet (1.24+) creates this chain in the backend the node uses, as a hint for exactly this question. */
const KUBE_HINT_CHAIN = ':KUBE-IPTABLES-HINT ';

export interface Detection {
  backend: Backend;
  reason: string;
}

/**
 * In order: kubelet's hint chain; the iptables variant that already holds rules (the
 * most, if both do); an nf_tables-capable kernel (iptables-nft, the Debian/RHEL default);
 * legacy iptables; native nft when no iptables is installed at all.
 */
export function detectBackend(run: CommandRunner): Detection {
  const saves = (['iptables-legacy', 'iptables-nft'] as const).map((backend) => {
    const r = run(`${backend}-save`, []);
    return { backend, works: r.status === 0, text: r.stdout };
  });
  const hinted = saves.find((s) => s.text.includes(KUBE_HINT_CHAIN));
  if (hinted) return { backend: hinted.backend, reason: 'kubelet hint chain KUBE-IPTABLES-HINT' };
  const counted = saves.map((s) => ({ ...s, rules: s.text.split('\n').filter((l) => l.startsWith('-A ')).length })).sort((a, b) => b.rules - a.rules);
  if (counted[0].rules > 0) return { backend: counted[0].backend, reason: `${counted[0].rules} existing rules` };
  const working = saves.find((s) => s.works && s.backend === 'iptables-nft') ?? saves.find((s) => s.works);
  if (working) return { backend: working.backend, reason: 'no existing rules; the first variant that works here' };
  if (run('nft', ['list', 'tables']).status === 0) return { backend: 'nft', reason: 'no iptables here; nft works' };
  throw new LoomError('neither iptables (legacy or nft) nor nft works here; install iptables or nftables, or run with NET_ADMIN');
}
