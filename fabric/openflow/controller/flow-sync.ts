import { EventEmitter } from 'node:events';
import { rootLogger, type Logger } from '../../../src/log';
import { DesiredFlows, type Flow } from './desired-flows';
import { CookieSpace } from './flow-cookie';
import type { SwitchConnection } from './switch-connection';
import { SwitchSync, type SyncResult, type SyncStatus } from './switch-sync';

export interface FlowSyncOptions {
  /** Owner id kept in every cookie's high bits; flows of other owners are never touched. 1..2^ownerBits-1. */
  owner: number;
  /** Default 16. */
  ownerBits?: number;
  /** How often each switch's flow count is checked against the desired set; 0 disables. Default 10000 ms. */
  checkIntervalMs?: number;
  /** For dumps, bundle barriers and commits. Default 60000 ms. */
  timeoutMs?: number;
  log?: Logger;
}

export interface FlowSyncEvents {
  /** A switch now holds its desired flows. */
  synced: [dpid: bigint, result: SyncResult];
  /** A sync failed: the switch refused flows (FlowsRejectedError), OVS merged some (FlowConflictError), a timeout. */
  syncError: [dpid: bigint, err: Error];
}

/** Where switches come from: a ControllerServer, or anything announcing connections the same way. */
export interface SwitchSource {
  readonly switches: ReadonlyMap<bigint, SwitchConnection>;
  on(event: 'switch', listener: (conn: SwitchConnection) => void): unknown;
  off(event: 'switch', listener: (conn: SwitchConnection) => void): unknown;
}

/**
 * Desired-state flow sync for one owner across switches: `setFlows(dpid, flows)` says what
 * that switch should hold, and FlowSync installs it and keeps it installed (see
 * SwitchSync). Switches without a desired set are left alone. Several owners (pipeline
 * features) can each have their FlowSync on the same switches.
 */
export class FlowSync extends EventEmitter<FlowSyncEvents> {
  readonly cookies: CookieSpace;
  private readonly perSwitch = new Map<bigint, SwitchSync>();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private readonly onSwitch = (conn: SwitchConnection) => this.switchSync(conn.datapathId).attach(conn);

  constructor(
    private readonly source: SwitchSource,
    options: FlowSyncOptions,
  ) {
    super();
    this.cookies = new CookieSpace(options.owner, options.ownerBits);
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.log = (options.log ?? rootLogger).child({ component: 'flow-sync', owner: options.owner });
    source.on('switch', this.onSwitch);
    for (const conn of source.switches.values()) this.onSwitch(conn);
    const interval = options.checkIntervalMs ?? 10_000;
    if (interval > 0) {
      this.timer = setInterval(() => this.perSwitch.forEach((s) => void s.check()), interval);
      this.timer.unref();
    }
  }

  /**
   * Replaces switch `dpid`'s desired flows. Throws InvalidFlowError or DuplicateFlowError,
   * changing nothing, if the set is not valid. The promise resolves once the switch holds
   * these flows (waiting for it to connect, or for this instance to be master), and
   * rejects with FlowsRejectedError if the switch refuses them — then nothing was applied.
   */
  setFlows(dpid: bigint, flows: readonly Flow[]): Promise<SyncResult> {
    const desired = DesiredFlows.build(flows, this.cookies);
    return this.switchSync(dpid).setDesired(desired);
  }

  status(dpid: bigint): SyncStatus | undefined {
    return this.perSwitch.get(dpid)?.status();
  }

  /** Stops syncing; flows stay as they are on the switches. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.source.off('switch', this.onSwitch);
    for (const s of this.perSwitch.values()) s.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private switchSync(dpid: bigint): SwitchSync {
    let s = this.perSwitch.get(dpid);
    if (!s) {
      s = new SwitchSync(dpid, this.cookies, this.timeoutMs, { synced: (d, r) => this.emit('synced', d, r), failed: (d, e) => this.onFailed(d, e) }, this.log);
      this.perSwitch.set(dpid, s);
    }
    return s;
  }

  private onFailed(dpid: bigint, err: Error): void {
    if (this.listenerCount('syncError') > 0) this.emit('syncError', dpid, err);
    else this.log.error({ dpid: `0x${dpid.toString(16)}`, err: err.message }, 'flow sync failed');
  }
}
