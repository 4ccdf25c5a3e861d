import type { Atom, NamedUuid, Replica, Transaction } from '../ovsdb';
import { findByName, VswitchConfigError } from '../ovsdb';

/**
 * Pure plans (what to transact) for the parts of br-int the vswitch helpers do not cover.
 * Each adds nothing when the bridge already looks as wanted.
 */

/**
 * Names br-int's tables after the pipeline's (`Flow_Table` rows in `Bridge.flow_tables`),
 * so `ovs-ofctl --names` and `ovs-ofctl add-flows` take `table=SpoofGuard`. Tables not
 * named here keep whatever they had.
 */
export function planFlowTableNames(txn: Transaction, replica: Replica, bridgeName: string, names: readonly string[]): void {
  const bridge = findByName(replica, 'Bridge', bridgeName);
  if (!bridge) throw new VswitchConfigError(`flow tables: bridge ${bridgeName} does not exist`);
  const current = bridge.flow_tables as ReadonlyMap<Atom, Atom>;
  const tables = replica.rows('Flow_Table');
  const wanted = new Map<number, string | NamedUuid>();
  let changed = false;
  for (const [id, uuid] of current) wanted.set(id as number, uuid as string);
  names.forEach((name, id) => {
    const uuid = current.get(id) as string | undefined;
    // `name` is optional in the schema: a set of zero or one string.
    if (uuid !== undefined && (tables.get(uuid)?.name as readonly string[] | undefined)?.[0] === name) return;
    wanted.set(id, txn.insert('Flow_Table', { name }));
    changed = true;
  });
  if (!changed) return;
  txn.verify('Bridge', bridge._uuid, ['flow_tables']);
  txn.update('Bridge', bridge._uuid, { flow_tables: wanted });
}

export interface ControllerSettings {
  /** Packet-ins per second the bridge sends its controllers (OVS minimum 100). */
  rateLimit: number;
  /** Packet-ins that may queue beyond the rate (OVS minimum 25). */
  burstLimit: number;
}

/**
 * Settings of every controller of the bridge: out-of-band (the controller is reached over
 * the host's own network, never through br-int, so OVS must not add its hidden in-band
 * flows) and the packet-in rate limits.
 */
export function planControllerSettings(txn: Transaction, replica: Replica, bridgeName: string, settings: ControllerSettings): void {
  const bridge = findByName(replica, 'Bridge', bridgeName);
  if (!bridge) throw new VswitchConfigError(`controller settings: bridge ${bridgeName} does not exist`);
  const controllers = replica.rows('Controller');
  for (const uuid of bridge.controller as readonly string[]) {
    const row = controllers.get(uuid);
    if (!row) continue;
    const same = (column: string, value: Atom) => (row[column] as readonly Atom[])[0] === value;
    if (same('connection_mode', 'out-of-band') && same('controller_rate_limit', settings.rateLimit) && same('controller_burst_limit', settings.burstLimit)) continue;
    txn.update('Controller', uuid, { connection_mode: ['out-of-band'], controller_rate_limit: [settings.rateLimit], controller_burst_limit: [settings.burstLimit] });
  }
}
