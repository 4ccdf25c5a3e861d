import { readMatch, writeMatch } from '../match';
import type { Match } from '../match-types';
import type { Reader } from '../reader';
import type { Writer } from '../writer';

/** Why a flow went; OVS adds METER_DELETE and EVICTION to OpenFlow 1.3's four. */
export const FlowRemovedReason = { IDLE_TIMEOUT: 0, HARD_TIMEOUT: 1, DELETE: 2, GROUP_DELETE: 3, METER_DELETE: 4, EVICTION: 5 } as const;

/** OFPT_FLOW_REMOVED, sent for flows added with FlowModFlags.SEND_FLOW_REM. */
export interface FlowRemoved {
  type: 'flow_removed';
  xid: number;
  cookie: bigint;
  priority: number;
  /** `FlowRemovedReason`. */
  reason: number;
  tableId: number;
  durationSec: number;
  durationNsec: number;
  idleTimeout: number;
  hardTimeout: number;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
}

export function writeFlowRemoved(w: Writer, m: FlowRemoved): void {
  w.u64(m.cookie, 'flow_removed.cookie');
  w.u16(m.priority, 'flow_removed.priority');
  w.u8(m.reason, 'flow_removed.reason');
  w.u8(m.tableId, 'flow_removed.tableId');
  w.u32(m.durationSec, 'flow_removed.durationSec');
  w.u32(m.durationNsec, 'flow_removed.durationNsec');
  w.u16(m.idleTimeout, 'flow_removed.idleTimeout');
  w.u16(m.hardTimeout, 'flow_removed.hardTimeout');
  w.u64(m.packetCount, 'flow_removed.packetCount');
  w.u64(m.byteCount, 'flow_removed.byteCount');
  writeMatch(w, m.match, 'flow_removed.match');
}

export function readFlowRemoved(r: Reader, xid: number): FlowRemoved {
  const cookie = r.u64('cookie');
  const priority = r.u16('priority');
  const reason = r.u8('reason');
  const tableId = r.u8('table_id');
  const durationSec = r.u32('duration_sec');
  const durationNsec = r.u32('duration_nsec');
  const idleTimeout = r.u16('idle_timeout');
  const hardTimeout = r.u16('hard_timeout');
  const packetCount = r.u64('packet_count');
  const byteCount = r.u64('byte_count');
  const match = readMatch(r);
  return { type: 'flow_removed', xid, cookie, priority, reason, tableId, durationSec, durationNsec, idleTimeout, hardTimeout, packetCount, byteCount, match };
}
