import { PROXY_PORTS, PROXY_SERVED_INBOUND_PORTS } from './proxy-ports';
import { cidrFamily, type RedirectConfig } from './redirect-config';

/**
 * The redirect as a native nftables table (`inet`: IPv4 and IPv6 at once), written the
 * way `nft list table inet loom` prints it back, so the listing tells whether anything
 * would change. One rule per excluded value: anonymous interval sets refuse overlapping
 * CIDRs, separate rules do not care.
 */
export const NFT_TABLE = { family: 'inet', name: 'loom' } as const;

export function nftTableListing(config: RedirectConfig): string {
  const chain = (name: string, rules: string[]) => [`\tchain ${name} {`, ...rules.map((r) => `\t\t${r}`), '\t}'].join('\n');
  const address = (cidr: string) => {
    const [ip, prefix] = cidr.split('/');
    const keyword = cidrFamily(cidr) === 6 ? 'ip6' : 'ip';
    return `${keyword} daddr ${prefix === (keyword === 'ip' ? '32' : '128') ? ip : cidr} return`;
  };
  const chains = [
    chain('prerouting', ['type nat hook prerouting priority dstnat; policy accept;', 'meta l4proto tcp jump inbound']),
    chain('inbound', [
      ...[...PROXY_SERVED_INBOUND_PORTS, ...config.excludeInboundPorts].map((p) => `tcp dport ${p} return`),
      `meta l4proto tcp redirect to :${PROXY_PORTS.inbound}`,
    ]),
    chain('output', ['type nat hook output priority -100; policy accept;', 'meta l4proto tcp jump outbound']),
    chain('outbound', [
      // Loopback covers localhost and the pod's own IP, including the proxy handing an
      // inbound connection to the app.
      'oifname "lo" return',
      ...[config.proxyUid, ...config.excludeOutboundUids].map((uid) => `meta skuid ${uid} return`),
      ...config.excludeOutboundPorts.map((p) => `tcp dport ${p} return`),
      ...config.excludeOutboundCidrs.map(address),
      `meta l4proto tcp redirect to :${PROXY_PORTS.outbound}`,
    ]),
  ];
  return `table ${NFT_TABLE.family} ${NFT_TABLE.name} {\n${chains.join('\n\n')}\n}\n`;
}

/**
 * `nft -f` input that replaces Loom's table in one transaction: declaring the table first
 * makes the delete succeed whether or not it existed, so applying never fails on what a
 * previous run left.
 */
export function nftScript(config: RedirectConfig): string {
  const table = `${NFT_TABLE.family} ${NFT_TABLE.name}`;
  return `table ${table}\ndelete table ${table}\n${nftTableListing(config)}`;
}
