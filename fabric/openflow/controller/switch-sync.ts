import type { Logger } from '../../../src/log';
import { Table } from '../codec';
import { commitBundle } from './bundle';
import { describeFlow } from './describe';
import type { DesiredFlows } from './desired-flows';
import type { DesiredGroups } from './desired-groups';
import { BundleError, FlowConflictError, FlowsRejectedError, FlowSyncClosedError, GroupsRejectedError, type RejectedFlow } from './errors';
import type { CookieSpace } from './flow-cookie';
import { GroupSync, type GroupChanges } from './group-sync';
import { HashIndex } from './hash-index';
import type { Outgoing } from './outgoing';
import type { SwitchConnection } from './switch-connection';

export interface SyncResult {
  /** Flows added and deleted to get there; both 0 when the switch already matched. */
  added: number;
  deleted: number;
  /** Desired flows, now all on the switch. */
  flows: number;
  /** What was done to the switch's groups; only for the FlowSync that owns them (`ownsGroups`). */
  groups?: GroupChanges;
}

export interface SyncStatus {
  connected: boolean;
  /** Connected and not a slave: changes can be made. */
  canWrite: boolean;
  /** The switch holds the current desired flows (as of the last sync or check). */
  inSync: boolean;
  flows: number;
  /** Desired groups; only for the FlowSync that owns them. */
  groups?: number;
  lastError: Error | undefined;
}

/** What one switch should hold: this owner's flows and, for the owner of the switch's groups, every group. */
export interface DesiredState {
  flows: DesiredFlows;
  /** Undefined when this FlowSync leaves the switch's groups alone. */
  groups: DesiredGroups | undefined;
}

export interface SyncListener {
  synced(dpid: bigint, result: SyncResult): void;
  failed(dpid: bigint, err: Error): void;
}

interface Waiter {
  version: number;
  resolve(result: SyncResult): void;
  reject(err: Error): void;
}

const ALL_ONES = (1n << 64n) - 1n;

/**
 * Brings one switch's flows of one owner to the desired set and keeps them there. A sync
 * runs on every (re)connection and promotion to master (OVS may have lost or changed
 * flows meanwhile: a restart, a controller added or removed, another master), after every
 * change of the desired set — changes made while a sync runs are merged into the next —
 * and when the periodic `check()` finds the switch drifted. One sync at a time.
 *
 * A sync: dump this owner's flows by cookie mask (skipped while the result of the last
 * sync on this connection can be trusted), diff cookies, and send the difference as one
 * atomic bundle: deletes by exact cookie, then adds. Then count the owner's flows, which
 * catches OVS treating two desired flows as one.
 *
 * For the owner of the switch's groups, the same bundle carries the group changes (see
 * GroupSync): adds and modifies first, so added flows can use added groups (OVS checks a
 * flow's `group:N` when the bundle commits, against the groups as the bundle leaves them),
 * deletes last, after the flows that used them are gone — OVS would delete those with the
 * group. A refused group therefore leaves flows and groups as they were.
 */
export class SwitchSync {
  private desired: DesiredState | undefined;
  private version = 0;
  private syncedVersion = 0;
  /** The version refused by the switch or conflicting there: retried only once it changes. */
  private failedVersion = -1;
  private lastError: Error | undefined;
  private conn: SwitchConnection | undefined;
  private detachConn: (() => void) | undefined;
  /** Cookie hash parts installed through `conn`, known since the last sync; undefined when something may have changed them. */
  private installed: HashIndex | undefined;
  private running = false;
  private again = false;
  private waiters: Waiter[] = [];
  private readonly id: string;
  /** The group half of the sync, when this owner owns the switch's groups. */
  private readonly groupSync: GroupSync | undefined;

  constructor(
    readonly dpid: bigint,
    private readonly space: CookieSpace,
    private readonly timeoutMs: number,
    private readonly listener: SyncListener,
    private readonly log: Logger,
    ownsGroups = false,
  ) {
    this.id = `dpid:${dpid.toString(16).padStart(16, '0')}`;
    this.groupSync = ownsGroups ? new GroupSync(this.id, log) : undefined;
  }

  /** The flows last given to `setDesired`. */
  get desiredFlows(): DesiredFlows | undefined {
    return this.desired?.flows;
  }

  /** Resolves when the switch holds `desired` (or a later set); rejects if the switch refuses it. */
  setDesired(desired: DesiredState): Promise<SyncResult> {
    this.desired = desired;
    const version = ++this.version;
    const done = new Promise<SyncResult>((resolve, reject) => this.waiters.push({ version, resolve, reject }));
    this.kick();
    return done;
  }

  attach(conn: SwitchConnection): void {
    this.detachConn?.();
    this.conn = conn;
    this.forget();
    const onRole = (role: string) => {
      if (role === 'slave') return;
      this.forget();
      this.kick();
    };
    const onClose = () => {
      detach();
      if (this.conn !== conn) return;
      this.conn = undefined;
      this.forget();
    };
    const detach = () => {
      conn.off('role', onRole).off('close', onClose);
      if (this.detachConn === detach) this.detachConn = undefined;
    };
    conn.on('role', onRole).on('close', onClose);
    this.detachConn = detach;
    this.kick();
  }

  /**
   * Periodic drift check: counts this owner's flows (one aggregate request) and, for the
   * owner of the groups, reads the groups; syncs if either is off.
   */
  async check(): Promise<void> {
    const { conn, desired } = this;
    if (!conn?.canWrite || !desired || this.running || this.failedVersion === this.version) return;
    if (this.lastError) {
      this.forget();
      this.kick();
      return;
    }
    const [count, groupsDrifted] = await Promise.all([
      conn.countFlows(this.filter).catch(() => desired.flows.size),
      desired.groups && this.groupSync ? this.groupSync.drifted(conn, desired.groups, this.timeoutMs).catch(() => false) : false,
    ]);
    if ((count === desired.flows.size && !groupsDrifted) || this.running || this.desired !== desired) return;
    this.log.warn({ switch: this.id, expected: desired.flows.size, found: count, groupsDrifted }, 'flows or groups drifted from the desired state; syncing');
    this.forget();
    this.kick();
  }

  status(): SyncStatus {
    return {
      connected: this.conn !== undefined,
      canWrite: this.conn?.canWrite ?? false,
      inSync: this.installed !== undefined && this.syncedVersion === this.version,
      flows: this.desired?.flows.size ?? 0,
      ...(this.groupSync && { groups: this.desired?.groups?.size ?? 0 }),
      lastError: this.lastError,
    };
  }

  /** Stops syncing; changes still waiting reject with FlowSyncClosedError. Flows stay on the switch. */
  close(): void {
    this.detachConn?.();
    this.conn = undefined;
    this.desired = undefined;
    for (const w of this.waiters.splice(0)) w.reject(new FlowSyncClosedError(this.id));
  }

  /** Something may have changed the switch's flows and groups: read them at the next sync. */
  private forget(): void {
    this.installed = undefined;
    this.groupSync?.forget();
  }

  private get filter() {
    return { cookie: this.space.prefix, cookieMask: this.space.mask };
  }

  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    setImmediate(() => void this.run());
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        const { conn, desired, version } = this;
        if (!conn?.canWrite || !desired) return;
        try {
          const result = await this.sync(conn, desired);
          this.lastError = undefined;
          this.syncedVersion = version;
          this.settle(version, (w) => w.resolve(result));
          this.listener.synced(this.dpid, result);
        } catch (err) {
          // Lost the connection or the master role: waiters wait for the next connection or promotion.
          if (!conn.canWrite) continue;
          this.lastError = err as Error;
          if (err instanceof FlowsRejectedError || err instanceof GroupsRejectedError || err instanceof FlowConflictError) this.failedVersion = version;
          this.settle(version, (w) => w.reject(err as Error));
          this.listener.failed(this.dpid, err as Error);
        }
      } while (this.again);
    } finally {
      this.running = false;
    }
  }

  private async sync(conn: SwitchConnection, desired: DesiredState): Promise<SyncResult> {
    const { flows, groups } = desired;
    const groupSync = this.groupSync;
    const [installed, groupPlan] = await Promise.all([this.installed ?? this.dumpHashes(conn), groups && groupSync?.plan(conn, groups, this.timeoutMs)]);
    const deletes: number[] = [];
    installed.forEachKey((h) => {
      if (flows.indexOf(h) < 0) deletes.push(h);
    });
    const adds: number[] = [];
    for (let i = 0; i < flows.size; i++) if (!installed.has(flows.hashes[i])) adds.push(i);
    const result: SyncResult = { added: adds.length, deleted: deletes.length, flows: flows.size };
    if (groupPlan) result.groups = groupPlan.changes;
    const groupsBefore = groupPlan?.before ?? [];
    const groupsAfter = groupPlan?.after ?? [];
    if (adds.length === 0 && deletes.length === 0 && groupsBefore.length === 0 && groupsAfter.length === 0) {
      this.installed = installed;
      groupSync?.unchanged(groupPlan);
      return result;
    }

    this.installed = undefined;
    const messages: Outgoing[] = groupsBefore.slice();
    for (const h of deletes) messages.push({ type: 'flow_mod', command: 'delete', tableId: Table.ALL, cookie: this.space.cookie(h), cookieMask: ALL_ONES });
    for (const i of adds) messages.push(flows.addMessage(i));
    for (const m of groupsAfter) messages.push(m);
    try {
      await commitBundle(conn, messages, { timeoutMs: this.timeoutMs });
    } catch (err) {
      if (!(err instanceof BundleError)) throw err;
      this.installed = installed;
      groupSync?.unchanged(groupPlan);
      const flowsAt = groupsBefore.length + deletes.length;
      const rejectedFlows = this.rejectedFlows(err, flows, flowsAt, adds);
      const rejectedGroups = groupSync?.rejected(groupPlan, err.errors, flowsAt + adds.length) ?? [];
      throw rejectedGroups.length ? new GroupsRejectedError(conn.id, rejectedGroups, rejectedFlows, err) : new FlowsRejectedError(conn.id, rejectedFlows, err);
    }

    const [count, groupsExact] = await Promise.all([conn.countFlows(this.filter), groupSync?.applied(conn, groupPlan, this.timeoutMs) ?? true]);
    // Someone changed groups meanwhile: the next round puts them right.
    if (!groupsExact) this.again = true;
    if (count !== flows.size) {
      const present = await this.dumpHashes(conn);
      this.installed = present;
      const missing: number[] = [];
      for (let i = 0; i < flows.size; i++) if (!present.has(flows.hashes[i])) missing.push(i);
      if (missing.length) throw new FlowConflictError(conn.id, missing, missing.map((i) => describeFlow(flows.flows[i])));
      // Someone else added flows under our cookies meanwhile: the next round deletes them.
      this.again = true;
      return result;
    }
    this.installed = flows.index;
    return result;
  }

  /** The cookie hash parts of this owner's flows on the switch. */
  private async dumpHashes(conn: SwitchConnection): Promise<HashIndex> {
    const flows = await conn.dumpFlows(this.filter, { timeoutMs: this.timeoutMs });
    return HashIndex.of(flows.map((f) => this.space.hashPart(f.cookie)));
  }

  /** The desired flows a refused bundle's errors are about; the adds start at `addsAt` in the bundle. */
  private rejectedFlows(err: BundleError, desired: DesiredFlows, addsAt: number, adds: readonly number[]): RejectedFlow[] {
    return err.errors.flatMap((error) => {
      const i = (error.index ?? -1) - addsAt;
      if (i < 0 || i >= adds.length) return [];
      const index = adds[i];
      return [{ index, description: describeFlow(desired.flows[index]), error }];
    });
  }

  private settle(version: number, fn: (w: Waiter) => void): void {
    const done = this.waiters.filter((w) => w.version <= version);
    this.waiters = this.waiters.filter((w) => w.version > version);
    done.forEach(fn);
  }
}
