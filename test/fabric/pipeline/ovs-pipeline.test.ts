import fs from 'node:fs';
import { Port } from '../../../fabric/openflow/codec';
import { Feature, flow, formatFlow, formatFlows, hostFlows, NetworkId, PacketSource, TargetOfport, type EndpointView } from '../../../fabric/pipeline';
import { ofpPrint } from './flow-checks';
import { startPipelineBridge, type PipelineBridge } from './pipeline-bridge';
import { BLUE, EP, GOLDEN_FILE, GOLDEN_VIEW, GREEN, TRACE_VIEW, TUNNEL_OFPORT, UNDERLAY } from './views';

/**
 * Host A's pipeline on a real br-int (OVS 3.1, userspace datapath): OVS holds exactly the
 * golden flows, reads the codec's encoding of each flow as the golden text says, and
 * `ofproto/trace` shows what happens to packets — delivery, VXLAN encapsulation, drops,
 * ARP answers, packet-ins — and pods' own kernels resolve and ping through it.
 */

let bridge: PipelineBridge;

beforeAll(async () => {
  bridge = await startPipelineBridge({
    underlayIp: UNDERLAY['host-a'],
    tunnelOfport: TUNNEL_OFPORT,
    pods: [EP.aBlue, EP.aGreen, EP.aBlue2],
    neighbours: [UNDERLAY['host-b'], UNDERLAY['host-c']],
  });
});
afterAll(() => bridge?.stop());

describe('the golden flows on a real bridge', () => {
  test('OVS holds exactly the golden dump, tables by the names set in OVSDB', async () => {
    await bridge.replaceFlows(fs.readFileSync(GOLDEN_FILE, 'utf8'));
    expect(await bridge.dumpFlows()).toBe(fs.readFileSync(GOLDEN_FILE, 'utf8'));
  });

  test('what the flow sync will send (the codec’s FLOW_MODs) is, to OVS, what the golden text says', async () => {
    const flows = hostFlows(GOLDEN_VIEW);
    expect(await Promise.all(flows.map(ofpPrint))).toEqual(flows.map((f) => formatFlow(f, { tableNames: false })));
  });

  test('the text format spells zeros, reserved ports, EtherTypes and bit ranges as OVS does', async () => {
    const flows = [
      flow('Classifier', 5).match({ inPort: Port.LOCAL, ethType: 0x88cc }).matchReg(NetworkId, 0).loadReg(TargetOfport, 0).output(Port.CONTROLLER).goto('Output').build(Feature.Overlay),
      flow('SpoofGuard', 7).match({ ethType: 0x0800, ipv4Dst: '10.1.0.0/16', ethDst: '01:00:00:00:00:00/01:00:00:00:00:00' }).matchReg(PacketSource, 3).loadReg(PacketSource, 2).output(Port.IN_PORT).output(Port.LOCAL).build(Feature.Overlay),
      flow('Output', 0x8000).match({ tunId: { value: 0x100n, mask: 0xf00n }, tunDst: '192.168.0.1' }).setField({ field: 'tunId', value: 0n }).output(3).build(Feature.Overlay),
    ];
    expect(await Promise.all(flows.map(ofpPrint))).toEqual(flows.map((f) => formatFlow(f, { tableNames: false })));
  });
});

describe('packets through host A’s pipeline (ofproto/trace)', () => {
  beforeAll(() => bridge.replaceFlows(formatFlows(hostFlows(TRACE_VIEW))));

  const BROADCAST = 'ff:ff:ff:ff:ff:ff';
  const ip = (from: EndpointView, to: { mac: string; ip: string }, spoof: { mac?: string; ip?: string } = {}) =>
    `in_port=${from.ofport},udp,dl_src=${spoof.mac ?? from.mac},dl_dst=${to.mac},nw_src=${spoof.ip ?? from.ip},nw_dst=${to.ip},udp_src=5000,udp_dst=53`;
  const arpRequest = (from: EndpointView, targetIp: string, spoof: { ip?: string } = {}) =>
    `in_port=${from.ofport},arp,dl_src=${from.mac},dl_dst=${BROADCAST},arp_op=1,arp_spa=${spoof.ip ?? from.ip},arp_tpa=${targetIp},arp_sha=${from.mac},arp_tha=00:00:00:00:00:00`;
  const fromTunnel = (vni: number, from: EndpointView, to: { mac: string; ip: string }) =>
    `in_port=${TUNNEL_OFPORT},tun_id=0x${vni.toString(16)},tun_src=${UNDERLAY[from.host as keyof typeof UNDERLAY]},tun_dst=${UNDERLAY['host-a']},ip,dl_src=${from.mac},dl_dst=${to.mac},nw_src=${from.ip},nw_dst=${to.ip}`;
  const vxlanTo = (underlayIp: string, vni: number) =>
    new RegExp(`^tnl_push\\(tnl_port\\(\\d+\\),header\\(.*ipv4\\(src=${UNDERLAY['host-a']},dst=${underlayIp},proto=17,.*udp\\(src=0,dst=4789,.*vxlan\\(flags=0x8000000,vni=0x${vni.toString(16)}\\)\\),out_port\\(\\d+\\)\\),ul0$`);
  const PACKET_IN = /^userspace\(pid=0,controller\(reason=1,.*max_len=128\)\)$/;

  const expectTrace = async (flow: string, expected: string | RegExp) => {
    const t = await bridge.trace(flow);
    if (typeof expected === 'string' ? t.actions !== expected : !expected.test(t.actions)) {
      throw new Error(`trace of ${flow}\nexpected datapath actions ${String(expected)}, got ${t.actions}\n\n${t.text}`);
    }
  };

  test('a pod reaches a pod of its network on the same host through that pod’s port', async () => {
    await expectTrace(ip(EP.aBlue, EP.aBlue2), 'a-blue2');
    await expectTrace(ip(EP.aBlue2, EP.aBlue), 'a-blue');
  });

  test('a pod reaches a pod on another host through VXLAN: tun_dst = that host’s underlay IP, VNI = the network’s', async () => {
    await expectTrace(ip(EP.aBlue, EP.bBlue), vxlanTo(UNDERLAY['host-b'], BLUE.vni));
    await expectTrace(ip(EP.aBlue, EP.cBlue), vxlanTo(UNDERLAY['host-c'], BLUE.vni));
    await expectTrace(ip(EP.aGreen, EP.bGreen), vxlanTo(UNDERLAY['host-b'], GREEN.vni));
  });

  test('a pod sending from another MAC or IP is dropped, for IPv4 and ARP, and so is its IPv6', async () => {
    await expectTrace(ip(EP.aBlue, EP.aBlue2, { mac: '02:00:00:01:00:99' }), 'drop');
    await expectTrace(ip(EP.aBlue, EP.aBlue2, { ip: '10.0.0.99' }), 'drop');
    await expectTrace(ip(EP.aBlue, EP.bBlue, { mac: EP.aBlue2.mac, ip: EP.aBlue2.ip }), 'drop');
    await expectTrace(arpRequest(EP.aBlue, EP.bBlue.ip, { ip: EP.aBlue2.ip }), 'drop');
    await expectTrace(`in_port=${EP.aBlue.ofport},ipv6,dl_src=${EP.aBlue.mac},dl_dst=${EP.aBlue2.mac},ipv6_src=fe80::1,ipv6_dst=fe80::2`, 'drop');
  });

  test('ARP for a known IP is answered on the asking port, with the answer of the asker’s network', async () => {
    const reply = (asker: EndpointView, target: { ip: string; mac: string }) =>
      `set(eth(src=${target.mac},dst=${asker.mac})),set(arp(sip=${target.ip},tip=${asker.ip},op=2,sha=${target.mac},tha=${asker.mac})),${asker.name}`;
    await expectTrace(arpRequest(EP.aBlue, EP.aBlue2.ip), reply(EP.aBlue, EP.aBlue2));
    await expectTrace(arpRequest(EP.aBlue, EP.bBlue.ip), reply(EP.aBlue, EP.bBlue));
    // 10.0.0.3 is b-blue in blue and b-green in green.
    await expectTrace(arpRequest(EP.aGreen, EP.bGreen.ip), reply(EP.aGreen, EP.bGreen));
    await expectTrace(arpRequest(EP.aBlue, BLUE.gatewayIp), reply(EP.aBlue, { ip: BLUE.gatewayIp, mac: BLUE.gatewayMac }));
  });

  test('from the tunnel, a VNI reaches only its own network’s pods here, even at the same IP', async () => {
    await expectTrace(fromTunnel(BLUE.vni, EP.bBlue, EP.aBlue), 'a-blue');
    await expectTrace(fromTunnel(GREEN.vni, EP.bGreen, EP.aGreen), 'a-green');
    // a-green has a-blue's IP; blue's VNI does not reach it, by MAC or otherwise.
    await expectTrace(fromTunnel(BLUE.vni, EP.bBlue, { mac: EP.aGreen.mac, ip: EP.aGreen.ip }), 'drop');
    await expectTrace(fromTunnel(GREEN.vni, EP.bGreen, { mac: EP.aBlue.mac, ip: EP.aBlue.ip }), 'drop');
    // Never back into the tunnel, and an unknown VNI goes nowhere.
    await expectTrace(fromTunnel(BLUE.vni, EP.bBlue, EP.cBlue), 'drop');
    await expectTrace(fromTunnel(4242, EP.bBlue, EP.aBlue), 'drop');
  });

  test('pods of different networks never reach each other: the other network’s MAC is unknown here', async () => {
    await expectTrace(ip(EP.aBlue, EP.aGreen), PACKET_IN);
    await expectTrace(ip(EP.aBlue, EP.bGreen), PACKET_IN);
    await expectTrace(arpRequest(EP.aGreen, BLUE.gatewayIp), PACKET_IN);
  });

  test('unknown destinations, and ARP for unknown IPs, go to the controller (128 bytes)', async () => {
    await expectTrace(ip(EP.aBlue, { mac: '02:00:00:01:00:77', ip: '10.0.0.77' }), PACKET_IN);
    await expectTrace(ip(EP.aBlue, { mac: BROADCAST, ip: '10.0.0.255' }), PACKET_IN);
    await expectTrace(arpRequest(EP.aBlue, '10.0.0.77'), PACKET_IN);
  });

  test('ARP replies nobody asked for, and packets from unknown ports, are dropped', async () => {
    await expectTrace(arpRequest(EP.aBlue, EP.bBlue.ip).replace('arp_op=1', 'arp_op=2'), 'drop');
    await expectTrace(`in_port=LOCAL,ip,dl_src=02:00:00:00:00:99,dl_dst=${EP.aBlue.mac},nw_src=10.0.0.99,nw_dst=${EP.aBlue.ip}`, 'drop');
  });
});

describe('real pods on host A (veth + namespace, the kernel’s own ARP and ping)', () => {
  beforeAll(() => bridge.replaceFlows(formatFlows(hostFlows(TRACE_VIEW))));

  const ping = (from: EndpointView, ip: string) => bridge.pod(from.name).exec('ping', ['-c', '1', '-W', '1', ip]);
  const neighbour = async (from: EndpointView, ip: string) => (await bridge.pod(from.name).exec('ip', ['neigh', 'show', ip, 'dev', 'eth0'])).trim();

  test('a pod pings a pod of its network on the same host; each learns the other’s MAC from the ARP responder', async () => {
    await expect(ping(EP.aBlue, EP.aBlue2.ip)).resolves.toMatch(/1 received/);
    expect(await neighbour(EP.aBlue, EP.aBlue2.ip)).toMatch(new RegExp(`^${EP.aBlue2.ip} lladdr ${EP.aBlue2.mac} `));
    expect(await neighbour(EP.aBlue2, EP.aBlue.ip)).toMatch(new RegExp(`^${EP.aBlue.ip} lladdr ${EP.aBlue.mac} `));
  });

  test('a pod on another host is resolved here, without ARP over the overlay', async () => {
    // No host B behind the underlay: the ping is lost, but the ARP answer came from host A's flows.
    await expect(ping(EP.aGreen, EP.bGreen.ip)).rejects.toThrow();
    expect(await neighbour(EP.aGreen, EP.bGreen.ip)).toMatch(new RegExp(`^${EP.bGreen.ip} lladdr ${EP.bGreen.mac} `));
  });

  test('a pod cannot reach a pod of another network on the same host', async () => {
    await expect(ping(EP.aGreen, EP.aBlue2.ip)).rejects.toThrow();
    expect(await neighbour(EP.aGreen, EP.aBlue2.ip)).not.toMatch(/lladdr/);
  });
});
