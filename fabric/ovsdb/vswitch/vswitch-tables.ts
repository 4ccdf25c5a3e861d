import type { Row } from '../datum';
import { OvsdbError } from '../ovsdb-error';
import type { Replica } from '../replica';

/** The database ovs-vswitchd reads its configuration from. */
export const VSWITCH_DATABASE = 'Open_vSwitch';

/** The tables and columns the vswitch helpers read: open the database with (at least) these. */
export const VSWITCH_TABLES = {
  Open_vSwitch: ['bridges', 'next_cfg', 'cur_cfg', 'other_config', 'datapath_types', 'iface_types', 'ovs_version'],
  Bridge: ['name', 'ports', 'datapath_type', 'datapath_version', 'fail_mode', 'protocols', 'controller', 'other_config', 'external_ids'],
  Port: ['name', 'interfaces', 'external_ids'],
  Interface: ['name', 'type', 'options', 'ofport', 'ofport_request', 'error', 'external_ids'],
  Controller: ['target', 'is_connected'],
} as const satisfies Record<string, readonly string[]>;

/** The configuration cannot be made as asked (a name taken elsewhere, the database not initialised). */
export class VswitchConfigError extends OvsdbError {}

/** The one `Open_vSwitch` row that everything hangs from. */
export function rootRow(replica: Replica): Row {
  const [root] = replica.rows('Open_vSwitch').values();
  if (!root) throw new VswitchConfigError('the Open_vSwitch table is empty: initialise the database first (ovs-vsctl --no-wait init)');
  return root;
}

export function findByName(replica: Replica, table: 'Bridge' | 'Port' | 'Interface', name: string): Row | undefined {
  for (const row of replica.rows(table).values()) if (row.name === name) return row;
  return undefined;
}

/** The bridge whose `ports` include `port`. */
export function bridgeOfPort(replica: Replica, port: Row): Row | undefined {
  for (const bridge of replica.rows('Bridge').values()) if ((bridge.ports as readonly string[]).includes(port._uuid)) return bridge;
  return undefined;
}
