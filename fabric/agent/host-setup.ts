import { createHash } from 'node:crypto';
import type { Logger } from '../../src/log';
import { applyToVswitchd, type DatapathType, ensureBridge, ensurePort, findByName, type OvsdbDatabase, rootRow, setControllers, setHwOffload, type VswitchOptions } from '../ovsdb';
import { TABLES } from '../pipeline';
import type { AgentConfig } from './agent-config';
import { planControllerSettings, planFlowTableNames } from './bridge-plans';
import type { Commands } from './commands';
import { BR_INT, CONTROLLER_BURST_LIMIT, CONTROLLER_RATE_LIMIT, TUNNEL_PORT, VXLAN_OVERHEAD, VXLAN_PORT } from './ovs-layout';
import { ensureUnderlayBridge, underlayLink, type UnderlayMemory } from './underlay';

/** What the agent keeps between setups: the moved underlay routes, and the datapath that worked. */
export interface HostMemory extends UnderlayMemory {
  /** Once the kernel datapath failed, a re-created br-int goes straight to netdev. */
  datapathType?: DatapathType;
}

/** What the host's OVS looks like after a (re)setup: what the agent reports. */
export interface HostSetup {
  datapathType: DatapathType;
  /** Why the kernel datapath was not used, when it was tried and failed. */
  fallback?: string;
  tunnelOfport: number;
  /** br-int's datapath id, 16 hex digits. */
  datapathId: string;
  underlayMtu: number;
  /** underlay MTU − VXLAN overhead: what pods get. */
  podMtu: number;
  /** `other_config:hw-offload` as ovs-vswitchd reads it. */
  hwOffload: boolean;
  /** What this run had to create or repair (empty when everything was in place). */
  repaired: string[];
}

/**
 * The same host always gets the same datapath id, so the controller recognises its
 * switch across OVS restarts and bridge re-creations (OVS would otherwise derive one from
 * a MAC that changes).
 */
export function stableDatapathId(host: string): string {
  return createHash('sha256').update(`loom-datapath:${host}`).digest('hex').slice(0, 16);
}

/**
 * Makes the host's OVS look as Loom needs it, creating or repairing whatever is missing;
 * idempotent (nothing is sent when everything is in place), so the reconciler runs it
 * after every OVSDB reconnect and periodically:
 *   br-int     fail_mode=secure, OpenFlow13, the kernel datapath if it works else netdev,
 *              a stable datapath id, in-band control off, tables named after the pipeline's
 *   br-phy     (netdev only) the underlay NIC and address, see underlay.ts
 *   vxlan0     remote_ip=flow, key=flow, dst_port=4789
 *   controllers  exactly the configured targets, out-of-band, packet-ins rate-limited
 *   hw-offload   set when asked for (turning it off takes an ovs-vswitchd restart: left alone)
 */
export async function setUpHost(db: OvsdbDatabase, cmds: Commands, config: AgentConfig, memory: HostMemory, log: Logger): Promise<HostSetup> {
  const options: VswitchOptions = { log };
  const repaired: string[] = [];
  const nic = await underlayLink(cmds, config.underlayIface);

  if (!findByName(db.replica, 'Bridge', BR_INT)) repaired.push(`created ${BR_INT}`);
  const bridge = await ensureBridge(
    db,
    {
      name: BR_INT,
      datapathType: memory.datapathType ?? 'auto',
      failMode: 'secure',
      protocols: ['OpenFlow13'],
      otherConfig: { 'datapath-id': stableDatapathId(config.host), 'disable-in-band': 'true' },
      externalIds: { 'loom-host': config.host },
    },
    options,
  );
  memory.datapathType = bridge.datapathType;
  await applyToVswitchd(db, (txn, replica) => planFlowTableNames(txn, replica, BR_INT, TABLES), options);

  if (bridge.datapathType === 'netdev') {
    repaired.push(...(await ensureUnderlayBridge(db, cmds, { iface: config.underlayIface, ip: config.underlayIp, prefix: config.underlayPrefix }, memory, options)));
  }

  if (!findByName(db.replica, 'Port', TUNNEL_PORT)) repaired.push(`added ${TUNNEL_PORT}`);
  const tunnel = await ensurePort(db, { bridge: BR_INT, name: TUNNEL_PORT, type: 'vxlan', options: { remote_ip: 'flow', key: 'flow', dst_port: String(VXLAN_PORT) } }, options);

  await setControllers(db, { bridge: BR_INT, targets: config.controllers }, options);
  await applyToVswitchd(db, (txn, replica) => planControllerSettings(txn, replica, BR_INT, { rateLimit: CONTROLLER_RATE_LIMIT, burstLimit: CONTROLLER_BURST_LIMIT }), options);
  if (config.hwOffload) await setHwOffload(db, true, options);

  const datapathId = await db.waitFor((r) => (findByName(r, 'Bridge', BR_INT)?.datapath_id as readonly string[] | undefined)?.[0], `${BR_INT} to get its datapath id`, options.timeoutMs ?? 10_000);
  const otherConfig = rootRow(db.replica).other_config as ReadonlyMap<string, string>;
  return {
    datapathType: bridge.datapathType,
    ...(bridge.fallback ? { fallback: bridge.fallback.reason } : {}),
    tunnelOfport: tunnel.ofport!,
    datapathId,
    underlayMtu: nic.mtu,
    podMtu: nic.mtu - VXLAN_OVERHEAD,
    hwOffload: otherConfig.get('hw-offload') === 'true',
    repaired,
  };
}
