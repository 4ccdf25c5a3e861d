import type { FlowStats, Match } from '../codec';
import type { DesiredFlows } from './desired-flows';
import type { CookieSpace } from './flow-cookie';

/** Which of an owner's flows to read counters of; by default all of them. */
export interface FlowStatsFilter {
  tableId?: number;
  /** OpenFlow's non-strict match: the flows whose match is at least this specific. */
  match?: Match;
}

/** One flow's counters, as the switch reports them. */
export interface FlowCounters {
  tableId: number;
  priority: number;
  /** As OVS returns it: normalized, prerequisites included. */
  match: Match;
  cookie: bigint;
  packets: bigint;
  bytes: bigint;
  /** Position of the flow in the desired set last given to `setFlows`; undefined for a flow not in it (one the running sync has yet to delete). */
  index: number | undefined;
}

/** The counters of `stats` (this owner's flows), each tied to its desired flow by cookie. */
export function flowCounters(stats: readonly FlowStats[], space: CookieSpace, desired: DesiredFlows | undefined): FlowCounters[] {
  return stats.map((f) => {
    const index = desired?.indexOf(space.hashPart(f.cookie)) ?? -1;
    return { tableId: f.tableId, priority: f.priority, match: f.match, cookie: f.cookie, packets: f.packetCount, bytes: f.byteCount, index: index < 0 ? undefined : index };
  });
}
