import { rootLogger, type Logger } from '../../../src/log';
import type { BuildTransaction, OvsdbDatabase } from '../database';
import { OvsdbError } from '../ovsdb-error';
import type { Replica } from '../replica';
import { type BridgeSpec, bridgeDatapath, type DatapathType, planBridge } from './bridge-plan';
import { type ControllerSpec, planControllers } from './controller-plan';
import { InterfaceError, interfaceStatus, type InterfaceStatus, isSettled, isWorking } from './interface-status';
import { planHwOffload } from './other-config-plan';
import { type PortSpec, planPort, planPortRemoval } from './port-plan';
import { findByName, rootRow } from './vswitch-tables';

/**
 * The thin runner over the plans: each call commits one transaction and waits until
 * ovs-vswitchd has applied it (as `ovs-vsctl` does: the transaction bumps `next_cfg`,
 * ovs-vswitchd copies it to `cur_cfg` together with each interface's `ofport` and
 * `error`), so what it reads afterwards is ovs-vswitchd's answer, not a stale value.
 */
export interface VswitchOptions {
  /** How long to wait for ovs-vswitchd. Default 10000. */
  timeoutMs?: number;
  /** Where a datapath fallback is reported. Default: the `ovsdb` component logger. */
  log?: Logger;
}

/** ovs-vswitchd could not create the bridge as asked. */
export class BridgeError extends OvsdbError {
  constructor(
    readonly bridge: string,
    readonly datapathType: string,
    readonly reason: string,
  ) {
    super(`bridge ${bridge} (datapath_type=${datapathType}) does not work: ${reason}`);
  }
}

export interface BridgeResult {
  readonly uuid: string;
  readonly name: string;
  readonly datapathType: DatapathType;
  /** Set when the kernel datapath was tried and did not work, so the bridge uses the userspace one. */
  readonly fallback?: { readonly from: 'system'; readonly reason: string };
}

export interface EnsureBridgeSpec extends Omit<BridgeSpec, 'datapathType'> {
  /** `auto` (default): keep a working existing bridge's datapath; otherwise try `system` and fall back to `netdev`. */
  readonly datapathType?: DatapathType | 'auto';
}

/** Commits `build` and waits for ovs-vswitchd to apply it. Returns what `build` returned. */
export async function applyToVswitchd<T>(db: OvsdbDatabase, build: BuildTransaction<T>, options: VswitchOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let cfgIndex = -1;
  const outcome = await db.transact(async (txn, replica) => {
    const value = await build(txn, replica);
    if (txn.hasChanges) {
      const root = rootRow(replica);
      txn.mutate('Open_vSwitch', root._uuid, [['next_cfg', '+=', 1]]);
      cfgIndex = txn.select('Open_vSwitch', root._uuid, ['next_cfg']);
    }
    return value;
  });
  if (!outcome.committed) return outcome.value;
  const cfg = outcome.results[cfgIndex].rows![0].next_cfg as number;
  await db.waitFor((r) => (rootRow(r).cur_cfg as number) >= cfg, `ovs-vswitchd to apply configuration ${cfg} (is it running and connected to ${db.client.remote}?)`, timeoutMs);
  return outcome.value;
}

/** Why a bridge does not work, from its local interface; `undefined` if it works. */
export function bridgeProblem(replica: Replica, name: string): string | undefined {
  const status = interfaceStatus(replica, name);
  if (!status) return `ovs-vswitchd did not create its local interface ${name}`;
  if (isWorking(status)) return undefined;
  return status.error ?? `ovs-vswitchd could not create it: its local interface got no OpenFlow port (ofport ${status.ofport ?? '[]'}); the ovs-vswitchd log says why`;
}

/**
 * Makes the bridge exist as `spec` says and checks that ovs-vswitchd could create it.
 * With `datapathType: 'auto'`, a bridge that does not work on the kernel datapath (no
 * module, no privilege) is switched to the userspace datapath and `fallback` says why.
 */
export async function ensureBridge(db: OvsdbDatabase, spec: EnsureBridgeSpec, options: VswitchOptions = {}): Promise<BridgeResult> {
  const wanted = spec.datapathType ?? 'auto';
  const existing = findByName(db.replica, 'Bridge', spec.name);
  const first: DatapathType = wanted !== 'auto' ? wanted : existing && bridgeDatapath(existing) === 'netdev' ? 'netdev' : 'system';
  await applyToVswitchd(db, (txn, replica) => void planBridge(txn, replica, { ...spec, datapathType: first }), options);
  let problem = bridgeProblem(db.replica, spec.name);
  let fallback: BridgeResult['fallback'];
  let datapathType = first;
  if (problem && first === 'system' && wanted === 'auto') {
    (options.log ?? rootLogger.child({ component: 'ovsdb' })).warn({ bridge: spec.name, reason: problem }, 'kernel datapath does not work here; using the userspace datapath (netdev)');
    fallback = { from: 'system', reason: problem };
    datapathType = 'netdev';
    await applyToVswitchd(db, (txn, replica) => void planBridge(txn, replica, { ...spec, datapathType }), options);
    problem = bridgeProblem(db.replica, spec.name);
  }
  if (problem) throw new BridgeError(spec.name, datapathType, problem);
  return { uuid: findByName(db.replica, 'Bridge', spec.name)!._uuid, name: spec.name, datapathType, fallback };
}

/** Makes the port exist as `spec` says and returns its status once it has an OpenFlow port; `InterfaceError` if ovs-vswitchd could not add it. */
export async function ensurePort(db: OvsdbDatabase, spec: PortSpec, options: VswitchOptions = {}): Promise<InterfaceStatus> {
  await applyToVswitchd(db, (txn, replica) => planPort(txn, replica, spec), options);
  return waitForOfport(db, spec.name, options);
}

export async function removePort(db: OvsdbDatabase, name: string, options: VswitchOptions = {}): Promise<void> {
  await applyToVswitchd(db, (txn, replica) => planPortRemoval(txn, replica, name), options);
}

export async function setControllers(db: OvsdbDatabase, spec: ControllerSpec, options: VswitchOptions = {}): Promise<void> {
  await applyToVswitchd(db, (txn, replica) => planControllers(txn, replica, spec), options);
}

export async function setHwOffload(db: OvsdbDatabase, enabled: boolean, options: VswitchOptions = {}): Promise<void> {
  await applyToVswitchd(db, (txn, replica) => planHwOffload(txn, replica, enabled), options);
}

/** Waits until ovs-vswitchd has given the interface an OpenFlow port; `InterfaceError` if it reported a failure instead. */
export async function waitForOfport(db: OvsdbDatabase, name: string, options: VswitchOptions = {}): Promise<InterfaceStatus> {
  const status = await db.waitFor(
    (replica) => {
      const s = interfaceStatus(replica, name);
      return s && isSettled(s) ? s : undefined;
    },
    `interface ${name} to get an OpenFlow port`,
    options.timeoutMs ?? 10_000,
  );
  if (!isWorking(status)) throw new InterfaceError(status);
  return status;
}
