import { EventEmitter } from 'node:events';
import { rootLogger, type Logger } from '../../../src/log';
import { DesiredFlows, type Flow } from './desired-flows';
import { DesiredGroups, type Group } from './desired-groups';
import { InvalidGroupsError, InvalidOptionError, NotConnectedError } from './errors';
import { CookieSpace } from './flow-cookie';
import { flowCounters, type FlowCounters, type FlowStatsFilter } from './flow-counters';
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
  /**
   * This FlowSync owns the groups of the switches it has desired state for: each holds
   * exactly the groups given to `setFlows` (none when not given), whoever added the others.
   * Groups have no cookie to tell owners apart, so one FlowSync per switch source may own
   * them (a second throws InvalidOptionError). Default false: groups are left alone.
   */
  ownsGroups?: boolean;
  log?: Logger;
}

export interface FlowSyncEvents {
  /** A switch now holds its desired flows. */
  synced: [dpid: bigint, result: SyncResult];
  /** A sync failed: the switch refused flows (FlowsRejectedError) or groups (GroupsRejectedError), OVS merged flows (FlowConflictError), a timeout. */
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
 * features) can each have their FlowSync on the same switches; one of them may own the
 * switches' groups (`ownsGroups`).
 */
export class FlowSync extends EventEmitter<FlowSyncEvents> {
  readonly cookies: CookieSpace;
  private readonly perSwitch = new Map<bigint, SwitchSync>();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private readonly ownsGroups: boolean;
  private readonly onSwitch = (conn: SwitchConnection) => this.switchSync(conn.datapathId).attach(conn);

  constructor(
    private readonly source: SwitchSource,
    options: FlowSyncOptions,
  ) {
    super();
    this.cookies = new CookieSpace(options.owner, options.ownerBits);
    this.ownsGroups = options.ownsGroups ?? false;
    if (this.ownsGroups) claimGroups(source, this);
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
   * Replaces switch `dpid`'s desired flows and, for the FlowSync that owns groups, its
   * desired groups (default none). Throws InvalidFlowError, DuplicateFlowError or
   * InvalidGroupsError, changing nothing, if the state is not valid. The promise resolves
   * once the switch holds these flows and groups (waiting for it to connect, or for this
   * instance to be master), and rejects with FlowsRejectedError or GroupsRejectedError if
   * the switch refuses them — then nothing was applied. Flows must not be changed after
   * they are given: one given again as the same object is taken for the same flow.
   */
  setFlows(dpid: bigint, flows: readonly Flow[], groups?: readonly Group[]): Promise<SyncResult> {
    if (groups !== undefined && !this.ownsGroups) {
      throw new InvalidGroupsError([`groups: this FlowSync (owner 0x${this.cookies.owner.toString(16)}) does not own the switches' groups; pass groups to the one created with ownsGroups: true`]);
    }
    // Flows given again as the same objects as last time are not encoded again.
    const desiredFlows = DesiredFlows.build(flows, this.cookies, this.perSwitch.get(dpid)?.desiredFlows);
    const desiredGroups = this.ownsGroups ? DesiredGroups.build(groups ?? [], flows) : undefined;
    return this.switchSync(dpid).setDesired({ flows: desiredFlows, groups: desiredGroups });
  }

  /**
   * Packet and byte counters of this owner's flows on switch `dpid` (one OFPMP_FLOW
   * request by cookie mask), optionally only those of one table or match. Reading is
   * allowed on a slave connection too. Rejects with NotConnectedError while the switch is
   * not connected.
   */
  async flowStats(dpid: bigint, filter: FlowStatsFilter = {}): Promise<FlowCounters[]> {
    const conn = this.source.switches.get(dpid);
    if (!conn) throw new NotConnectedError(`dpid:${dpid.toString(16).padStart(16, '0')}`);
    const stats = await conn.dumpFlows({ ...filter, cookie: this.cookies.prefix, cookieMask: this.cookies.mask }, { timeoutMs: this.timeoutMs });
    return flowCounters(stats, this.cookies, this.perSwitch.get(dpid)?.desiredFlows);
  }

  status(dpid: bigint): SyncStatus | undefined {
    return this.perSwitch.get(dpid)?.status();
  }

  /** Stops syncing; flows stay as they are on the switches. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.source.off('switch', this.onSwitch);
    if (groupOwners.get(this.source) === this) groupOwners.delete(this.source);
    for (const s of this.perSwitch.values()) s.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private switchSync(dpid: bigint): SwitchSync {
    let s = this.perSwitch.get(dpid);
    if (!s) {
      s = new SwitchSync(dpid, this.cookies, this.timeoutMs, { synced: (d, r) => this.emit('synced', d, r), failed: (d, e) => this.onFailed(d, e) }, this.log, this.ownsGroups);
      this.perSwitch.set(dpid, s);
    }
    return s;
  }

  private onFailed(dpid: bigint, err: Error): void {
    if (this.listenerCount('syncError') > 0) this.emit('syncError', dpid, err);
    else this.log.error({ dpid: `0x${dpid.toString(16)}`, err: err.message }, 'flow sync failed');
  }
}

/** The FlowSync owning the groups of each switch source's switches. */
const groupOwners = new WeakMap<SwitchSource, FlowSync>();

function claimGroups(source: SwitchSource, sync: FlowSync): void {
  const owner = groupOwners.get(source);
  if (owner) throw new InvalidOptionError('ownsGroups', `the FlowSync of owner 0x${owner.cookies.owner.toString(16)} owns this switch source's groups already; groups have no cookie to tell owners apart, so one FlowSync per switch source may own them`);
  groupOwners.set(source, sync);
}
