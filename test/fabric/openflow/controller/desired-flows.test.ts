import fc from 'fast-check';
import { decode, encode, EthType } from '../../../../fabric/openflow/codec';
import { CookieSpace, DesiredFlows, DuplicateFlowError, flowHash, InvalidFlowError, InvalidOptionError, type Flow } from '../../../../fabric/openflow/controller';

/** Cookies (owner + content hash) and the checks a desired set passes before anything is sent. */

const flow = (i: number, port = 1): Flow => ({ tableId: 10, priority: 100, match: { ethType: EthType.IPV4, ipv4Dst: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` }, instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port }] }] });
const flows = (n: number) => Array.from({ length: n }, (_, i) => flow(i));

test('a cookie is the owner in the high bits and a hash of the flow in the rest', () => {
  const space = new CookieSpace(0xabc);
  const desired = DesiredFlows.build(flows(3), space);
  for (const cookie of desired.cookies()) {
    expect(cookie >> 48n).toBe(0xabcn);
    expect(space.owns(cookie)).toBe(true);
  }
  expect(new Set(desired.cookies()).size).toBe(3);
  expect([space.prefix, space.mask]).toEqual([0x0abc000000000000n, 0xffff000000000000n]);
  expect(new CookieSpace(5, 24).prefix).toBe(0x0000050000000000n);
  expect([space.hashPart(desired.cookies()[2]), space.cookie(desired.hashes[2])]).toEqual([desired.hashes[2], desired.cookies()[2]]);
});

test('the cookie depends on the flow only: not on its position, not on the other flows', () => {
  const space = new CookieSpace(1);
  const a = DesiredFlows.build(flows(50), space);
  const b = DesiredFlows.build([...flows(60)].reverse(), space);
  for (let i = 0; i < 50; i++) expect(b.indexOf(a.hashes[i])).toBe(59 - i);
  // Any change to the flow, actions included, is a new cookie.
  expect(DesiredFlows.build([flow(0, 2)], space).cookies()[0]).not.toBe(a.cookies()[0]);
});

test('the encoded FLOW_MOD carries the cookie, as an add', () => {
  const desired = DesiredFlows.build(flows(2), new CookieSpace(7));
  const msg = desired.addMessage(1);
  if (msg.type !== 'raw') throw new Error('expected encoded bytes');
  const header = Buffer.from([4, msg.msgType, 0, 0, 0, 0, 0, 0]);
  header.writeUInt16BE(8 + msg.body.length, 2);
  expect(decode(Buffer.concat([header, msg.body]))).toMatchObject({ type: 'flow_mod', command: 'add', cookie: desired.cookies()[1], tableId: 10, priority: 100, match: flow(1).match });
});

test('hash collisions between different flows are resolved deterministically', () => {
  // With 32 owner bits, 32 bits of hash remain, and flows 81261 and 200822 below share them.
  const space = new CookieSpace(1, 32);
  const pair = [flow(81261), flow(200822)];
  const firstChoice = pair.map((f) => {
    const bytes = encode({ type: 'flow_mod', xid: 0, command: 'add', cookie: 0n, ...f });
    return flowHash(bytes, 0, bytes.length, space.hashBits);
  });
  expect(firstChoice[0]).toBe(firstChoice[1]);
  const a = DesiredFlows.build(pair, space);
  expect(a.hashes[0]).toBe(firstChoice[0]);
  expect(a.hashes[1]).not.toBe(firstChoice[1]);
  expect(DesiredFlows.build(pair, space).hashes).toEqual(a.hashes);
});

test('refused sets say which flow and why, and what would be accepted', () => {
  const space = new CookieSpace(1);
  expect(() => DesiredFlows.build([flow(0), { match: { ipv4Dst: '10.0.0.1' } }], space)).toThrow(InvalidFlowError);
  expect(() => DesiredFlows.build([flow(0), { match: { ipv4Dst: '10.0.0.1' } }], space)).toThrow('flows[1]: OpenFlow encode: flow_mod.match.ipv4Dst: requires ethType 0x0800 (nothing was applied)');
  // Same table, priority and match, different actions: a switch would keep one.
  expect(() => DesiredFlows.build([flow(0), flow(1), flow(0, 2)], space)).toThrow(new DuplicateFlowError(0, 2, 'table=10 priority=100 {"ethType":2048,"ipv4Dst":"10.0.0.0"}'));
  expect(() => new CookieSpace(0)).toThrow(new InvalidOptionError('owner', '0 is not an integer 1..65535 (0 would claim flows added without a cookie)'));
  expect(() => new CookieSpace(1, 8)).toThrow(/^ownerBits: 8 is not an integer 16\.\.32 /);
});

describe('built with the previous set (what FlowSync does for every change)', () => {
  const messages = (d: DesiredFlows) => Array.from({ length: d.size }, (_, i) => d.addMessage(i));

  test('gives what a build from scratch gives, whatever came before', () => {
    const space = new CookieSpace(1);
    const all = flows(40);
    fc.assert(
      fc.property(fc.shuffledSubarray(all), fc.shuffledSubarray(all), (before, after) => {
        const previous = DesiredFlows.build(before, space);
        const built = DesiredFlows.build(after, space, previous);
        const fresh = DesiredFlows.build(after, space);
        expect(built.hashes).toEqual(fresh.hashes);
        expect(messages(built)).toEqual(messages(fresh));
      }),
    );
  });

  test('a flow given again as the same object is copied, not encoded again', () => {
    const space = new CookieSpace(1);
    const [kept, other] = [flow(1), flow(2)];
    const previous = DesiredFlows.build([kept, other], space);
    // Changed in place, which callers must not do: only a copy keeps the first encoding.
    (kept.match as { ipv4Dst: string }).ipv4Dst = '10.9.9.9';
    const built = DesiredFlows.build([other, kept], space, previous);
    expect(built.cookies()[1]).toBe(previous.cookies()[0]);
    expect(built.addMessage(1)).toEqual(previous.addMessage(0));
    // Another cookie space's set is not reused.
    expect(DesiredFlows.build([kept], new CookieSpace(2), previous).hashes[0]).not.toBe(previous.hashes[0]);
  });

  test('a flow whose hash was salted by a collision is hashed afresh once the collision is gone', () => {
    const space = new CookieSpace(1, 32);
    const pair = [flow(81261), flow(200822)];
    const both = DesiredFlows.build(pair, space);
    const alone = DesiredFlows.build([pair[1]], space, both);
    expect(alone.hashes[0]).not.toBe(both.hashes[1]);
    expect(alone.hashes).toEqual(DesiredFlows.build([pair[1]], space).hashes);
    expect(DesiredFlows.build([pair[1], pair[0]], space, both).hashes).toEqual(DesiredFlows.build([pair[1], pair[0]], space).hashes);
    // A copied flow a new one collides with is salted as in a fresh build, and carries the salted cookie.
    const collided = DesiredFlows.build(pair, space, alone);
    const fresh = DesiredFlows.build(pair, space);
    expect(collided.hashes).toEqual(fresh.hashes);
    expect([collided.addMessage(0), collided.addMessage(1)]).toEqual([fresh.addMessage(0), fresh.addMessage(1)]);
  });
});
