import { EthType, IpProto, VlanVid, type FieldName, type Match } from './match-types';

/**
 * Every named match field: its wire form and where OVS puts it. Two headers per field,
 * because OVS picks differently by context: matches and `set_field` use the OpenFlow 1.3
 * form (OXM where one exists, else NXM, else ONF experimenter OXM), while the Nicira
 * actions that name a field (`reg_load`, `reg_move`, `ct` zone, `reg_load2`) use the NXM
 * form where one exists. Decoding accepts either.
 *
 * The table is in OVS's encoding order (nx_put_raw), which also satisfies OpenFlow's rule
 * that a field's prerequisites come before it; emitting matches in this order is what makes
 * our bytes identical to ovs-ofctl's.
 */

export type FieldKind = 'u8' | 'u16' | 'u24' | 'u32' | 'u64' | 'u128' | 'mac' | 'ipv4' | 'ipv6';

const SIZE: Record<FieldKind, number> = { u8: 1, u16: 2, u24: 3, u32: 4, u64: 8, u128: 16, mac: 6, ipv4: 4, ipv6: 16 };

export const OxmClass = { NXM_0: 0x0000, NXM_1: 0x0001, OPENFLOW_BASIC: 0x8000, EXPERIMENTER: 0xffff } as const;
export const ONF_EXPERIMENTER_ID = 0x4f4e4600;

interface Prereq {
  ok: (m: Match) => boolean;
  needs: string;
}

export interface FieldSpec {
  readonly name: FieldName;
  readonly kind: FieldKind;
  readonly size: number;
  readonly maskable: boolean;
  /** OpenFlow 1.3 header without mask; its length includes the experimenter id if any. */
  readonly header: number;
  /** Non-zero when `header` is an experimenter OXM. */
  readonly experimenter: number;
  /** Header used by Nicira actions. */
  readonly nxmHeader: number;
  /** Position in OVS's encoding order. */
  readonly order: number;
  readonly prereq?: Prereq;
}

const isEth = (m: Match, ...types: number[]) => typeof m.ethType === 'number' && types.includes(m.ethType);
const pre = (needs: string, ok: (m: Match) => boolean): Prereq => ({ needs, ok });

const IP = pre('ethType 0x0800 or 0x86dd', (m) => isEth(m, EthType.IPV4, EthType.IPV6));
const IPV4 = pre('ethType 0x0800', (m) => isEth(m, EthType.IPV4));
const IPV6 = pre('ethType 0x86dd', (m) => isEth(m, EthType.IPV6));
const ARP = pre('ethType 0x0806 or 0x8035', (m) => isEth(m, EthType.ARP, EthType.RARP));
const MPLS = pre('ethType 0x8847 or 0x8848', (m) => isEth(m, EthType.MPLS, EthType.MPLS_MCAST));
const proto = (p: number, name: string) => pre(`ethType 0x0800 or 0x86dd and ipProto ${p} (${name})`, (m) => IP.ok(m) && m.ipProto === p);
const TCP = proto(IpProto.TCP, 'TCP');
const UDP = proto(IpProto.UDP, 'UDP');
const SCTP = proto(IpProto.SCTP, 'SCTP');
const ICMPV4 = pre('ethType 0x0800 and ipProto 1', (m) => IPV4.ok(m) && m.ipProto === IpProto.ICMP);
const ICMPV6 = pre('ethType 0x86dd and ipProto 58', (m) => IPV6.ok(m) && m.ipProto === IpProto.ICMPV6);
const ND = pre('ICMPv6 with icmpv6Type 135 or 136', (m) => ICMPV6.ok(m) && (m.icmpv6Type === 135 || m.icmpv6Type === 136));
const ND_SLL = pre('ICMPv6 with icmpv6Type 135', (m) => ICMPV6.ok(m) && m.icmpv6Type === 135);
const ND_TLL = pre('ICMPv6 with icmpv6Type 136', (m) => ICMPV6.ok(m) && m.icmpv6Type === 136);
const VLAN = pre('vlanVid with VlanVid.PRESENT set', (m) => {
  const v = m.vlanVid;
  return typeof v === 'number' ? (v & VlanVid.PRESENT) !== 0 : v !== undefined && (v.value & v.mask & VlanVid.PRESENT) !== 0;
});
const IN_PORT = pre('inPort', (m) => m.inPort !== undefined);
const PBB = pre('ethType 0x88e7', (m) => isEth(m, EthType.PBB));

type Row = [FieldName, FieldKind, maskable: boolean, of13: [cls: number, field: number], nxm?: [cls: number, field: number] | null, prereq?: Prereq];

const B = OxmClass.OPENFLOW_BASIC;
const N0 = OxmClass.NXM_0;
const N1 = OxmClass.NXM_1;
const X = OxmClass.EXPERIMENTER;

const regs: Row[] = Array.from({ length: 16 }, (_, i) => [`reg${i}` as FieldName, 'u32', true, [N1, i]]);

const ROWS: Row[] = [
  ['dpHash', 'u32', true, [N1, 35]],
  ['recircId', 'u32', false, [N1, 36]],
  ['conjId', 'u32', false, [N1, 37]],
  ['inPort', 'u32', false, [B, 0]],
  ['inPhyPort', 'u32', false, [B, 1], null, IN_PORT],
  ['ethSrc', 'mac', true, [B, 4], [N0, 2]],
  ['ethDst', 'mac', true, [B, 3], [N0, 1]],
  ['ethType', 'u16', false, [B, 5], [N0, 3]],
  ['vlanVid', 'u16', true, [B, 6]],
  ['vlanPcp', 'u8', false, [B, 7], null, VLAN],
  ['mplsTc', 'u8', false, [B, 35], null, MPLS],
  ['mplsBos', 'u8', false, [B, 36], null, MPLS],
  ['mplsLabel', 'u32', false, [B, 34], null, MPLS],
  ['ipv4Src', 'ipv4', true, [B, 11], [N0, 7], IPV4],
  ['ipv4Dst', 'ipv4', true, [B, 12], [N0, 8], IPV4],
  ['ipv6Src', 'ipv6', true, [B, 26], [N1, 19], IPV6],
  ['ipv6Dst', 'ipv6', true, [B, 27], [N1, 20], IPV6],
  ['ipFrag', 'u8', true, [N1, 26], null, IP],
  ['ipDscp', 'u8', false, [B, 8], null, IP],
  ['ipEcn', 'u8', false, [B, 9], [N1, 28], IP],
  ['ipTtl', 'u8', false, [N1, 29], null, IP],
  ['ipv6Flabel', 'u32', true, [B, 28], [N1, 27], IPV6],
  ['ipProto', 'u8', false, [B, 10], [N0, 6], IP],
  ['tcpSrc', 'u16', true, [B, 13], [N0, 9], TCP],
  ['tcpDst', 'u16', true, [B, 14], [N0, 10], TCP],
  ['tcpFlags', 'u16', true, [X, 42], [N1, 34], TCP],
  ['udpSrc', 'u16', true, [B, 15], [N0, 11], UDP],
  ['udpDst', 'u16', true, [B, 16], [N0, 12], UDP],
  ['sctpSrc', 'u16', true, [B, 17], null, SCTP],
  ['sctpDst', 'u16', true, [B, 18], null, SCTP],
  ['icmpv4Type', 'u8', false, [B, 19], [N0, 13], ICMPV4],
  ['icmpv4Code', 'u8', false, [B, 20], [N0, 14], ICMPV4],
  ['icmpv6Type', 'u8', false, [B, 29], [N1, 21], ICMPV6],
  ['icmpv6Code', 'u8', false, [B, 30], [N1, 22], ICMPV6],
  ['ipv6NdTarget', 'ipv6', true, [B, 31], [N1, 23], ND],
  ['ipv6NdSll', 'mac', true, [B, 32], [N1, 24], ND_SLL],
  ['ipv6NdTll', 'mac', true, [B, 33], [N1, 25], ND_TLL],
  ['arpOp', 'u16', false, [B, 21], [N0, 15], ARP],
  ['arpSpa', 'ipv4', true, [B, 22], [N0, 16], ARP],
  ['arpTpa', 'ipv4', true, [B, 23], [N0, 17], ARP],
  ['arpSha', 'mac', true, [B, 24], [N1, 17], ARP],
  ['arpTha', 'mac', true, [B, 25], [N1, 18], ARP],
  ['tunId', 'u64', true, [B, 38], [N1, 16]],
  ['tunFlags', 'u16', true, [N1, 104]],
  ['tunSrc', 'ipv4', true, [N1, 31]],
  ['tunDst', 'ipv4', true, [N1, 32]],
  ['tunIpv6Src', 'ipv6', true, [N1, 109]],
  ['tunIpv6Dst', 'ipv6', true, [N1, 110]],
  ...regs,
  ['pktMark', 'u32', true, [N1, 33]],
  ['ctState', 'u32', true, [N1, 105]],
  ['ctZone', 'u16', false, [N1, 106]],
  ['ctMark', 'u32', true, [N1, 107]],
  ['ctLabel', 'u128', true, [N1, 108]],
  ['ctNwSrc', 'ipv4', true, [N1, 120]],
  ['ctNwDst', 'ipv4', true, [N1, 121]],
  ['ctIpv6Src', 'ipv6', true, [N1, 122]],
  ['ctIpv6Dst', 'ipv6', true, [N1, 123]],
  ['ctNwProto', 'u8', false, [N1, 119]],
  ['ctTpSrc', 'u16', true, [N1, 124]],
  ['ctTpDst', 'u16', true, [N1, 125]],
  ['metadata', 'u64', true, [B, 2]],
  ['pbbIsid', 'u24', true, [B, 37], null, PBB],
  ['ipv6Exthdr', 'u16', true, [B, 39], null, IPV6],
];

function header(cls: number, field: number, length: number): number {
  return ((cls << 16) | (field << 9) | length) >>> 0;
}

/** Key of a header without its mask bit and length: class and field. */
export function headerKey(h: number): number {
  return h >>> 9;
}

export const FIELDS: readonly FieldSpec[] = ROWS.map(([name, kind, maskable, [cls, field], nxm, prereq], order) => {
  const size = SIZE[kind];
  const experimenter = cls === X ? ONF_EXPERIMENTER_ID : 0;
  const h = header(cls, field, size + (experimenter ? 4 : 0));
  return {
    name,
    kind,
    size,
    maskable,
    header: h,
    experimenter,
    nxmHeader: nxm ? header(nxm[0], nxm[1], size) : h,
    order,
    prereq,
  };
});

export const FIELD_BY_NAME: ReadonlyMap<string, FieldSpec> = new Map(FIELDS.map((f) => [f.name, f]));

/** Non-experimenter headers (both forms) by class and field. */
export const FIELD_BY_HEADER: ReadonlyMap<number, FieldSpec> = new Map(
  FIELDS.flatMap((f) => [
    ...(f.experimenter ? [] : [[headerKey(f.header), f] as const]),
    [headerKey(f.nxmHeader), f] as const,
  ]),
);

/** Experimenter OXM fields by experimenter id and field number. */
export const FIELD_BY_EXPERIMENTER: ReadonlyMap<number, ReadonlyMap<number, FieldSpec>> = new Map([
  [ONF_EXPERIMENTER_ID, new Map(FIELDS.filter((f) => f.experimenter === ONF_EXPERIMENTER_ID).map((f) => [(f.header >>> 9) & 0x7f, f]))],
]);
