import { EthType } from '../../../../fabric/openflow/codec';
import { DesiredFlows, type CookieSpace, type Flow } from '../../../../fabric/openflow/controller';

/** The flow sets the HA tests install: `n` flows sending to `port`, so whose set is installed shows in the actions. */

export const HA_OWNER = 0x20;

export function haFlows(port: number, n = 3): Flow[] {
  return Array.from({ length: n }, (_, i) => ({
    priority: 10 + i,
    match: { ethType: EthType.IPV4, ipv4Dst: `10.0.0.${i + 1}` },
    instructions: [{ type: 'apply_actions' as const, actions: [{ type: 'output' as const, port }] }],
  }));
}

/** `ovs-ofctl dump-flows --no-stats` of `haFlows(port, n)`, sorted. */
export function haFlowsText(cookies: CookieSpace, port: number, n = 3): string[] {
  const desired = DesiredFlows.build(haFlows(port, n), cookies);
  return haFlows(port, n)
    .map((f, i) => `cookie=0x${desired.cookies()[i].toString(16)}, priority=${f.priority},ip,nw_dst=10.0.0.${i + 1} actions=output:${port}`)
    .sort();
}
