import fc from 'fast-check';
import { decode, OpenFlowDecodeError, OpenFlowFramer } from '../../../../fabric/openflow/codec';
import { ofctlFixtures, vswitchdFixtures } from './fixtures/fixture-files';

/** The framer is fed the fixtures as one stream, cut every way. */

const messages = [
  ...ofctlFixtures().flatMap((f) => f.messages),
  ...vswitchdFixtures().flatMap((s) => [...s.sent, ...s.received]),
].map((m) => Buffer.from(m.hex, 'hex'));
const stream = Buffer.concat(messages);
const hex = (list: Buffer[]) => list.map((m) => m.toString('hex'));

describe('OpenFlowFramer', () => {
  it('yields every message when fed one byte at a time', () => {
    const framer = new OpenFlowFramer();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...framer.push(stream.subarray(i, i + 1)));
    expect(hex(out)).toEqual(hex(messages));
    expect(framer.pending).toBe(0);
  });

  it('yields every message however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 200 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const framer = new OpenFlowFramer();
        const out: Buffer[] = [];
        let from = 0;
        for (const to of [...points, stream.length]) {
          out.push(...framer.push(stream.subarray(from, to)));
          from = to;
        }
        expect(hex(out)).toEqual(hex(messages));
      }),
      { numRuns: 200 },
    );
  });

  it('returns whole messages inside one chunk as views of it, and decodable', () => {
    const framer = new OpenFlowFramer();
    const out = framer.push(stream);
    expect(out).toHaveLength(messages.length);
    expect(out[0].buffer).toBe(stream.buffer);
    for (const m of out) expect(() => decode(m)).not.toThrow();
  });

  it('holds back a partial message and reports its bytes', () => {
    const framer = new OpenFlowFramer();
    expect(framer.push(messages[1].subarray(0, 11))).toEqual([]);
    expect(framer.pending).toBe(11);
    expect(hex(framer.push(messages[1].subarray(11)))).toEqual(hex([messages[1]]));
    expect(framer.pending).toBe(0);
  });

  it('an empty chunk changes nothing', () => {
    const framer = new OpenFlowFramer();
    expect(framer.push(Buffer.alloc(0))).toEqual([]);
    expect(framer.pending).toBe(0);
  });

  it.each([
    ['in the first header, whole', Buffer.from('0400000400000001', 'hex'), 0],
    ['after a good message, split across chunks', Buffer.concat([messages[0], Buffer.from('0402000000000001', 'hex')]), messages[0].length],
  ])('refuses a length below 8 %s, at its stream offset, and stays failed', (_name, bytes, messageAt) => {
    const framer = new OpenFlowFramer();
    let err: unknown;
    try {
      for (let i = 0; i < bytes.length; i += 3) framer.push(bytes.subarray(i, i + 3));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OpenFlowDecodeError);
    expect((err as OpenFlowDecodeError).offset).toBe(messageAt + 2);
    expect((err as OpenFlowDecodeError).expected).toBe('message length of at least 8');
    expect(() => framer.push(messages[0])).toThrow(err as Error);
  });

  it('never throws anything but OpenFlowDecodeError and never loses bytes on random streams', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 1, max: 64 }), (bytes, chunk) => {
        const framer = new OpenFlowFramer();
        let framed = 0;
        try {
          for (let i = 0; i < bytes.length; i += chunk) for (const m of framer.push(bytes.subarray(i, i + chunk))) framed += m.length;
          expect(framed + framer.pending).toBe(bytes.length);
        } catch (e) {
          expect(e).toBeInstanceOf(OpenFlowDecodeError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
