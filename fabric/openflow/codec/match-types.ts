/**
 * The match as a typed object: one optional key per field, named after OVS's field
 * (camelCase). Numbers for integer fields, bigints for 64-bit and wider ones, text for
 * addresses (`'10.0.0.0/24'`, `'aa:bb:cc:dd:ee:ff/ff:ff:ff:00:00:00'`). Fields OVS can
 * mask take `{ value, mask }`; an all-ones mask is the same as no mask.
 */

export interface Masked<T> {
  value: T;
  mask: T;
}
export type MaskableNumber = number | Masked<number>;
export type MaskableBigint = bigint | Masked<bigint>;

/** A match entry this codec has no name for, kept as bytes so it is not lost. */
export interface RawOxm {
  oxmClass: number;
  field: number;
  /** Only for class 0xffff (experimenter OXM). */
  experimenter?: number;
  value: Buffer;
  mask?: Buffer;
}

export interface Match {
  /** Datapath hash (NXM_NX_DP_HASH). */
  dpHash?: MaskableNumber;
  /** Recirculation id (NXM_NX_RECIRC_ID). */
  recircId?: number;
  /** Matches packets whose `conjunction` clauses with this id all matched (NXM_NX_CONJ_ID). */
  conjId?: number;
  inPort?: number;
  inPhyPort?: number;

  ethSrc?: string;
  ethDst?: string;
  ethType?: number;
  /** With the OFPVID_PRESENT bit (`VlanVid.PRESENT | 100`); `VlanVid.NONE` matches untagged. */
  vlanVid?: MaskableNumber;
  vlanPcp?: number;
  mplsTc?: number;
  mplsBos?: number;
  mplsLabel?: number;

  ipv4Src?: string;
  ipv4Dst?: string;
  ipv6Src?: string;
  ipv6Dst?: string;
  /** `IpFrag` bits (NXM_NX_IP_FRAG). */
  ipFrag?: MaskableNumber;
  /** The 6-bit DSCP, not the TOS byte. */
  ipDscp?: number;
  ipEcn?: number;
  /** NXM_NX_IP_TTL. */
  ipTtl?: number;
  ipv6Flabel?: MaskableNumber;
  ipProto?: number;

  tcpSrc?: MaskableNumber;
  tcpDst?: MaskableNumber;
  /** TCP flag bits (ONF experimenter OXM on OpenFlow 1.3). */
  tcpFlags?: MaskableNumber;
  udpSrc?: MaskableNumber;
  udpDst?: MaskableNumber;
  sctpSrc?: MaskableNumber;
  sctpDst?: MaskableNumber;
  icmpv4Type?: number;
  icmpv4Code?: number;
  icmpv6Type?: number;
  icmpv6Code?: number;
  ipv6NdTarget?: string;
  ipv6NdSll?: string;
  ipv6NdTll?: string;

  arpOp?: number;
  arpSpa?: string;
  arpTpa?: string;
  arpSha?: string;
  arpTha?: string;

  /** Tunnel key, e.g. the VXLAN VNI (OXM_OF_TUNNEL_ID). */
  tunId?: MaskableBigint;
  /** `TunFlags` bits (NXM_NX_TUN_FLAGS). */
  tunFlags?: MaskableNumber;
  /** Outer IPv4 source/destination of the tunnel (NXM_NX_TUN_IPV4_SRC/DST). */
  tunSrc?: string;
  tunDst?: string;
  tunIpv6Src?: string;
  tunIpv6Dst?: string;

  /** 32-bit scratch registers (NXM_NX_REG0..15). */
  reg0?: MaskableNumber;
  reg1?: MaskableNumber;
  reg2?: MaskableNumber;
  reg3?: MaskableNumber;
  reg4?: MaskableNumber;
  reg5?: MaskableNumber;
  reg6?: MaskableNumber;
  reg7?: MaskableNumber;
  reg8?: MaskableNumber;
  reg9?: MaskableNumber;
  reg10?: MaskableNumber;
  reg11?: MaskableNumber;
  reg12?: MaskableNumber;
  reg13?: MaskableNumber;
  reg14?: MaskableNumber;
  reg15?: MaskableNumber;
  /** skb mark (NXM_NX_PKT_MARK). */
  pktMark?: MaskableNumber;

  /** `CtState` bits (NXM_NX_CT_STATE). */
  ctState?: MaskableNumber;
  ctZone?: number;
  ctMark?: MaskableNumber;
  /** 128-bit connection label. */
  ctLabel?: MaskableBigint;
  /** The original direction's 5-tuple of the tracked connection. */
  ctNwSrc?: string;
  ctNwDst?: string;
  ctIpv6Src?: string;
  ctIpv6Dst?: string;
  ctNwProto?: number;
  ctTpSrc?: MaskableNumber;
  ctTpDst?: MaskableNumber;

  /** Pipeline metadata written by `write_metadata`. */
  metadata?: MaskableBigint;
  pbbIsid?: MaskableNumber;
  ipv6Exthdr?: MaskableNumber;

  /** Entries without a name here, in the order received; encoded after the named ones. */
  other?: RawOxm[];
}

export type FieldName = Exclude<keyof Match, 'other'>;
export type FieldValue<K extends FieldName> = NonNullable<Match[K]>;

/** `ctState` bits, named as in OVS's `ct_state=+trk+est`. */
export const CtState = {
  new: 0x01,
  est: 0x02,
  rel: 0x04,
  rpl: 0x08,
  inv: 0x10,
  trk: 0x20,
  snat: 0x40,
  dnat: 0x80,
} as const;

/** `vlanVid` values: a tag's VID is `PRESENT | vid`. */
export const VlanVid = { NONE: 0x0000, PRESENT: 0x1000 } as const;

/** `ipFrag` bits: ANY (a fragment), LATER (not the first fragment). */
export const IpFrag = { ANY: 1, LATER: 2 } as const;

/** `tunFlags` bits. */
export const TunFlags = { OAM: 1 } as const;

/** `eth_type` values the match prerequisites refer to. */
export const EthType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  RARP: 0x8035,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  MPLS_MCAST: 0x8848,
  PBB: 0x88e7,
} as const;

export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58, SCTP: 132 } as const;
