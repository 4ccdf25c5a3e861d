import { decode, encode, OpenFlowDecodeError, OpenFlowEncodeError, type Match } from '../../../../fabric/openflow/codec';

/** Match fields on the wire, one at a time, and the rules around them. */

/** A flow_mod whose only variable part is the match; returns the match's entries as hex. */
function entries(match: Match): string {
  const bytes = encode({ type: 'flow_mod', xid: 1, command: 'add', match });
  const length = bytes.readUInt16BE(50);
  return bytes.subarray(52, 48 + length).toString('hex');
}

function decodeMatch(entryHex: string): Match {
  const body = Buffer.from(entryHex.replace(/ /g, ''), 'hex');
  const padded = Buffer.alloc((4 + body.length + 7) & ~7);
  padded.writeUInt16BE(1, 0);
  padded.writeUInt16BE(4 + body.length, 2);
  body.copy(padded, 4);
  const head = encode({ type: 'flow_mod', xid: 1, command: 'add' }).subarray(0, 48);
  const msg = Buffer.concat([head, padded]);
  msg.writeUInt16BE(msg.length, 2);
  const m = decode(msg);
  if (m.type !== 'flow_mod') throw new Error('not a flow_mod');
  return m.match;
}

const IP = { ethType: 0x0800 };
const IP6 = { ethType: 0x86dd };

describe('match fields on the wire (headers as OVS 3.1 writes them for OpenFlow 1.3)', () => {
  it.each<[string, Match, string]>([
    ['in_port (OXM)', { inPort: 7 }, '80000004 00000007'],
    ['eth_dst masked', { ethDst: '01:00:00:00:00:00/01:00:00:00:00:00' }, '8000070c 010000000000 010000000000'],
    ['vlan_vid present', { vlanVid: 0x1000 | 5 }, '80000c02 1005'],
    ['ipv4_dst prefix', { ...IP, ipv4Dst: '10.0.0.0/24' }, '80000a02 0800 80001908 0a000000 ffffff00'],
    ['ipv4_src non-contiguous mask', { ...IP, ipv4Src: '10.0.0.0/255.0.255.0' }, '80000a02 0800 80001708 0a000000 ff00ff00'],
    ['ipv6_src prefix', { ...IP6, ipv6Src: '2001:db8::/32' }, '80000a02 86dd 80003520 20010db8000000000000000000000000 ffffffff000000000000000000000000'],
    ['tcp_flags (ONF experimenter OXM)', { ...IP, ipProto: 6, tcpFlags: { value: 2, mask: 0x12 } }, '80000a02 0800 80001401 06 ffff5508 4f4e4600 0002 0012'],
    ['tun_id (OXM tunnel_id)', { tunId: 0x64n }, '80004c08 0000000000000064'],
    ['tun_dst (NXM)', { tunDst: '192.168.0.10' }, '00014004 c0a8000a'],
    ['reg0 masked (NXM)', { reg0: { value: 5, mask: 0xff } }, '00010108 00000005 000000ff'],
    ['reg15', { reg15: 1 }, '00011e04 00000001'],
    ['pkt_mark', { pktMark: 0x42 }, '00014204 00000042'],
    ['ct_state masked', { ctState: { value: 0x22, mask: 0x23 } }, '0001d308 00000022 00000023'],
    ['ct_zone', { ctZone: 5 }, '0001d402 0005'],
    ['ct_mark masked', { ctMark: { value: 1, mask: 0xf } }, '0001d708 00000001 0000000f'],
    ['ct_label 128-bit', { ctLabel: (1n << 100n) | 1n }, '0001d810 00000010000000000000000000000001'],
    ['metadata masked (last, as OVS puts it)', { metadata: { value: 5n, mask: 0xffn }, reg1: 7 }, '00010204 00000007 80000510 0000000000000005 00000000000000ff'],
    ['pbb_isid (24-bit)', { ethType: 0x88e7, pbbIsid: 0x123456 }, '80000a02 88e7 80004a03 123456'],
  ])('%s', (_name, match, hex) => {
    expect(entries(match)).toBe(hex.replace(/ /g, ''));
    expect(decodeMatch(hex.replace(/ /g, ''))).toEqual(match);
  });

  it('writes fields in OVS order whatever the key order of the object', () => {
    const a = entries({ reg0: 1, ipv4Dst: '10.0.0.1', ethType: 0x0800, inPort: 3, metadata: 1n, conjId: 9 });
    const b = entries({ conjId: 9, inPort: 3, ethType: 0x0800, ipv4Dst: '10.0.0.1', reg0: 1, metadata: 1n });
    expect(a).toBe(b);
    expect(Object.keys(decodeMatch(a))).toEqual(['conjId', 'inPort', 'ethType', 'ipv4Dst', 'reg0', 'metadata']);
  });

  it('writes an all-ones mask as no mask, a zero mask as no field, and clears value bits outside the mask', () => {
    expect(entries({ reg0: { value: 5, mask: 0xffffffff } })).toBe(entries({ reg0: 5 }));
    expect(entries({ reg0: { value: 5, mask: 0 } })).toBe('');
    expect(entries({ ...IP, ipv4Dst: '10.1.2.3/0' })).toBe('80000a020800');
    expect(entries({ ...IP, ipv4Dst: '10.1.2.3/8' })).toBe(entries({ ...IP, ipv4Dst: '10.0.0.0/8' }));
    expect(entries({ reg0: { value: 0xff, mask: 0x0f } })).toBe('000101080000000f0000000f');
  });

  it('decodes addresses to canonical text', () => {
    expect(decodeMatch('80000a0286dd 80003610 20010db8000000000000000000000001')).toEqual({ ...IP6, ipv6Dst: '2001:db8::1' });
    expect(decodeMatch('80000a0286dd 80003610 00000000000000000000ffff0a000001')).toEqual({ ...IP6, ipv6Dst: '::ffff:10.0.0.1' });
    expect(decodeMatch('80000a0286dd 80003610 00010000000100000000000000000001')).toEqual({ ...IP6, ipv6Dst: '1:0:1::1' });
    expect(decodeMatch('80000a0286dd 80003720 fe800000000000000000000000000000 ffffffffffffffff0000000000000000')).toEqual({ ...IP6, ipv6Dst: 'fe80::/64' });
    expect(decodeMatch('80000a020800 80001908 0a000000 ff00ff00')).toEqual({ ...IP, ipv4Dst: '10.0.0.0/255.0.255.0' });
  });

  it.each([
    ['ipv6 forms', { ...IP6, ipv6Dst: '::ffff:1.2.3.4' }],
    ['ipv6 uppercase', { ...IP6, ipv6Dst: '2001:DB8::A' }],
    ['ipv6 full', { ...IP6, ipv6Dst: '2001:0db8:0000:0000:0000:0000:0000:000a' }],
  ])('accepts %s', (_name, match) => {
    expect(() => entries(match as Match)).not.toThrow();
  });

  it('keeps entries it has no name for, in order, after the named ones', () => {
    const raw = '0001 5104 1234ffff'.replace(/ /g, '');
    const m = decodeMatch(raw + '00010204 00000007'.replace(/ /g, ''));
    expect(m).toEqual({ reg1: 7, other: [{ oxmClass: 1, field: 40, value: Buffer.from('1234', 'hex'), mask: Buffer.from('ffff', 'hex') }] });
    expect(entries(m)).toBe('0001020400000007' + raw);
  });
});

describe('match values the encoder refuses', () => {
  it.each<[string, Match, RegExp]>([
    ['an L3 field without its eth_type', { ipv4Dst: '10.0.0.1' }, /match\.ipv4Dst: requires ethType 0x0800$/],
    ['an IPv4 field on IPv6', { ...IP6, ipv4Src: '10.0.0.1' }, /match\.ipv4Src: requires ethType 0x0800/],
    ['a TCP port without ip_proto 6', { ...IP, ipProto: 17, tcpDst: 80 }, /match\.tcpDst: requires ethType 0x0800 or 0x86dd and ipProto 6 \(TCP\)/],
    ['ARP fields on IP', { ...IP, arpOp: 1 }, /match\.arpOp: requires ethType 0x0806 or 0x8035/],
    ['nd_target on an echo request', { ...IP6, ipProto: 58, icmpv6Type: 128, ipv6NdTarget: '::1' }, /match\.ipv6NdTarget: requires ICMPv6 with icmpv6Type 135 or 136/],
    ['vlan_pcp without a VLAN', { vlanPcp: 3 }, /match\.vlanPcp: requires vlanVid with VlanVid.PRESENT set/],
    ['a bad address', { ...IP, ipv4Dst: '10.0.0.256' }, /match\.ipv4Dst: "10.0.0.256" is not an IPv4 address \(10.0.0.1, optionally \/prefix or \/mask\)/],
    ['a bad prefix', { ...IP, ipv4Dst: '10.0.0.0/33' }, /is not an IPv4 address/],
    ['two ::', { ...IP6, ipv6Dst: '1::2::3' }, /match\.ipv6Dst: "1::2::3" is not an IPv6 address/],
    ['a short MAC', { ethDst: 'aa:bb:cc:dd:ee' }, /match\.ethDst: "aa:bb:cc:dd:ee" is not a MAC address/],
    ['a mask on an unmaskable field', { ethType: { value: 0x800, mask: 0xff00 } } as unknown as Match, /match\.ethType: expected a number$/],
    ['a value wider than the field', { ctZone: 0x10000 }, /match\.ctZone: value and mask must fit in 16 bits/],
    ['a number for a 64-bit field', { metadata: 5 } as unknown as Match, /match\.metadata: expected a bigint or \{ value, mask \} bigints/],
    ['an unknown field', { inport: 1 } as unknown as Match, /match\.inport: unknown match field/],
  ])('%s', (_name, match, error) => {
    const attempt = () => encode({ type: 'flow_mod', xid: 1, command: 'add', match });
    expect(attempt).toThrow(OpenFlowEncodeError);
    expect(attempt).toThrow(error);
  });
});

describe('match bytes the decoder refuses', () => {
  it.each([
    ['a field twice', '80000004 00000001 80000004 00000002', /inPort at most once/],
    ['a known field with the wrong length', '80000003 000001', /inPort of 4 bytes/],
    ['a mask on an unmaskable field', '80000b04 08000800', /ethType without a mask/],
    ['an entry running past the match', '00010108 00000005', /oxm mask \(4 bytes\)/],
  ])('%s', (_name, hex, error) => {
    expect(() => decodeMatch(hex.replace(/ /g, ''))).toThrow(OpenFlowDecodeError);
    expect(() => decodeMatch(hex.replace(/ /g, ''))).toThrow(error);
  });
});
