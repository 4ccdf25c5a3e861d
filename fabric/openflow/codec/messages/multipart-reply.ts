import { OpenFlowEncodeError } from '../errors';
import { readInstructions, writeInstructions, type Instruction } from '../instructions';
import { readMatch, writeMatch } from '../match';
import type { Match } from '../match-types';
import type { Reader } from '../reader';
import type { Writer } from '../writer';
import { readBuckets, readGroupType, writeBuckets, writeGroupType, type Bucket, type GroupType } from './group-mod';
import { MultipartType, multipartTypeOf, type RawMultipart } from './multipart-request';
import { PORT_DESC_LEN, readPortDesc, writePortDesc, type PortDesc } from './port';

/** Multipart replies: the switch's description and statistics. */

export interface SwitchDesc {
  kind: 'desc';
  mfrDesc: string;
  hwDesc: string;
  swDesc: string;
  serialNum: string;
  dpDesc: string;
}

export interface FlowStats {
  tableId: number;
  durationSec: number;
  durationNsec: number;
  priority: number;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  cookie: bigint;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
  instructions: Instruction[];
}

export interface TableStats {
  tableId: number;
  activeCount: number;
  lookupCount: bigint;
  matchedCount: bigint;
}

export interface PortStats {
  portNo: number;
  rxPackets: bigint;
  txPackets: bigint;
  rxBytes: bigint;
  txBytes: bigint;
  rxDropped: bigint;
  txDropped: bigint;
  rxErrors: bigint;
  txErrors: bigint;
  rxFrameErr: bigint;
  rxOverErr: bigint;
  rxCrcErr: bigint;
  collisions: bigint;
  durationSec: number;
  durationNsec: number;
}

export interface GroupDesc {
  groupType: GroupType;
  groupId: number;
  buckets: Bucket[];
}

export type MultipartReplyBody =
  | SwitchDesc
  | { kind: 'flow'; flows: FlowStats[] }
  | { kind: 'aggregate'; packetCount: bigint; byteCount: bigint; flowCount: number }
  | { kind: 'table'; tables: TableStats[] }
  | { kind: 'port_stats'; ports: PortStats[] }
  | { kind: 'group_desc'; groups: GroupDesc[] }
  | { kind: 'port_desc'; ports: PortDesc[] }
  | RawMultipart;

export interface MultipartReply {
  type: 'multipart_reply';
  xid: number;
  /** `MultipartFlags`: MORE when further replies with this xid follow. */
  flags: number;
  body: MultipartReplyBody;
}
export type MultipartReplyInput = Omit<MultipartReply, 'flags'> & { flags?: number };

const DESC_STR_LEN = 256;
const SERIAL_NUM_LEN = 32;
const PORT_COUNTERS = ['rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'rxDropped', 'txDropped', 'rxErrors', 'txErrors', 'rxFrameErr', 'rxOverErr', 'rxCrcErr', 'collisions'] as const;

function list<T>(items: readonly T[], what: string): readonly T[] {
  if (!Array.isArray(items)) throw new OpenFlowEncodeError(what, 'expected an array');
  return items;
}

export function writeMultipartReply(w: Writer, m: MultipartReplyInput): void {
  const body = m.body;
  const what = 'multipart_reply.body';
  w.u16(multipartTypeOf(body, what), `${what}.multipartType`);
  w.u16(m.flags ?? 0, 'multipart_reply.flags');
  w.zeros(4);
  switch (body.kind) {
    case 'desc':
      w.text(body.mfrDesc, DESC_STR_LEN, `${what}.mfrDesc`);
      w.text(body.hwDesc, DESC_STR_LEN, `${what}.hwDesc`);
      w.text(body.swDesc, DESC_STR_LEN, `${what}.swDesc`);
      w.text(body.serialNum, SERIAL_NUM_LEN, `${what}.serialNum`);
      w.text(body.dpDesc, DESC_STR_LEN, `${what}.dpDesc`);
      break;
    case 'flow':
      for (const f of list(body.flows, `${what}.flows`)) {
        const start = w.pos;
        w.u16(0, `${what}.flows`);
        w.u8(f.tableId, `${what}.flows.tableId`);
        w.zeros(1);
        w.u32(f.durationSec, `${what}.flows.durationSec`);
        w.u32(f.durationNsec, `${what}.flows.durationNsec`);
        w.u16(f.priority, `${what}.flows.priority`);
        w.u16(f.idleTimeout, `${what}.flows.idleTimeout`);
        w.u16(f.hardTimeout, `${what}.flows.hardTimeout`);
        w.u16(f.flags, `${what}.flows.flags`);
        w.zeros(4);
        w.u64(f.cookie, `${what}.flows.cookie`);
        w.u64(f.packetCount, `${what}.flows.packetCount`);
        w.u64(f.byteCount, `${what}.flows.byteCount`);
        writeMatch(w, f.match, `${what}.flows.match`);
        writeInstructions(w, f.instructions, `${what}.flows.instructions`);
        w.patch16(start, w.pos - start, `${what}.flows`);
      }
      break;
    case 'aggregate':
      w.u64(body.packetCount, `${what}.packetCount`);
      w.u64(body.byteCount, `${what}.byteCount`);
      w.u32(body.flowCount, `${what}.flowCount`);
      w.zeros(4);
      break;
    case 'table':
      for (const t of list(body.tables, `${what}.tables`)) {
        w.u8(t.tableId, `${what}.tables.tableId`);
        w.zeros(3);
        w.u32(t.activeCount, `${what}.tables.activeCount`);
        w.u64(t.lookupCount, `${what}.tables.lookupCount`);
        w.u64(t.matchedCount, `${what}.tables.matchedCount`);
      }
      break;
    case 'port_stats':
      for (const p of list(body.ports, `${what}.ports`)) {
        w.u32(p.portNo, `${what}.ports.portNo`);
        w.zeros(4);
        for (const key of PORT_COUNTERS) w.u64(p[key], `${what}.ports.${key}`);
        w.u32(p.durationSec, `${what}.ports.durationSec`);
        w.u32(p.durationNsec, `${what}.ports.durationNsec`);
      }
      break;
    case 'group_desc':
      for (const g of list(body.groups, `${what}.groups`)) {
        const start = w.pos;
        w.u16(0, `${what}.groups`);
        writeGroupType(w, g.groupType, `${what}.groups.groupType`);
        w.zeros(1);
        w.u32(g.groupId, `${what}.groups.groupId`);
        writeBuckets(w, g.buckets, `${what}.groups.buckets`);
        w.patch16(start, w.pos - start, `${what}.groups`);
      }
      break;
    case 'port_desc':
      for (const p of list(body.ports, `${what}.ports`)) writePortDesc(w, p, `${what}.ports`);
      break;
    case 'raw':
      w.bytes(body.data, `${what}.data`);
      break;
  }
}

/** Reads records that each start with a 16-bit length covering the whole record. */
function records<T>(r: Reader, min: number, what: string, read: () => T): T[] {
  const out: T[] = [];
  while (r.pos < r.end) {
    const at = r.pos;
    const len = r.u16(`${what} length`);
    if (len < min) r.failAt(at, `${what} length of at least ${min}`, `${len}`);
    const outer = r.enter(len - 2, what);
    out.push(read());
    r.leave(outer, what);
  }
  return out;
}

/** Reads fixed-size records. */
function fixedRecords<T>(r: Reader, size: number, what: string, read: () => T): T[] {
  if ((r.end - r.pos) % size) r.fail(`${what} records of ${size} bytes each`, `${r.end - r.pos} bytes`);
  const out: T[] = [];
  while (r.pos < r.end) out.push(read());
  return out;
}

export function readMultipartReply(r: Reader, xid: number): MultipartReply {
  const multipartType = r.u16('multipart type');
  const flags = r.u16('multipart flags');
  r.skip(4, 'padding');
  return { type: 'multipart_reply', xid, flags, body: readReplyBody(r, multipartType) };
}

function readReplyBody(r: Reader, multipartType: number): MultipartReplyBody {
  switch (multipartType) {
    case MultipartType.DESC:
      return {
        kind: 'desc',
        mfrDesc: r.text(DESC_STR_LEN, 'mfr_desc'),
        hwDesc: r.text(DESC_STR_LEN, 'hw_desc'),
        swDesc: r.text(DESC_STR_LEN, 'sw_desc'),
        serialNum: r.text(SERIAL_NUM_LEN, 'serial_num'),
        dpDesc: r.text(DESC_STR_LEN, 'dp_desc'),
      };
    case MultipartType.FLOW:
      return {
        kind: 'flow',
        flows: records(r, 56, 'flow stats', () => {
          const tableId = r.u8('table_id');
          r.skip(1, 'padding');
          const durationSec = r.u32('duration_sec');
          const durationNsec = r.u32('duration_nsec');
          const priority = r.u16('priority');
          const idleTimeout = r.u16('idle_timeout');
          const hardTimeout = r.u16('hard_timeout');
          const flags = r.u16('flags');
          r.skip(4, 'padding');
          const cookie = r.u64('cookie');
          const packetCount = r.u64('packet_count');
          const byteCount = r.u64('byte_count');
          const match = readMatch(r);
          const instructions = readInstructions(r);
          return { tableId, durationSec, durationNsec, priority, idleTimeout, hardTimeout, flags, cookie, packetCount, byteCount, match, instructions };
        }),
      };
    case MultipartType.AGGREGATE: {
      const packetCount = r.u64('packet_count');
      const byteCount = r.u64('byte_count');
      const flowCount = r.u32('flow_count');
      r.skip(4, 'padding');
      return { kind: 'aggregate', packetCount, byteCount, flowCount };
    }
    case MultipartType.TABLE:
      return {
        kind: 'table',
        tables: fixedRecords(r, 24, 'table stats', () => {
          const tableId = r.u8('table_id');
          r.skip(3, 'padding');
          const activeCount = r.u32('active_count');
          const lookupCount = r.u64('lookup_count');
          return { tableId, activeCount, lookupCount, matchedCount: r.u64('matched_count') };
        }),
      };
    case MultipartType.PORT_STATS:
      return {
        kind: 'port_stats',
        ports: fixedRecords(r, 112, 'port stats', () => {
          const portNo = r.u32('port_no');
          r.skip(4, 'padding');
          const p = { portNo } as PortStats;
          for (const key of PORT_COUNTERS) p[key] = r.u64(key);
          p.durationSec = r.u32('duration_sec');
          p.durationNsec = r.u32('duration_nsec');
          return p;
        }),
      };
    case MultipartType.GROUP_DESC:
      return {
        kind: 'group_desc',
        groups: records(r, 8, 'group desc', () => {
          const groupType = readGroupType(r);
          r.skip(1, 'padding');
          const groupId = r.u32('group_id');
          return { groupType, groupId, buckets: readBuckets(r) };
        }),
      };
    case MultipartType.PORT_DESC:
      return { kind: 'port_desc', ports: fixedRecords(r, PORT_DESC_LEN, 'port', () => readPortDesc(r)) };
    default:
      return { kind: 'raw', multipartType, data: r.rest() };
  }
}
