import fc from 'fast-check';
import { JsonFramingError, JsonStreamParser } from '../../../fabric/ovsdb/json-stream-parser';

/** Top-level values must be objects or arrays: those are what can follow each other unframed. */
const message = fc.oneof(fc.array(fc.jsonValue(), { maxLength: 5 }), fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue(), { maxKeys: 5 }));

function feed(parser: JsonStreamParser, chunks: Buffer[]): unknown[] {
  return chunks.flatMap((chunk) => parser.push(chunk));
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, p));
    start = p;
  }
  return chunks;
}

describe('JsonStreamParser', () => {
  it('returns the same values however the concatenated stream is split', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), fc.constantFrom('', ' ', '\n'), (values, cuts, separator) => {
        const bytes = Buffer.from(values.map((v) => JSON.stringify(v)).join(separator), 'utf8');
        const parser = new JsonStreamParser();
        expect(feed(parser, splitAt(bytes, cuts))).toEqual(JSON.parse(JSON.stringify(values)));
        expect(parser.pendingBytes).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('byte at a time, including strings with brackets, escapes and multi-byte characters', () => {
    const values = [{ s: '{[\\"]}', u: 'zß水🎉', n: [1, -2.5e3, null, true] }, ['"', '\\', { '': {} }], {}];
    const bytes = Buffer.from(values.map((v) => JSON.stringify(v)).join(''), 'utf8');
    const parser = new JsonStreamParser();
    const out: unknown[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...parser.push(bytes.subarray(i, i + 1)));
    expect(out).toEqual(values);
  });

  it('holds back an unfinished value until the rest arrives', () => {
    const parser = new JsonStreamParser();
    expect(parser.push('{"id":1,"result"')).toEqual([]);
    expect(parser.pendingBytes).toBe(16);
    expect(parser.push(':[]}{"id"')).toEqual([{ id: 1, result: [] }]);
    expect(parser.push(':2}')).toEqual([{ id: 2 }]);
  });

  it.each([
    { name: 'a bare scalar between messages', input: '{}42', error: 'JSON stream, byte 2: expected "{" or "[" to start a message, got "4"' },
    { name: 'invalid JSON inside balanced brackets', input: '{"a":}', error: /JSON stream, byte 5: invalid JSON ending here/ },
    { name: 'a message over the size limit', input: '["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', error: 'JSON stream, byte 0: the message starting here exceeds 32 bytes', limit: 32 },
  ])('refuses $name', ({ input, error, limit }) => {
    const parser = new JsonStreamParser(limit);
    expect(() => parser.push(input)).toThrow(JsonFramingError);
    expect(() => new JsonStreamParser(limit).push(input)).toThrow(error);
  });
});
