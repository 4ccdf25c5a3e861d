import fc from 'fast-check';
import {
  decode,
  encode,
  Group,
  NO_BUFFER,
  Port,
  type Action,
  type Bucket,
  type FlowMod,
  type Instruction,
  type Match,
  type OfpMessage,
} from '../../../../fabric/openflow/codec';

/**
 * decode(encode(v)) is v for generated messages in canonical form (every field filled in,
 * masks neither empty nor full, masked values inside their mask), and encoding is
 * deterministic.
 */

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const hex2 = (v: number) => v.toString(16).padStart(2, '0');

/** A number field: exact, or masked with a mask that is neither 0 nor all ones. */
function maskable(bits: number) {
  const full = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  const value = fc.integer({ min: 0, max: full });
  return fc.oneof(
    value,
    fc
      .tuple(value, fc.integer({ min: 1, max: full - 1 }))
      .map(([v, m]) => ({ value: (v & m) >>> 0, mask: m })),
  );
}
const maskable64 = fc.oneof(
  u64,
  fc.tuple(u64, fc.bigInt({ min: 1n, max: (1n << 64n) - 2n })).map(([v, m]) => ({ value: v & m, mask: m })),
);

const ipv4 = fc.tuple(u8, u8, u8, u8).map((b) => b.join('.'));
const ipv4Prefix = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 31 })).map(([v, len]) => {
  const masked = (v & (0xffffffff << (32 - len))) >>> 0;
  return `${masked >>> 24}.${(masked >>> 16) & 0xff}.${(masked >>> 8) & 0xff}.${masked & 0xff}/${len}`;
});
const ipv4Any = fc.oneof(ipv4, ipv4Prefix);
/** Two non-zero groups around a run of zeros: its compressed form is canonical. */
const ipv6 = fc.tuple(fc.integer({ min: 1, max: 0xffff }), fc.integer({ min: 1, max: 0xffff })).map(([a, b]) => `2001:db8:${a.toString(16)}::${b.toString(16)}`);
const ipv6Any = fc.oneof(ipv6, ipv6.map((a) => `${a.replace(/::.*$/, '::')}/48`));
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => [...b].map(hex2).join(':'));
const macMasked = fc.oneof(
  mac,
  fc.constant('01:00:00:00:00:00/01:00:00:00:00:00'),
  fc.tuple(mac).map(([m]) => `${m.slice(0, 8)}:00:00:00/ff:ff:ff:00:00:00`),
);

/** Match fields without prerequisites, any subset. */
const metadataFields = fc.record(
  {
    inPort: fc.integer({ min: 1, max: 0xfffffeff }),
    ethSrc: macMasked,
    ethDst: macMasked,
    vlanVid: maskable(13),
    tunId: maskable64,
    tunSrc: ipv4Any,
    tunDst: ipv4Any,
    reg0: maskable(32),
    reg7: maskable(32),
    reg15: maskable(32),
    pktMark: maskable(32),
    ctState: maskable(8),
    ctZone: u16,
    ctMark: maskable(32),
    metadata: maskable64,
    conjId: u32,
  },
  { requiredKeys: [] },
);

/** An L3/L4 family with its prerequisites. */
const familyFields = fc.oneof(
  fc.constant({}),
  fc.record({ ethType: fc.constant(0x0800), ipv4Src: ipv4Any, ipv4Dst: ipv4Any, ipProto: fc.constant(6), tcpSrc: maskable(16), tcpDst: u16 }),
  fc.record({ ethType: fc.constant(0x0800), ipv4Dst: ipv4Any, ipProto: fc.constant(17), udpDst: maskable(16) }),
  fc.record({ ethType: fc.constant(0x0800), ipProto: fc.constant(1), icmpv4Type: u8, icmpv4Code: u8 }),
  fc.record({ ethType: fc.constant(0x86dd), ipv6Src: ipv6Any, ipv6Dst: ipv6, ipProto: fc.constant(58), icmpv6Type: fc.constant(135), ipv6NdTarget: ipv6 }),
  fc.record({ ethType: fc.constant(0x0806), arpOp: u16, arpSpa: ipv4Any, arpTha: mac }),
);

const match: fc.Arbitrary<Match> = fc.tuple(metadataFields, familyFields).map(([a, b]) => ({ ...a, ...b }) as Match);

const regField = fc.constantFrom('reg0' as const, 'reg1' as const, 'reg5' as const, 'reg15' as const);
const subfield = fc
  .tuple(regField, fc.integer({ min: 0, max: 31 }), fc.integer({ min: 1, max: 32 }))
  .map(([field, ofs, nbits]) => ({ field, ofs: Math.min(ofs, 32 - nbits), nbits }));

const simpleAction: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant('output' as const), port: u32, maxLen: u16 }),
  fc.record({ type: fc.constant('group' as const), groupId: u32 }),
  fc.record({ type: fc.constant('pop_vlan' as const) }),
  fc.record({ type: fc.constant('push_vlan' as const), ethertype: fc.constantFrom(0x8100, 0x88a8) }),
  fc.record({ type: fc.constant('dec_nw_ttl' as const) }),
  fc.record({ type: fc.constant('set_queue' as const), queueId: u32 }),
  fc.record({ type: fc.constant('set_field' as const), field: fc.constant('tunDst' as const), value: ipv4 }),
  fc.record({ type: fc.constant('set_field' as const), field: fc.constant('ethDst' as const), value: mac }),
  fc.record({ type: fc.constant('set_field' as const), field: regField, value: u32 }),
  fc.record({ type: fc.constant('set_field' as const), field: fc.constant('tunId' as const), value: u64 }),
  fc.record({ type: fc.constant('resubmit' as const), inPort: fc.constantFrom(Port.IN_PORT, 1, 0xfeff), table: u8.filter((t) => t !== 255) }),
  fc.record({ type: fc.constant('resubmit' as const), inPort: fc.constantFrom(Port.IN_PORT, 7) }),
  subfield.chain((dst) => fc.record({ type: fc.constant('reg_load' as const), dst: fc.constant(dst), value: fc.bigInt({ min: 0n, max: (1n << BigInt(dst.nbits)) - 1n }) })),
  subfield.chain((src) =>
    fc.record({ type: fc.constant('reg_move' as const), src: fc.constant(src), dst: fc.constant({ ...src, field: 'reg2' as const }) }),
  ),
  fc.record({ type: fc.constant('reg_load2' as const), field: fc.constant('ctMark' as const), value: maskable(32) }),
  fc.record({ type: fc.constant('note' as const), data: fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Buffer.from(b)) }),
  fc.integer({ min: 2, max: 64 }).chain((n) =>
    fc.record({ type: fc.constant('conjunction' as const), id: u32, clause: fc.integer({ min: 1, max: n }), nClauses: fc.constant(n) }),
  ),
  fc.record({ type: fc.constant('controller' as const), maxLen: u16, controllerId: u16, reason: u8 }),
  fc.record(
    { type: fc.constant('controller2' as const), maxLen: u16, controllerId: u16, reason: u8, userdata: fc.uint8Array({ maxLength: 9 }).map((b) => Buffer.from(b)), pause: fc.constant(true), meterId: u32 },
    { requiredKeys: ['type'] },
  ),
  fc.record({ type: fc.constant('ct_clear' as const) }),
  fc.record({ type: fc.constant('dec_ttl_cnt_ids' as const), controllerIds: fc.array(u16, { maxLength: 5 }) }),
);

const nat = fc.record(
  {
    type: fc.constant('nat' as const),
    flags: fc.integer({ min: 0, max: 31 }),
    ipMin: ipv4,
    ipMax: ipv4,
    protoMin: u16,
    protoMax: u16,
  },
  { requiredKeys: ['type', 'flags'] },
).filter((n) => (n.ipMax === undefined || n.ipMin !== undefined) && (n.protoMax === undefined || n.protoMin !== undefined));

const ct: fc.Arbitrary<Action> = fc.record(
  {
    type: fc.constant('ct' as const),
    flags: fc.integer({ min: 0, max: 3 }),
    zone: fc.oneof(u16, subfield.map((s) => ({ ...s, nbits: Math.min(s.nbits, 16) }))),
    recircTable: fc.integer({ min: 0, max: 254 }),
    alg: fc.constantFrom(0, 21, 69),
    actions: fc.array(fc.oneof(nat, fc.record({ type: fc.constant('set_field' as const), field: fc.constant('ctMark' as const), value: u32 })), { maxLength: 3 }),
  },
  { requiredKeys: ['type', 'flags', 'zone', 'alg', 'actions'] },
);

const action = fc.oneof({ weight: 5, arbitrary: simpleAction }, { weight: 1, arbitrary: ct });
const actions = fc.array(action, { maxLength: 6 });

const instruction: fc.Arbitrary<Instruction> = fc.oneof(
  fc.record({ type: fc.constant('apply_actions' as const), actions }),
  fc.record({ type: fc.constant('write_actions' as const), actions }),
  fc.record({ type: fc.constant('clear_actions' as const) }),
  fc.record({ type: fc.constant('goto_table' as const), tableId: u8 }),
  fc.record({ type: fc.constant('write_metadata' as const), metadata: u64, mask: u64 }),
  fc.record({ type: fc.constant('meter' as const), meterId: u32 }),
);

const flowMod: fc.Arbitrary<FlowMod> = fc.record({
  type: fc.constant('flow_mod' as const),
  xid: u32,
  command: fc.constantFrom('add' as const, 'modify' as const, 'modify_strict' as const, 'delete' as const, 'delete_strict' as const),
  cookie: u64,
  cookieMask: u64,
  tableId: u8,
  idleTimeout: u16,
  hardTimeout: u16,
  priority: u16,
  bufferId: fc.constantFrom(NO_BUFFER, 0, 12),
  outPort: fc.constantFrom(Port.ANY, 1),
  outGroup: fc.constantFrom(Group.ANY, 3),
  flags: fc.integer({ min: 0, max: 31 }),
  match,
  instructions: fc.array(instruction, { maxLength: 4 }),
});

const bucket: fc.Arbitrary<Bucket> = fc.record({ weight: u16, watchPort: u32, watchGroup: u32, actions });

const message: fc.Arbitrary<OfpMessage> = fc.oneof(
  flowMod,
  fc.record({
    type: fc.constant('group_mod' as const),
    xid: u32,
    command: fc.constantFrom('add' as const, 'modify' as const, 'delete' as const),
    groupType: fc.constantFrom('all' as const, 'select' as const, 'indirect' as const, 'fast_failover' as const),
    groupId: u32,
    buckets: fc.array(bucket, { maxLength: 4 }),
  }),
  fc.record({ type: fc.constant('packet_out' as const), xid: u32, bufferId: u32, inPort: u32, actions, data: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) }),
  fc.record({
    type: fc.constant('packet_in' as const),
    xid: u32,
    bufferId: u32,
    totalLen: u16,
    reason: u8,
    tableId: u8,
    cookie: u64,
    match: metadataFields as fc.Arbitrary<Match>,
    data: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  }),
  fc.record({
    type: fc.constant('bundle_add_message' as const),
    xid: u32,
    bundleId: u32,
    flags: fc.integer({ min: 0, max: 3 }),
    message: flowMod,
    properties: fc.constant(Buffer.alloc(0)),
  }),
  fc.record({ type: fc.constant('role_request' as const), xid: u32, role: fc.constantFrom('nochange' as const, 'equal' as const, 'master' as const, 'slave' as const), generationId: u64 }),
  fc.record({
    type: fc.constant('multipart_request' as const),
    xid: u32,
    flags: fc.constantFrom(0, 1),
    body: fc.record({ kind: fc.constant('flow' as const), tableId: u8, outPort: u32, outGroup: u32, cookie: u64, cookieMask: u64, match }),
  }),
  fc.record({ type: fc.constant('hello' as const), xid: u32, version: fc.constant(4), versions: fc.uniqueArray(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 5 }).map((v) => v.sort((a, b) => a - b)) }),
);

describe('encode/decode round trip', () => {
  it('decode(encode(v)) equals v, and re-encoding gives the same bytes', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encode(m);
        const back = decode(bytes);
        expect(back).toEqual(m);
        expect(encode(back)).toEqual(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('every encoding is a whole number of 8-byte units where OpenFlow 1.3 requires it', () => {
    fc.assert(
      fc.property(flowMod, (m) => {
        expect(encode(m).length % 8).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
