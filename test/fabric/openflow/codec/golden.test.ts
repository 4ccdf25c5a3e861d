import { decode, encode, OpenFlowEncodeError, type OfpMessage } from '../../../../fabric/openflow/codec';
import { EXPECTED_OFCTL } from './expected-ofctl';
import { EXPECTED_VSWITCHD } from './expected-vswitchd';
import { ofctlFixtures, vswitchdFixtures, type CapturedMessage } from './fixtures/fixture-files';
import { OFCTL_COMMANDS } from './fixtures/ovs-ofctl-commands';

/**
 * Golden bytes produced by Open vSwitch itself (fixtures/README.md): what ovs-ofctl sends
 * and what ovs-vswitchd answers. Each decodes to the value written out in expected-*.ts,
 * and encoding reproduces the bytes exactly.
 */

const bytes = (m: CapturedMessage) => Buffer.from(m.hex, 'hex');
const ofctl = ofctlFixtures();
const vswitchd = vswitchdFixtures();

describe('ovs-ofctl fixtures', () => {
  it('cover every command, each with an expected value', () => {
    expect(ofctl.map((f) => f.name)).toEqual(OFCTL_COMMANDS.map((c) => c.name));
    expect(Object.keys(EXPECTED_OFCTL).sort()).toEqual(ofctl.map((f) => f.name).sort());
  });

  it.each(ofctl.map((f) => [f.name, f] as const))('%s decodes to the expected value and encodes back to the same bytes', (name, f) => {
    const decoded = f.messages.map((m) => decode(bytes(m)));
    expect(decoded[0]).toEqual({ type: 'hello', xid: 1, version: 4, versions: [4] });
    const rest = decoded.slice(1).filter((m) => m.type !== 'barrier_request');
    expect(rest).toEqual(EXPECTED_OFCTL[name]);
    for (const [i, m] of f.messages.entries()) expect(encode(decoded[i]).toString('hex')).toBe(m.hex);
    const sent = f.messages.slice(1).filter((m) => m.hex.slice(2, 4) !== '14');
    expect(EXPECTED_OFCTL[name].map((v) => encode(v).toString('hex'))).toEqual(sent.map((m) => m.hex));
  });

  it('includes a barrier after every modification, as ovs-ofctl waits for one', () => {
    const barrier = ofctl.find((f) => f.name === 'flow-ct-commit')!.messages.at(-1)!;
    expect(decode(bytes(barrier))).toEqual({ type: 'barrier_request', xid: 3 });
  });
});

/** Requests written by hand in the session, and what they mean. */
const SENT: Record<string, OfpMessage[]> = {
  hello: [{ type: 'hello', xid: 1, version: 4, versions: [4] }],
  'role-master': [{ type: 'role_request', xid: 6, role: 'master', generationId: 1n }],
  'role-nochange': [{ type: 'role_request', xid: 7, role: 'nochange', generationId: 0n }],
  'role-stale': [{ type: 'role_request', xid: 8, role: 'slave', generationId: 0n }],
  'set-async': [
    { type: 'set_async', xid: 10, packetInMask: [3, 0], portStatusMask: [7, 7], flowRemovedMask: [15, 0] },
    { type: 'get_async_request', xid: 11 },
  ],
  'error-bad-type': [{ type: 'raw', xid: 60, msgType: 30, body: Buffer.alloc(0) }],
  'bundle-discard': [
    { type: 'bundle_control', xid: 80, bundleId: 8, controlType: 'open_request', flags: 3, properties: Buffer.alloc(0) },
    { type: 'bundle_control', xid: 81, bundleId: 8, controlType: 'discard_request', flags: 3, properties: Buffer.alloc(0) },
  ],
};

/** Requests OVS refused, which the encoder refuses too, naming the field. */
const REFUSED: Record<string, RegExp> = {
  'error-bad-prereq': /match\.ipv4Dst: requires ethType 0x0800/,
  'error-nx-conjunction': /conjunction: clause must be 1\.\.nClauses and nClauses 2\.\.64/,
};

describe('ovs-vswitchd session fixtures', () => {
  it('have an expected value for every step', () => {
    expect(Object.keys(EXPECTED_VSWITCHD).sort()).toEqual(vswitchd.map((s) => s.name).sort());
  });

  it.each(vswitchd.map((s) => [s.name, s] as const))('%s: the switch messages decode to the expected values', (name, s) => {
    const received = s.received.map((m) => decode(bytes(m))).filter((m) => m.type !== 'barrier_reply');
    expect(received).toEqual(EXPECTED_VSWITCHD[name]);
    if (SENT[name]) expect(s.sent.map((m) => decode(bytes(m)))).toEqual(SENT[name]);
  });

  it.each(vswitchd.map((s) => [s.name, s] as const))('%s: every message encodes back to the same bytes', (name, s) => {
    for (const m of s.received) expect(encode(decode(bytes(m))).toString('hex')).toBe(m.hex);
    for (const m of s.sent) {
      const value = decode(bytes(m));
      if (REFUSED[name]) {
        expect(() => encode(value)).toThrow(OpenFlowEncodeError);
        expect(() => encode(value)).toThrow(REFUSED[name]);
      } else {
        expect(encode(value).toString('hex')).toBe(m.hex);
      }
    }
  });
});
