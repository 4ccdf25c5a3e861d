import path from 'node:path';
import { startOvsHost, type OvsHost } from '../../../harness/ovs-host';

/**
 * A simulated host with `br-int` as the fabric sets it up (userspace datapath,
 * fail_mode=secure, OpenFlow 1.3 only) and a fixed datapath id, plus the few ovs-vsctl and
 * ovs-ofctl steps the controller tests repeat.
 */

export const BRIDGE = 'br-int';

export interface BridgeOptions {
  dpid?: bigint;
  failMode?: 'secure' | 'standalone';
}

export async function startBridgeHost(name: string, options: BridgeOptions = {}): Promise<OvsHost> {
  const host = await startOvsHost(name);
  try {
    await addBridge(host, BRIDGE, options);
  } catch (err) {
    await host.stop();
    throw err;
  }
  return host;
}

export async function addBridge(host: OvsHost, bridge: string, options: BridgeOptions = {}): Promise<void> {
  await host.vsctl(
    'add-br', bridge, '--', 'set', 'bridge', bridge, 'datapath_type=netdev', `fail_mode=${options.failMode ?? 'secure'}`, 'protocols=OpenFlow13',
    `other-config:datapath-id=${(options.dpid ?? 0xabcn).toString(16).padStart(16, '0')}`, 'other-config:disable-in-band=true',
  );
}

let sockets = 0;

/** A unix socket path inside the host's run dir, where ovs-vswitchd may connect (RECIPES.md). */
export function controllerSocket(host: OvsHost, name = 'controller'): string {
  return path.join(host.runDir, `${name}-${++sockets}.sock`);
}

/**
 * Points the bridge at these controller targets, reconnecting after at most 1 s and
 * probing an idle connection every `probeMs` (OVS's minimum is 1000).
 */
export async function setControllers(host: OvsHost, bridge: string, targets: readonly string[], probeMs = 5000): Promise<void> {
  const ids = targets.map((_, i) => `@c${i}`);
  const creates = targets.flatMap((target, i) => ['--', `--id=${ids[i]}`, 'create', 'Controller', `target="${target}"`, 'max_backoff=1000', `inactivity_probe=${probeMs}`]);
  await host.vsctl(...creates, '--', 'set', 'bridge', bridge, `controller=[${ids.join(',')}]`);
}

export async function removeControllers(host: OvsHost, bridge: string): Promise<void> {
  await host.vsctl('del-controller', bridge);
}

/** `ovs-ofctl dump-flows --no-stats`, one flow per line, sorted so sets compare as text. */
export async function dumpFlows(host: OvsHost, bridge = BRIDGE): Promise<string[]> {
  return sortedEntries(await host.ofctl('dump-flows', bridge, '--no-stats'), 'OFPST_FLOW');
}

/** `ovs-ofctl -O OpenFlow13 dump-groups`, one group per line, sorted. */
export async function dumpGroups(host: OvsHost, bridge = BRIDGE): Promise<string[]> {
  return sortedEntries(await host.ofctl('-O', 'OpenFlow13', 'dump-groups', bridge), 'OFPST_GROUP_DESC');
}

/** The entries of an ovs-ofctl dump without its `header` line, sorted so sets compare as text. */
function sortedEntries(out: string, header: string): string[] {
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith(header))
    .sort();
}

/** Polls until `check` passes (or throws its last failure after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
