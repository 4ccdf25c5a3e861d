import type { Atom } from '../datum';
import type { Replica } from '../replica';
import type { Transaction } from '../transaction';
import { type FailMode, sameSet } from './bridge-plan';
import { findByName, VswitchConfigError } from './vswitch-tables';

export interface ControllerSpec {
  readonly bridge: string;
  /** OpenFlow controller targets, e.g. `unix:<rundir>/controller.sock`, `tcp:10.0.0.1:6653`. Empty removes every controller. */
  readonly targets: readonly string[];
  /**
   * Default `secure`, set together with the controllers: in `standalone` a bridge that loses
   * its controllers falls back to allow-all switching.
   */
  readonly failMode?: FailMode;
}

const TARGET_PATTERN = /^(tcp|ssl):[^:]+(:\d+)?$|^(tcp|ssl):\[[^\]]+\](:\d+)?$|^unix:.+$|^(ptcp|pssl):(\d+)?(:.+)?$|^punix:.+$/;

/**
 * Adds to `txn` what gives the bridge exactly these controller targets. Controllers
 * already there for a wanted target are kept (their connection stays up); the others are
 * dropped from the bridge, and unreferenced Controller rows disappear with it. Note that
 * OVS flushes a bridge's flows when its first controller is added or its last removed.
 */
export function planControllers(txn: Transaction, replica: Replica, spec: ControllerSpec): void {
  const bad = spec.targets.filter((t) => !TARGET_PATTERN.test(t));
  if (bad.length) {
    throw new VswitchConfigError(`bridge ${spec.bridge}: controller target ${bad.map((t) => JSON.stringify(t)).join(', ')} not understood; accepted: tcp:IP[:PORT], ssl:IP[:PORT], unix:PATH, ptcp:[PORT][:IP], pssl:[PORT][:IP], punix:PATH`);
  }
  if (new Set(spec.targets).size !== spec.targets.length) throw new VswitchConfigError(`bridge ${spec.bridge}: controller targets repeat: ${spec.targets.join(', ')}`);
  const bridge = findByName(replica, 'Bridge', spec.bridge);
  if (!bridge) throw new VswitchConfigError(`controllers: bridge ${spec.bridge} does not exist`);
  const controllers = replica.rows('Controller');
  const kept = new Map<string, string>();
  for (const uuid of bridge.controller as readonly string[]) {
    const target = controllers.get(uuid)?.target as string | undefined;
    if (target !== undefined && spec.targets.includes(target) && !kept.has(target)) kept.set(target, uuid);
  }
  const current = bridge.controller as readonly string[];
  const failMode = [spec.failMode ?? 'secure'];
  const failModeChanged = !sameSet(bridge.fail_mode as readonly Atom[], failMode);
  const unchanged = kept.size === spec.targets.length && current.length === kept.size;
  if (unchanged && !failModeChanged) return;
  txn.verify('Bridge', bridge._uuid, ['controller']);
  const wanted = spec.targets.map((target) => kept.get(target) ?? txn.insert('Controller', { target }));
  txn.update('Bridge', bridge._uuid, { controller: wanted, fail_mode: failMode });
}
