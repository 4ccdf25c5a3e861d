import { OpenFlowEncodeError } from '../errors';
import { readMatch, writeMatch } from '../match';
import type { Match } from '../match-types';
import { Group, Port, Table } from '../ports';
import type { Reader } from '../reader';
import type { WithDefaults } from '../types';
import type { Writer } from '../writer';

/** `ofp_multipart_type` values. */
export const MultipartType = {
  DESC: 0,
  FLOW: 1,
  AGGREGATE: 2,
  TABLE: 3,
  PORT_STATS: 4,
  QUEUE: 5,
  GROUP: 6,
  GROUP_DESC: 7,
  GROUP_FEATURES: 8,
  METER: 9,
  METER_CONFIG: 10,
  METER_FEATURES: 11,
  TABLE_FEATURES: 12,
  PORT_DESC: 13,
  EXPERIMENTER: 0xffff,
} as const;

/** Request and reply flags: more parts follow. */
export const MultipartFlags = { MORE: 1 } as const;

/** Selects flows for flow and aggregate stats; defaults select every flow. */
export interface FlowStatsRequest {
  kind: 'flow' | 'aggregate';
  tableId: number;
  outPort: number;
  outGroup: number;
  cookie: bigint;
  cookieMask: bigint;
  match: Match;
}

/** A multipart kind without a model here; `data` is the body after the multipart header. */
export interface RawMultipart {
  kind: 'raw';
  multipartType: number;
  data: Buffer;
}

export type MultipartRequestBody =
  | { kind: 'desc' }
  | FlowStatsRequest
  | { kind: 'table' }
  | { kind: 'port_stats'; portNo: number }
  | { kind: 'group_desc' }
  | { kind: 'port_desc' }
  | RawMultipart;

export type MultipartRequestBodyInput =
  | Exclude<MultipartRequestBody, FlowStatsRequest>
  | WithDefaults<FlowStatsRequest, 'tableId' | 'outPort' | 'outGroup' | 'cookie' | 'cookieMask' | 'match'>;

export interface MultipartRequest {
  type: 'multipart_request';
  xid: number;
  /** `MultipartFlags`. */
  flags: number;
  body: MultipartRequestBody;
}
export type MultipartRequestInput = Omit<MultipartRequest, 'flags' | 'body'> & { flags?: number; body: MultipartRequestBodyInput };

/** Kinds whose request has no body. */
export const EMPTY_KINDS = { desc: MultipartType.DESC, table: MultipartType.TABLE, group_desc: MultipartType.GROUP_DESC, port_desc: MultipartType.PORT_DESC } as const;
const EMPTY_BY_TYPE = new Map(Object.entries(EMPTY_KINDS).map(([k, v]) => [v as number, k as keyof typeof EMPTY_KINDS]));

/** The multipart type of a body kind. */
export function multipartTypeOf(body: { kind: string; multipartType?: number }, what: string): number {
  switch (body?.kind) {
    case 'flow':
      return MultipartType.FLOW;
    case 'aggregate':
      return MultipartType.AGGREGATE;
    case 'port_stats':
      return MultipartType.PORT_STATS;
    case 'raw':
      return body.multipartType ?? -1;
    default: {
      const t = EMPTY_KINDS[body?.kind as keyof typeof EMPTY_KINDS];
      if (t === undefined) throw new OpenFlowEncodeError(`${what}.kind`, `unknown multipart kind ${JSON.stringify(body?.kind)}`);
      return t;
    }
  }
}

export function writeMultipartRequest(w: Writer, m: MultipartRequestInput): void {
  const body = m.body;
  w.u16(multipartTypeOf(body, 'multipart_request.body'), 'multipart_request.body.multipartType');
  w.u16(m.flags ?? 0, 'multipart_request.flags');
  w.zeros(4);
  switch (body.kind) {
    case 'flow':
    case 'aggregate':
      w.u8(body.tableId ?? Table.ALL, 'multipart_request.body.tableId');
      w.zeros(3);
      w.u32(body.outPort ?? Port.ANY, 'multipart_request.body.outPort');
      w.u32(body.outGroup ?? Group.ANY, 'multipart_request.body.outGroup');
      w.zeros(4);
      w.u64(body.cookie ?? 0n, 'multipart_request.body.cookie');
      w.u64(body.cookieMask ?? 0n, 'multipart_request.body.cookieMask');
      writeMatch(w, body.match, 'multipart_request.body.match');
      break;
    case 'port_stats':
      w.u32(body.portNo, 'multipart_request.body.portNo');
      w.zeros(4);
      break;
    case 'raw':
      w.bytes(body.data, 'multipart_request.body.data');
      break;
    default:
  }
}

export function readMultipartRequest(r: Reader, xid: number): MultipartRequest {
  const multipartType = r.u16('multipart type');
  const flags = r.u16('multipart flags');
  r.skip(4, 'padding');
  let body: MultipartRequestBody;
  const empty = EMPTY_BY_TYPE.get(multipartType);
  if (empty !== undefined) {
    body = { kind: empty };
  } else if (multipartType === MultipartType.FLOW || multipartType === MultipartType.AGGREGATE) {
    const tableId = r.u8('table_id');
    r.skip(3, 'padding');
    const outPort = r.u32('out_port');
    const outGroup = r.u32('out_group');
    r.skip(4, 'padding');
    const cookie = r.u64('cookie');
    const cookieMask = r.u64('cookie_mask');
    const kind = multipartType === MultipartType.FLOW ? 'flow' : 'aggregate';
    body = { kind, tableId, outPort, outGroup, cookie, cookieMask, match: readMatch(r) };
  } else if (multipartType === MultipartType.PORT_STATS) {
    body = { kind: 'port_stats', portNo: r.u32('port_no') };
    r.skip(4, 'padding');
  } else {
    body = { kind: 'raw', multipartType, data: r.rest() };
  }
  return { type: 'multipart_request', xid, flags, body };
}
