import { ADDRESS_SIZE, formatAddress, parseMaskedAddress } from './address';
import type { Action } from './actions';
import { OpenFlowEncodeError } from './errors';
import { nxHead, NxActionSubtype, skipPadding } from './nicira';
import type { Reader } from './reader';
import { ofsNbits, readSubfield, subfieldHeader, type Subfield } from './subfield';
import type { Writer } from './writer';

/** The connection tracker: `ct(...)` and the `nat(...)` it may run. */

/** `ct` flags. */
export const CtFlags = { COMMIT: 1, FORCE: 2 } as const;

/** `nat` flags: which side to translate and how to pick ports. */
export const NatFlags = { SRC: 1, DST: 2, PERSISTENT: 4, PROTO_HASH: 8, PROTO_RANDOM: 16 } as const;

const NatRange = { IPV4_MIN: 1, IPV4_MAX: 2, IPV6_MIN: 4, IPV6_MAX: 8, PROTO_MIN: 16, PROTO_MAX: 32 } as const;

/** `recirc_table` meaning "do not recirculate". */
const NX_CT_RECIRC_NONE = 0xff;

/** Sends the packet through the connection tracker. */
export interface Ct {
  type: 'ct';
  /** `CtFlags` bits. */
  flags?: number;
  /** The zone, or the bits of a field that hold it. */
  zone?: number | Subfield;
  /** Table to continue in after tracking; absent means no recirculation. */
  recircTable?: number;
  /** Application-layer gateway by well-known port (21 = FTP, 69 = TFTP); 0 = none. */
  alg?: number;
  /** Run on commit: set_field of ctMark/ctLabel, nat. */
  actions?: Action[];
}

/** Network address translation inside `ct`; ipMin/ipMax are both IPv4 or both IPv6. */
export interface Nat {
  type: 'nat';
  /** `NatFlags` bits. */
  flags?: number;
  ipMin?: string;
  ipMax?: string;
  protoMin?: number;
  protoMax?: number;
}

type WriteList = (w: Writer, actions: readonly Action[] | undefined, what: string) => void;
type ReadList = (r: Reader, depth: number) => Action[];

export function writeCt(w: Writer, a: Ct, what: string, writeList: WriteList): void {
  nxHead(w, NxActionSubtype.CT);
  w.u16(a.flags ?? 0, `${what}.flags`);
  const zone = a.zone ?? 0;
  if (typeof zone === 'number') {
    w.u32(0, `${what}.zone`);
    w.u16(zone, `${what}.zone`);
  } else {
    w.u32(subfieldHeader(zone, `${what}.zone`), `${what}.zone`);
    w.u16(ofsNbits(zone, `${what}.zone`), `${what}.zone`);
  }
  if (a.recircTable === NX_CT_RECIRC_NONE) throw new OpenFlowEncodeError(`${what}.recircTable`, 'omit it for no recirculation; tables are 0..254');
  w.u8(a.recircTable ?? NX_CT_RECIRC_NONE, `${what}.recircTable`);
  w.zeros(3);
  w.u16(a.alg ?? 0, `${what}.alg`);
  writeList(w, a.actions, `${what}.actions`);
}

/** Reads ct after its subtype; `at` is where the action started. */
export function readCt(r: Reader, at: number, depth: number, readList: ReadList): Ct {
  if (r.end - at < 24) r.failAt(at, 'ct action of at least 24 bytes', `${r.end - at}`);
  const flags = r.u16('ct flags');
  const zoneAt = r.pos;
  const zoneSrc = r.u32('ct zone_src');
  const zoneBits = r.u16('ct zone');
  const zone = zoneSrc === 0 ? zoneBits : readSubfield(r, zoneSrc, zoneBits >>> 6, (zoneBits & 0x3f) + 1, zoneAt);
  const recirc = r.u8('ct recirc_table');
  r.skip(3, 'ct padding');
  const alg = r.u16('ct alg');
  const a: Ct = { type: 'ct', flags, zone, alg, actions: readList(r, depth + 1) };
  if (recirc !== NX_CT_RECIRC_NONE) a.recircTable = recirc;
  return a;
}

const addr = new Uint8Array(32);

/** Parses a NAT address into `addr`; true if it is IPv6. */
function natAddress(text: string, what: string): boolean {
  const v6 = typeof text === 'string' && text.includes(':');
  if (parseMaskedAddress(v6 ? 'ipv6' : 'ipv4', text, addr, what)) throw new OpenFlowEncodeError(what, 'a NAT address has no mask');
  return v6;
}

/** Ranges follow the fixed part in this order, each present only if its bit is set. */
export function writeNat(w: Writer, a: Nat, what: string): void {
  nxHead(w, NxActionSubtype.NAT);
  w.zeros(2);
  w.u16(a.flags ?? 0, `${what}.flags`);
  const v6 = a.ipMin !== undefined && natAddress(a.ipMin, `${what}.ipMin`);
  let present = 0;
  if (a.ipMin !== undefined) present |= v6 ? NatRange.IPV6_MIN : NatRange.IPV4_MIN;
  if (a.ipMax !== undefined) {
    if (a.ipMin === undefined) throw new OpenFlowEncodeError(`${what}.ipMax`, 'needs ipMin');
    if (natAddress(a.ipMax, `${what}.ipMax`) !== v6) throw new OpenFlowEncodeError(`${what}.ipMax`, 'must be the same family as ipMin');
    present |= v6 ? NatRange.IPV6_MAX : NatRange.IPV4_MAX;
  }
  if (a.protoMin !== undefined) present |= NatRange.PROTO_MIN;
  if (a.protoMax !== undefined) {
    if (a.protoMin === undefined) throw new OpenFlowEncodeError(`${what}.protoMax`, 'needs protoMin');
    present |= NatRange.PROTO_MAX;
  }
  w.u16(present, what);
  const size = v6 ? 16 : 4;
  for (const [text, key] of [
    [a.ipMin, 'ipMin'],
    [a.ipMax, 'ipMax'],
  ] as const) {
    if (text === undefined) continue;
    natAddress(text, `${what}.${key}`);
    w.bytes(addr.subarray(0, size), `${what}.${key}`);
  }
  if (a.protoMin !== undefined) w.u16(a.protoMin, `${what}.protoMin`);
  if (a.protoMax !== undefined) w.u16(a.protoMax, `${what}.protoMax`);
}

/** Reads nat after its subtype. */
export function readNat(r: Reader): Nat {
  r.skip(2, 'nat padding');
  const flags = r.u16('nat flags');
  const presentAt = r.pos;
  const present = r.u16('nat range_present');
  const v4 = present & (NatRange.IPV4_MIN | NatRange.IPV4_MAX);
  const v6 = present & (NatRange.IPV6_MIN | NatRange.IPV6_MAX);
  if (present & ~0x3f || (v4 && v6)) r.failAt(presentAt, 'nat range_present bits of one address family', `0x${present.toString(16)}`);
  const minBit = v6 ? NatRange.IPV6_MIN : NatRange.IPV4_MIN;
  const maxBit = v6 ? NatRange.IPV6_MAX : NatRange.IPV4_MAX;
  if (present & maxBit && !(present & minBit)) r.failAt(presentAt, 'nat range with a minimum address before a maximum');
  if (present & NatRange.PROTO_MAX && !(present & NatRange.PROTO_MIN)) r.failAt(presentAt, 'nat range with a minimum port before a maximum');
  const kind = v6 ? 'ipv6' : 'ipv4';
  const address = (what: string) => {
    const at = r.pos;
    r.skip(ADDRESS_SIZE[kind], what);
    return formatAddress(kind, r.buf, at);
  };
  const a: Nat = { type: 'nat', flags };
  if (present & minBit) a.ipMin = address('nat minimum address');
  if (present & maxBit) a.ipMax = address('nat maximum address');
  if (present & NatRange.PROTO_MIN) a.protoMin = r.u16('nat proto min');
  if (present & NatRange.PROTO_MAX) a.protoMax = r.u16('nat proto max');
  skipPadding(r, 'nat ranges');
  return a;
}
