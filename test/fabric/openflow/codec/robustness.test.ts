import fc from 'fast-check';
import { decode, encode, OpenFlowDecodeError } from '../../../../fabric/openflow/codec';
import { ofctlFixtures, vswitchdFixtures } from './fixtures/fixture-files';
import { OFP_PRINT_CASES } from './ofp-print-cases';

/**
 * Whatever the bytes, decode returns a message or throws OpenFlowDecodeError saying where
 * and what it expected — never another exception, never a hang.
 */

const valid = [
  ...ofctlFixtures().flatMap((f) => f.messages.map((m) => Buffer.from(m.hex, 'hex'))),
  ...vswitchdFixtures().flatMap((s) => [...s.sent, ...s.received].map((m) => Buffer.from(m.hex, 'hex'))),
  ...OFP_PRINT_CASES.map((c) => encode(c.value)),
];

/** Decodes; a failure must be an OpenFlowDecodeError pointing inside the input. */
function decodesOrExplains(bytes: Uint8Array): void {
  try {
    decode(bytes);
  } catch (e) {
    if (!(e instanceof OpenFlowDecodeError)) throw e;
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(bytes.length);
    expect(e.expected.length).toBeGreaterThan(0);
  }
}

function withLength(bytes: Uint8Array, length: number): Buffer {
  const b = Buffer.from(bytes);
  if (b.length >= 4) b.writeUInt16BE(length & 0xffff, 2);
  return b;
}

describe('decode on hostile input', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), decodesOrExplains), { numRuns: 2000 });
  });

  it('random bodies behind a valid OpenFlow 1.3 header of every type', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 31 }), fc.uint8Array({ maxLength: 400 }), (type, body) => {
        const b = Buffer.alloc(8 + body.length);
        b[0] = 4;
        b[1] = type;
        b.writeUInt16BE(b.length, 2);
        b.set(body, 8);
        decodesOrExplains(b);
      }),
      { numRuns: 3000 },
    );
  });

  it('every valid message cut short at every length fails with OpenFlowDecodeError', () => {
    const decodedAnyway: string[] = [];
    for (const m of valid) {
      for (let n = 0; n < m.length; n++) {
        try {
          decode(m.subarray(0, n));
          decodedAnyway.push(`${m.toString('hex')} cut to ${n}`);
        } catch (e) {
          if (!(e instanceof OpenFlowDecodeError)) throw e;
        }
      }
    }
    expect(decodedAnyway).toEqual([]);
  });

  it('every valid message cut short with its length field saying so', () => {
    for (const m of valid) for (let n = 8; n < m.length; n++) decodesOrExplains(withLength(m.subarray(0, n), n));
  });

  it('a valid message followed by anything is refused as more than one message', () => {
    for (const m of valid) expect(() => decode(Buffer.concat([m, Buffer.from([0])]))).toThrow(/end of input after one message/);
  });

  it('valid messages with random bytes overwritten, lengths included', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (m, edits) => {
          const b = Buffer.from(m);
          for (const [at, v] of edits) b[8 + (at % Math.max(1, b.length - 8))] = v;
          decodesOrExplains(b);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('valid messages with a random 16-bit value at a random even offset (where lengths live)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 0xffff }), (m, at, v) => {
        const b = Buffer.from(m);
        const off = 8 + ((at % Math.max(1, (b.length - 9) >> 1)) << 1);
        if (off + 2 <= b.length) b.writeUInt16BE(v, off);
        decodesOrExplains(b);
      }),
      { numRuns: 5000 },
    );
  });

  it('names the offset and what was expected', () => {
    const flowMod = valid.find((m) => m[1] === 14)!;
    const bad = Buffer.from(flowMod);
    bad.writeUInt16BE(2, 48); // the match's type field: OFPMT_STANDARD is OpenFlow 1.1's
    expect(() => decode(bad)).toThrow(expect.objectContaining({ offset: 48, expected: 'match type 1 (OFPMT_OXM)', found: '2' }));
    expect(() => decode(flowMod.subarray(0, 20))).toThrow(expect.objectContaining({ offset: 8, expected: 'message body of ' + (flowMod.length - 8) + ' bytes' }));
  });
});
