import type { Atom } from '../datum';
import type { Replica } from '../replica';
import type { Transaction } from '../transaction';
import { mergeMapMutations } from './map-merge';
import { rootRow } from './vswitch-tables';

/** Sets (or with `undefined` removes) keys of `Open_vSwitch.other_config`, the switch-wide settings. Adds nothing when they already hold. */
export function planSwitchConfig(txn: Transaction, replica: Replica, settings: Readonly<Record<string, string | undefined>>): void {
  const root = rootRow(replica);
  const mutations = mergeMapMutations('other_config', root.other_config as ReadonlyMap<Atom, Atom>, settings);
  if (mutations.length) txn.mutate('Open_vSwitch', root._uuid, mutations);
}

/**
 * `other_config:hw-offload`: flows are offered to NICs that can take them (with none
 * capable, nothing is offloaded). ovs-vswitchd turns offload on at once, but turning it
 * off takes effect only after ovs-vswitchd restarts.
 */
export function planHwOffload(txn: Transaction, replica: Replica, enabled: boolean): void {
  planSwitchConfig(txn, replica, { 'hw-offload': String(enabled) });
}
