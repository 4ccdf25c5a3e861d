import { redirectRulesText } from '../../../sidecar/redirect/apply-redirect';
import { detectBackend } from '../../../sidecar/redirect/backend';
import type { CommandRunner } from '../../../sidecar/redirect/command-runner';
import { parseCidrList, parsePortList, parseUidList } from '../../../sidecar/redirect/redirect-config';
import { runSidecarCommand } from '../harness/run-sidecar-command';

const CONFIG = {
  proxyUid: 1337,
  excludeInboundPorts: [8081],
  excludeOutboundPorts: [5432],
  excludeOutboundCidrs: ['10.0.0.0/8', '169.254.169.254/32', 'fd00::/8'],
  excludeOutboundUids: [2000],
};

describe('redirect rules (dry run)', () => {
  it('writes iptables rules for both address families, in iptables-save form', () => {
    expect(redirectRulesText(CONFIG, 'iptables-nft')).toBe(
      [
        '# iptables-nft-restore --noflush',
        '*nat',
        ':LOOM_INBOUND - [0:0]',
        ':LOOM_OUTPUT - [0:0]',
        '-A PREROUTING -p tcp -j LOOM_INBOUND',
        '-A OUTPUT -p tcp -j LOOM_OUTPUT',
        '-A LOOM_INBOUND -p tcp -m tcp --dport 15021 -j RETURN',
        '-A LOOM_INBOUND -p tcp -m tcp --dport 8081 -j RETURN',
        '-A LOOM_INBOUND -p tcp -j REDIRECT --to-ports 15006',
        '-A LOOM_OUTPUT -o lo -j RETURN',
        '-A LOOM_OUTPUT -m owner --uid-owner 1337 -j RETURN',
        '-A LOOM_OUTPUT -m owner --uid-owner 2000 -j RETURN',
        '-A LOOM_OUTPUT -p tcp -m tcp --dport 5432 -j RETURN',
        '-A LOOM_OUTPUT -d 10.0.0.0/8 -j RETURN',
        '-A LOOM_OUTPUT -d 169.254.169.254/32 -j RETURN',
        '-A LOOM_OUTPUT -p tcp -j REDIRECT --to-ports 15001',
        'COMMIT',
        '',
        '# ip6tables-nft-restore --noflush',
        '*nat',
        ':LOOM_INBOUND - [0:0]',
        ':LOOM_OUTPUT - [0:0]',
        '-A PREROUTING -p tcp -j LOOM_INBOUND',
        '-A OUTPUT -p tcp -j LOOM_OUTPUT',
        '-A LOOM_INBOUND -p tcp -m tcp --dport 15021 -j RETURN',
        '-A LOOM_INBOUND -p tcp -m tcp --dport 8081 -j RETURN',
        '-A LOOM_INBOUND -p tcp -j REDIRECT --to-ports 15006',
        '-A LOOM_OUTPUT -o lo -j RETURN',
        '-A LOOM_OUTPUT -m owner --uid-owner 1337 -j RETURN',
        '-A LOOM_OUTPUT -m owner --uid-owner 2000 -j RETURN',
        '-A LOOM_OUTPUT -p tcp -m tcp --dport 5432 -j RETURN',
        '-A LOOM_OUTPUT -d fd00::/8 -j RETURN',
        '-A LOOM_OUTPUT -p tcp -j REDIRECT --to-ports 15001',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('writes one nftables transaction that replaces the loom table', () => {
    expect(redirectRulesText(CONFIG, 'nft')).toBe(`# nft -f -
table inet loom
delete table inet loom
table inet loom {
\tchain prerouting {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tmeta l4proto tcp jump inbound
\t}

\tchain inbound {
\t\ttcp dport 15021 return
\t\ttcp dport 8081 return
\t\tmeta l4proto tcp redirect to :15006
\t}

\tchain output {
\t\ttype nat hook output priority -100; policy accept;
\t\tmeta l4proto tcp jump outbound
\t}

\tchain outbound {
\t\toifname "lo" return
\t\tmeta skuid 1337 return
\t\tmeta skuid 2000 return
\t\ttcp dport 5432 return
\t\tip daddr 10.0.0.0/8 return
\t\tip daddr 169.254.169.254 return
\t\tip6 daddr fd00::/8 return
\t\tmeta l4proto tcp redirect to :15001
\t}
}
`);
  });

  it('is what `loom redirect --dry-run` prints', async () => {
    const r = await runSidecarCommand(['redirect', '--dry-run', '--backend', 'nft', '--exclude-inbound-ports', '8081', '--exclude-outbound-ports', '5432', '--exclude-outbound-cidrs', '10.0.0.0/8,169.254.169.254,fd00::/8', '--exclude-outbound-uids', '2000']);
    expect(r).toEqual({ stdout: redirectRulesText(CONFIG, 'nft'), stderr: '' });
  });

  it('refuses bad flags, naming each and what it accepts, before touching anything', async () => {
    const r = await runSidecarCommand(['redirect', '--backend', 'nft', '--exclude-inbound-ports', '80,0', '--exclude-outbound-cidrs', '10.1.2.3/8', '--proxy-uid', 'envoy']);
    expect(r.error?.message).toBe(
      '3 problems, nothing was applied:\n' +
        '  - --proxy-uid: "envoy" is not a UID; expected a numeric UID, e.g. 1337\n' +
        '  - --exclude-inbound-ports: "0" is not a port; expected comma-separated ports 1-65535, e.g. 8080,9090\n' +
        '  - --exclude-outbound-cidrs: "10.1.2.3/8" has host bits set (the network is 10.0.0.0/8); expected comma-separated IPv4 or IPv6 addresses or CIDRs, e.g. 10.0.0.0/8,169.254.169.254',
    );
  });
});

describe('list parsers', () => {
  it.each([
    [parsePortList, ' 80, 443,80 ', { ok: true, value: [80, 443] }],
    [parsePortList, '', { ok: true, value: [] }],
    [parsePortList, '65536', { ok: false, message: '"65536" is not a port; expected comma-separated ports 1-65535, e.g. 8080,9090' }],
    [parseUidList, '0,1000', { ok: true, value: [0, 1000] }],
    [parseUidList, '-1', { ok: false, message: '"-1" is not a UID; expected comma-separated numeric UIDs, e.g. 1000,1001' }],
    [parseCidrList, '10.0.0.1,fd00:0:0::1/128,2001:db8::/32', { ok: true, value: ['10.0.0.1/32', 'fd00::1/128', '2001:db8::/32'] }],
    [parseCidrList, '10.0.0.0/33', { ok: false, message: expect.stringContaining('"10.0.0.0/33" has a prefix length outside 0-32') }],
    [parseCidrList, '2001:db8::1/32', { ok: false, message: expect.stringContaining('has host bits set (the network is 2001:db8::/32)') }],
    [parseCidrList, 'example.com', { ok: false, message: expect.stringContaining('"example.com" is not an IP address or CIDR') }],
  ] as const)('%p(%j)', (parse, text, expected) => {
    expect((parse as (t: string) => unknown)(text)).toEqual(expected);
  });
});

describe('backend detection', () => {
  const runner = (saves: Partial<Record<string, { status: number; stdout: string }>>): CommandRunner => (command) => ({ stderr: '', ...(saves[command] ?? { status: 127, stdout: '' }) });
  const empty = '*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n';

  it.each([
    ['kubelet hint chain', { 'iptables-legacy-save': { status: 0, stdout: '*mangle\n:KUBE-IPTABLES-HINT - [0:0]\nCOMMIT\n' }, 'iptables-nft-save': { status: 0, stdout: empty } }, 'iptables-legacy'],
    ['more existing rules', { 'iptables-legacy-save': { status: 0, stdout: empty }, 'iptables-nft-save': { status: 0, stdout: '*nat\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n' } }, 'iptables-nft'],
    ['nothing there: nf_tables first', { 'iptables-legacy-save': { status: 0, stdout: empty }, 'iptables-nft-save': { status: 0, stdout: empty } }, 'iptables-nft'],
    ['only legacy works', { 'iptables-legacy-save': { status: 0, stdout: empty }, 'iptables-nft-save': { status: 1, stdout: '' } }, 'iptables-legacy'],
    ['no iptables at all', { nft: { status: 0, stdout: '' } }, 'nft'],
  ] as const)('%s', (_name, saves, expected) => {
    expect(detectBackend(runner(saves)).backend).toBe(expected);
  });

  it('says what to install when nothing works', () => {
    expect(() => detectBackend(runner({}))).toThrow('neither iptables (legacy or nft) nor nft works here');
  });
});
