import type { Atom } from '../datum';
import type { Replica } from '../replica';
import type { Transaction } from '../transaction';
import { definedEntries } from './bridge-plan';
import { mergeMapMutations } from './map-merge';
import { bridgeOfPort, findByName, VswitchConfigError } from './vswitch-tables';

/** `system` is an existing network device (a veth end, a NIC); OVS stores it as the empty type. */
export type InterfaceType = 'system' | 'internal' | 'vxlan' | 'geneve' | 'gre' | 'patch' | 'tap';

export interface PortSpec {
  readonly bridge: string;
  /** The port and its one interface share this name. */
  readonly name: string;
  /** Default `system`. */
  readonly type?: InterfaceType;
  /** The interface's `options`, exactly: keys not listed are removed (a tunnel's configuration belongs to its spec). */
  readonly options?: Readonly<Record<string, string>>;
  /** Keys to set on the interface's `external_ids` (e.g. `iface-id`); others are left alone. */
  readonly externalIds?: Readonly<Record<string, string | undefined>>;
  readonly ofportRequest?: number;
}

/** A VXLAN port whose peer and VNI each flow chooses (`set_field:…->tun_dst`, `…->tun_id`). */
export function flowBasedVxlanPort(bridge: string, name = 'vxlan0'): PortSpec {
  return { bridge, name, type: 'vxlan', options: { remote_ip: 'flow', key: 'flow' } };
}

function storedType(type: InterfaceType | undefined): string {
  return !type || type === 'system' ? '' : type;
}

/**
 * Adds to `txn` what makes the port match `spec`: a new port and interface on the bridge,
 * or the interface columns that differ. A port of that name on another bridge is refused
 * rather than moved. Adds nothing when the port already matches.
 */
export function planPort(txn: Transaction, replica: Replica, spec: PortSpec): void {
  const bridge = findByName(replica, 'Bridge', spec.bridge);
  if (!bridge) throw new VswitchConfigError(`port ${spec.name}: bridge ${spec.bridge} does not exist`);
  const type = storedType(spec.type);
  const options = new Map(Object.entries(spec.options ?? {}));
  const port = findByName(replica, 'Port', spec.name);
  if (!port) {
    txn.verify('Bridge', bridge._uuid, ['ports']);
    const iface = txn.insert('Interface', {
      name: spec.name,
      type,
      options,
      external_ids: definedEntries(spec.externalIds),
      ...(spec.ofportRequest !== undefined ? { ofport_request: [spec.ofportRequest] } : {}),
    });
    const newPort = txn.insert('Port', { name: spec.name, interfaces: [iface] });
    txn.mutate('Bridge', bridge._uuid, [['ports', 'insert', [newPort]]]);
    return;
  }
  const owner = bridgeOfPort(replica, port);
  if (owner && owner._uuid !== bridge._uuid) throw new VswitchConfigError(`port ${spec.name} already exists on bridge ${owner.name as string}, not ${spec.bridge}`);
  const iface = findByName(replica, 'Interface', spec.name);
  if (!iface) throw new VswitchConfigError(`port ${spec.name} has no interface of the same name; it was not made by Loom`);
  const changed: Record<string, Atom | Atom[] | Map<string, string>> = {};
  if (iface.type !== type) changed.type = type;
  if (!sameMap(iface.options as ReadonlyMap<Atom, Atom>, options)) changed.options = options;
  if (spec.ofportRequest !== undefined && (iface.ofport_request as readonly Atom[])[0] !== spec.ofportRequest) changed.ofport_request = [spec.ofportRequest];
  if (Object.keys(changed).length) txn.update('Interface', iface._uuid, changed);
  const mutations = mergeMapMutations('external_ids', iface.external_ids as ReadonlyMap<Atom, Atom>, spec.externalIds ?? {});
  if (mutations.length) txn.mutate('Interface', iface._uuid, mutations);
}

function sameMap(a: ReadonlyMap<Atom, Atom>, b: ReadonlyMap<Atom, Atom>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

/** Removes the port from its bridge (the Port and Interface rows go with it: nothing else refers to them). Adds nothing if there is no such port. */
export function planPortRemoval(txn: Transaction, replica: Replica, name: string): void {
  const port = findByName(replica, 'Port', name);
  const owner = port && bridgeOfPort(replica, port);
  if (owner) txn.mutate('Bridge', owner._uuid, [['ports', 'delete', [port._uuid]]]);
}
