import { applyRedirect } from '../../../sidecar/redirect/apply-redirect';
import type { Backend } from '../../../sidecar/redirect/backend';
import { PROXY_UID } from '../../../sidecar/redirect/proxy-ports';
import type { RedirectConfig } from '../../../sidecar/redirect/redirect-config';
import { OUTSIDE_IP, OUTSIDE_OTHER_NET_IP, POD_IP, PodNetns } from '../harness/pod-netns';

/**
 * The real redirect in a real network namespace, once per netfilter front end: an app and
 * a stand-in proxy (running as the proxy UID, tagging what it relays) in the pod, servers
 * outside it. Needs root.
 */
const APP_UID = 1000;
const EXCLUDED_UID = 2000;
const CONFIG: RedirectConfig = {
  proxyUid: PROXY_UID,
  excludeInboundPorts: [8081],
  excludeOutboundPorts: [5432],
  excludeOutboundCidrs: ['10.249.1.0/24'],
  excludeOutboundUids: [EXCLUDED_UID],
};

describe.each<Backend>(['iptables-nft', 'iptables-legacy', 'nft'])('transparent redirect with %s', (backend) => {
  let net: PodNetns;
  const fromApp = (host: string, port: number, uid = APP_UID) => net.connect(net.pod, uid, host, port);
  const fromOutside = (port: number) => net.connect(net.outside, 0, POD_IP, port);
  const saved = () =>
    backend === 'nft' ? net.runInPod('nft', ['list', 'ruleset']).stdout : ['iptables', 'ip6tables'].map((t) => net.runInPod(`${t}-${backend.slice(9)}-save`, ['-t', 'nat']).stdout.replace(/^#.*\n/gm, '')).join('');

  beforeAll(async () => {
    net = new PodNetns();
    if (backend !== 'nft') {
      // Someone else's rule in the same table: applying must leave it alone.
      net.runInPod(`iptables-${backend.slice(9)}`, ['-t', 'nat', '-A', 'OUTPUT', '-d', '10.249.9.9/32', '-j', 'RETURN']);
    }
    expect(applyRedirect(CONFIG, backend, net.runInPod)).toEqual({ backend, changed: true });
    await net.start(net.pod, PROXY_UID, ['proxy']);
    await net.start(net.pod, APP_UID, ['server', 'app', '8080', '8081']);
    await net.start(net.outside, 0, ['server', 'outside', '9000', '5432']);
  });
  afterAll(() => net?.destroy());

  it("captures the app's outbound connection to an outside address in the proxy", () => {
    expect(fromApp(OUTSIDE_IP, 9000)).toEqual([`proxy:outbound ${OUTSIDE_IP}:9000`, `outside ${OUTSIDE_IP}:9000 from ${POD_IP}`]);
  });

  it("sends an inbound connection to the app's port through the proxy first", () => {
    expect(fromOutside(8080)).toEqual([`proxy:inbound ${POD_IP}:8080`, `app ${POD_IP}:8080 from ${POD_IP}`]);
  });

  it("does not capture the proxy's own connections", () => {
    expect(fromApp(OUTSIDE_IP, 9000, PROXY_UID)).toEqual([`outside ${OUTSIDE_IP}:9000 from ${POD_IP}`]);
  });

  it('does not capture excluded outbound ports, CIDRs and UIDs, nor loopback', () => {
    expect(fromApp(OUTSIDE_IP, 5432)).toEqual([`outside ${OUTSIDE_IP}:5432 from ${POD_IP}`]);
    expect(fromApp(OUTSIDE_OTHER_NET_IP, 9000)).toEqual([`outside ${OUTSIDE_OTHER_NET_IP}:9000 from ${POD_IP}`]);
    expect(fromApp(OUTSIDE_IP, 9000, EXCLUDED_UID)).toEqual([`outside ${OUTSIDE_IP}:9000 from ${POD_IP}`]);
    expect(fromApp('127.0.0.1', 8080)).toEqual(['app 127.0.0.1:8080 from 127.0.0.1']);
  });

  it("does not capture excluded inbound ports, nor the proxy's readiness port", () => {
    expect(fromOutside(8081)).toEqual([`app ${POD_IP}:8081 from ${OUTSIDE_IP}`]);
    expect(fromOutside(15021)).toEqual([`proxy-ready ${POD_IP}:15021 from ${OUTSIDE_IP}`]);
  });

  it('re-applying changes nothing and does not fail', () => {
    const before = saved();
    expect(applyRedirect(CONFIG, backend, net.runInPod)).toEqual({ backend, changed: false });
    expect(saved()).toBe(before);
    if (backend !== 'nft') expect(before).toContain('-A OUTPUT -d 10.249.9.9/32 -j RETURN');
  });

  it('applies a changed configuration in place: no duplicates, the old exclusions gone', () => {
    const changed = { ...CONFIG, excludeOutboundPorts: [9000] };
    expect(applyRedirect(changed, backend, net.runInPod).changed).toBe(true);
    expect(fromApp(OUTSIDE_IP, 9000)).toEqual([`outside ${OUTSIDE_IP}:9000 from ${POD_IP}`]);
    expect(fromApp(OUTSIDE_IP, 5432)[0]).toBe(`proxy:outbound ${OUTSIDE_IP}:5432`);
    const rules = saved();
    if (backend === 'nft') expect(rules.match(/table inet loom/g)).toHaveLength(1);
    else expect(rules.match(/-A OUTPUT -p tcp -j LOOM_OUTPUT/g)).toHaveLength(2); // once per address family
    expect(applyRedirect(changed, backend, net.runInPod).changed).toBe(false);
  });
});
