import { readMatch, writeMatch } from '../match';
import type { Match } from '../match-types';
import { NO_BUFFER } from '../ports';
import type { Reader } from '../reader';
import type { WithDefaults } from '../types';
import type { Writer } from '../writer';

export const PacketInReason = { NO_MATCH: 0, ACTION: 1, INVALID_TTL: 2 } as const;

/**
 * OFPT_PACKET_IN. `match` carries the packet's pipeline metadata (in_port, tunnel,
 * registers, conntrack state) rather than its headers; `data` is the packet, possibly cut
 * to the flow's max_len (then `totalLen` is the full length).
 */
export interface PacketIn {
  type: 'packet_in';
  xid: number;
  bufferId: number;
  totalLen: number;
  /** `PacketInReason`. */
  reason: number;
  tableId: number;
  cookie: bigint;
  match: Match;
  data: Buffer;
}
export type PacketInInput = WithDefaults<PacketIn, 'bufferId' | 'totalLen' | 'cookie' | 'match' | 'data'>;

export function writePacketIn(w: Writer, m: PacketInInput): void {
  w.u32(m.bufferId ?? NO_BUFFER, 'packet_in.bufferId');
  w.u16(m.totalLen ?? m.data?.length ?? 0, 'packet_in.totalLen');
  w.u8(m.reason, 'packet_in.reason');
  w.u8(m.tableId, 'packet_in.tableId');
  w.u64(m.cookie ?? 0n, 'packet_in.cookie');
  writeMatch(w, m.match, 'packet_in.match');
  w.zeros(2);
  if (m.data) w.bytes(m.data, 'packet_in.data');
}

export function readPacketIn(r: Reader, xid: number): PacketIn {
  const bufferId = r.u32('buffer_id');
  const totalLen = r.u16('total_len');
  const reason = r.u8('reason');
  const tableId = r.u8('table_id');
  const cookie = r.u64('cookie');
  const match = readMatch(r);
  r.skip(2, 'padding');
  return { type: 'packet_in', xid, bufferId, totalLen, reason, tableId, cookie, match, data: r.rest() };
}
