import { PROXY_PORTS, PROXY_SERVED_INBOUND_PORTS } from './proxy-ports';
import { cidrFamily, type RedirectConfig } from './redirect-config';

/**
 * The redirect as `iptables-restore` input: nat table, two chains of Loom's own, entered
 * from PREROUTING (inbound) and OUTPUT (outbound). Rules are written exactly as
 * `iptables-save` prints them back, so comparing the installed rules with these lines
 * tells whether anything would change.
 */
export const IPTABLES_CHAINS = { inbound: 'LOOM_INBOUND', outbound: 'LOOM_OUTPUT' } as const;

export type IpFamily = 4 | 6;

/** Loom's lines of the nat table for one address family, in `iptables-save` form. */
export interface IptablesRules {
  chains: string[];
  /** Rules in the built-in chains that enter Loom's chains. */
  jumps: string[];
  rules: string[];
}

export function iptablesRules(config: RedirectConfig, family: IpFamily): IptablesRules {
  const { inbound, outbound } = IPTABLES_CHAINS;
  const tcpPort = (chain: string, port: number) => `-A ${chain} -p tcp -m tcp --dport ${port} -j RETURN`;
  return {
    chains: [`:${inbound} - [0:0]`, `:${outbound} - [0:0]`],
    jumps: [`-A PREROUTING -p tcp -j ${inbound}`, `-A OUTPUT -p tcp -j ${outbound}`],
    rules: [
      ...[...PROXY_SERVED_INBOUND_PORTS, ...config.excludeInboundPorts].map((p) => tcpPort(inbound, p)),
      `-A ${inbound} -p tcp -j REDIRECT --to-ports ${PROXY_PORTS.inbound}`,
      // Loopback covers localhost and the pod's own IP, including the proxy handing an
      // inbound connection to the app.
      `-A ${outbound} -o lo -j RETURN`,
      ...[config.proxyUid, ...config.excludeOutboundUids].map((uid) => `-A ${outbound} -m owner --uid-owner ${uid} -j RETURN`),
      ...config.excludeOutboundPorts.map((p) => tcpPort(outbound, p)),
      ...config.excludeOutboundCidrs.filter((c) => cidrFamily(c) === family).map((c) => `-A ${outbound} -d ${c} -j RETURN`),
      `-A ${outbound} -p tcp -j REDIRECT --to-ports ${PROXY_PORTS.outbound}`,
    ],
  };
}

/** The whole redirect for one family as `iptables-restore --noflush` input (dry run, docs). */
export function iptablesRestoreText(r: IptablesRules): string {
  return ['*nat', ...r.chains, ...r.jumps, ...r.rules, 'COMMIT', ''].join('\n');
}

/** Loom's lines in `iptables-save -t nat` output: its chains, its rules, and the jumps into them. */
export function installedIptablesRules(saved: string): IptablesRules {
  const ours = Object.values(IPTABLES_CHAINS) as string[];
  const lines = saved.split('\n');
  return {
    chains: lines.filter((l) => ours.some((c) => l.startsWith(`:${c} `))),
    jumps: lines.filter((l) => /^-A (PREROUTING|OUTPUT) /.test(l) && ours.some((c) => l.endsWith(` -j ${c}`))),
    rules: lines.filter((l) => ours.some((c) => l.startsWith(`-A ${c} `))),
  };
}

/**
 * One transaction that turns `installed` into `desired`: declaring a chain under
 * `--noflush` creates it or empties it, stale jumps are deleted by their saved text,
 * and nothing outside Loom's chains is touched.
 */
export function iptablesUpdateText(installed: IptablesRules, desired: IptablesRules): string {
  return ['*nat', ...desired.chains, ...installed.jumps.map((j) => j.replace(/^-A /, '-D ')), ...desired.jumps, ...desired.rules, 'COMMIT', ''].join('\n');
}

export function sameRules(a: IptablesRules, b: IptablesRules): boolean {
  const key = (r: IptablesRules) => JSON.stringify([r.chains, r.jumps, r.rules]);
  return key(a) === key(b);
}
