import type { Atom, NamedUuid, Row } from '../datum';
import type { Replica } from '../replica';
import type { Transaction } from '../transaction';
import { mergeMapMutations } from './map-merge';
import { findByName, rootRow } from './vswitch-tables';

export const FAIL_MODES = ['secure', 'standalone'] as const;
export type FailMode = (typeof FAIL_MODES)[number];

/** `system` is the kernel datapath, `netdev` the userspace one. */
export type DatapathType = 'system' | 'netdev';

export interface BridgeSpec {
  readonly name: string;
  readonly datapathType: DatapathType;
  /** Default `secure`: in `standalone` OVS falls back to a learning switch (allow-all) when no controller is connected. */
  readonly failMode?: FailMode;
  /** Default `['OpenFlow13']`. */
  readonly protocols?: readonly string[];
  /** Keys to set (or, with `undefined`, remove); keys not named are left alone. */
  readonly otherConfig?: Readonly<Record<string, string | undefined>>;
  readonly externalIds?: Readonly<Record<string, string | undefined>>;
}

/** The datapath a bridge row asks for (the empty string means the default, `system`). */
export function bridgeDatapath(bridge: Row): DatapathType | string {
  return bridge.datapath_type === '' ? 'system' : (bridge.datapath_type as string);
}

/**
 * Adds to `txn` what makes the bridge match `spec`: a new bridge with its local internal
 * port, or the columns of an existing one that differ. Returns the bridge's UUID (a named
 * one if it is new). Adds nothing when the bridge already matches.
 */
export function planBridge(txn: Transaction, replica: Replica, spec: BridgeSpec): string | NamedUuid {
  const failMode = [spec.failMode ?? 'secure'];
  const protocols = [...(spec.protocols ?? ['OpenFlow13'])].sort();
  const existing = findByName(replica, 'Bridge', spec.name);
  if (!existing) {
    const root = rootRow(replica);
    // Two agents creating the same bridge: the loser's verify fails, and the rebuild finds it.
    txn.verify('Open_vSwitch', root._uuid, ['bridges']);
    const iface = txn.insert('Interface', { name: spec.name, type: 'internal' });
    const port = txn.insert('Port', { name: spec.name, interfaces: [iface] });
    const bridge = txn.insert('Bridge', {
      name: spec.name,
      datapath_type: spec.datapathType,
      fail_mode: failMode,
      protocols,
      ports: [port],
      other_config: definedEntries(spec.otherConfig),
      external_ids: definedEntries(spec.externalIds),
    });
    txn.mutate('Open_vSwitch', root._uuid, [['bridges', 'insert', [bridge]]]);
    return bridge;
  }
  const changed: Record<string, Atom | Atom[]> = {};
  if (bridgeDatapath(existing) !== spec.datapathType) changed.datapath_type = spec.datapathType;
  if (!sameSet(existing.fail_mode as readonly Atom[], failMode)) changed.fail_mode = failMode;
  if (!sameSet(existing.protocols as readonly Atom[], protocols)) changed.protocols = protocols;
  if (Object.keys(changed).length) txn.update('Bridge', existing._uuid, changed);
  const mutations = [
    ...mergeMapMutations('other_config', existing.other_config as ReadonlyMap<Atom, Atom>, spec.otherConfig ?? {}),
    ...mergeMapMutations('external_ids', existing.external_ids as ReadonlyMap<Atom, Atom>, spec.externalIds ?? {}),
  ];
  if (mutations.length) txn.mutate('Bridge', existing._uuid, mutations);
  return existing._uuid;
}

export function definedEntries(map: Readonly<Record<string, string | undefined>> | undefined): Map<string, string> {
  return new Map(Object.entries(map ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
}

export function sameSet(a: readonly Atom[], b: readonly Atom[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
