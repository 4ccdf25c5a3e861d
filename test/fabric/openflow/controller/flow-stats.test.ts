import type { OvsHost } from '../../../harness/ovs-host';
import { createLogger } from '../../../../src/log';
import { EthType, IpProto, Port } from '../../../../fabric/openflow/codec';
import { ControllerServer, FlowSync, NotConnectedError, type Flow } from '../../../../fabric/openflow/controller';
import { startControlledBridge, type ControlledBridge } from './controlled-bridge';
import { BRIDGE, eventually } from './ovs-bridge';

/**
 * Per-flow counters through FlowSync.flowStats against a real ovs-vswitchd: real packets
 * (packet-outs through the flow table) counted on the security-group style rule flows
 * that match `conj_id`.
 */

const log = createLogger('test', 'silent');
const DPID = 0x57a7n;
let bridge: ControlledBridge;
let host: OvsHost;
let server: ControllerServer;
let sync: FlowSync;

beforeAll(async () => {
  bridge = await startControlledBridge('of-stats', DPID);
  ({ host, server } = bridge);
  sync = new FlowSync(server, { owner: 0x40, log });
});
afterAll(async () => {
  await sync?.close();
  await bridge?.stop();
});

const conjunction = (id: number, clause: number) => ({ type: 'conjunction' as const, id, clause, nClauses: 2 });

/** Two rules, "TCP 80 from 10.0.0.1" (conjunction 7) and "TCP 80 from 10.0.0.2" (8), as conjunctive flows, then the rule flows. */
const RULES: Flow[] = [
  { tableId: 20, priority: 100, match: { ethType: EthType.IPV4, ipv4Src: '10.0.0.1' }, instructions: [{ type: 'apply_actions', actions: [conjunction(7, 1)] }] },
  { tableId: 20, priority: 100, match: { ethType: EthType.IPV4, ipv4Src: '10.0.0.2' }, instructions: [{ type: 'apply_actions', actions: [conjunction(8, 1)] }] },
  { tableId: 20, priority: 100, match: { ethType: EthType.IPV4, ipProto: IpProto.TCP, tcpDst: 80 }, instructions: [{ type: 'apply_actions', actions: [conjunction(7, 2), conjunction(8, 2)] }] },
  { tableId: 20, priority: 100, match: { conjId: 7, ethType: EthType.IPV4 } },
  { tableId: 20, priority: 100, match: { conjId: 8, ethType: EthType.IPV4 } },
  { tableId: 0, priority: 1, instructions: [{ type: 'goto_table', tableId: 20 }] },
];

/** An Ethernet + IPv4 + TCP SYN from `src` to 10.0.0.10 port 80: 54 bytes. */
function tcpSyn(src: string): Buffer {
  const ip = (a: string) => Buffer.from(a.split('.').map(Number));
  const eth = Buffer.from('020000000002020000000001' + '0800', 'hex');
  const ipv4 = Buffer.concat([Buffer.from('4500002800010000' + '4006' + '0000', 'hex'), ip(src), ip('10.0.0.10')]);
  const tcp = Buffer.from('3039' + '0050' + '00000000' + '00000000' + '5002' + 'ffff' + '0000' + '0000', 'hex');
  return Buffer.concat([eth, ipv4, tcp]);
}

test('counters of the rule flows count the packets each rule matched', async () => {
  await sync.setFlows(DPID, RULES);
  const conn = await server.waitForSwitch(DPID);
  const send = (src: string, n: number) => {
    for (let i = 0; i < n; i++) conn.send({ type: 'packet_out', inPort: Port.CONTROLLER, actions: [{ type: 'output', port: Port.TABLE }], data: tcpSyn(src) });
  };
  send('10.0.0.1', 3);
  send('10.0.0.2', 2);
  send('10.0.0.3', 1);
  await conn.barrier();

  const ruleHits = async () => {
    const stats = await sync.flowStats(DPID, { tableId: 20 });
    return stats.filter((s) => s.match.conjId !== undefined).map((s) => ({ conjId: s.match.conjId, packets: s.packets, bytes: s.bytes, index: s.index })).sort((a, b) => a.conjId! - b.conjId!);
  };
  await eventually(async () =>
    expect(await ruleHits()).toEqual([
      { conjId: 7, packets: 3n, bytes: 3n * 54n, index: 3 },
      { conjId: 8, packets: 2n, bytes: 2n * 54n, index: 4 },
    ]),
  );
  // Every flow of this owner in table 20, the clause flows too; table 0 is left out.
  const table20 = await sync.flowStats(DPID, { tableId: 20 });
  expect(table20.map((s) => s.index).sort()).toEqual([0, 1, 2, 3, 4]);
  expect(table20.every((s) => s.tableId === 20 && s.priority === 100 && sync.cookies.owns(s.cookie))).toBe(true);
  expect((await sync.flowStats(DPID)).find((s) => s.tableId === 0)).toMatchObject({ packets: 6n, index: 5 });
  // One rule's flow by its match (OpenFlow's non-strict match: flows at least this specific).
  expect(await sync.flowStats(DPID, { tableId: 20, match: { conjId: 8 } })).toEqual([expect.objectContaining({ packets: 2n, bytes: 108n, index: 4 })]);
});

test('only this owner’s flows are reported; a switch not connected is an error naming it', async () => {
  await host.ofctl('add-flow', BRIDGE, 'table=20,priority=5,actions=drop');
  expect((await sync.flowStats(DPID, { tableId: 20 })).map((s) => s.priority)).toEqual([100, 100, 100, 100, 100]);
  await expect(sync.flowStats(0x1234n)).rejects.toThrow(NotConnectedError);
  await expect(sync.flowStats(0x1234n)).rejects.toThrow('dpid:0000000000001234: not connected to this controller');
});
