import fc from 'fast-check';
import { portPrefixes } from '../../../../fabric/compiler/security-groups';
import type { PortRange } from '../../../../src/model/security-group';

/** Whether masked match `p` (a port, or {value, mask}) matches `port`. */
const matches = (p: number | { value: number; mask: number }, port: number) => (typeof p === 'number' ? p === port : (port & p.mask) === p.value);

describe('portPrefixes', () => {
  test.each<{ name: string; ranges: PortRange[]; prefixes: (number | { value: number; mask: number })[] }>([
    { name: 'one port is one exact match', ranges: [{ from: 80, to: 80 }], prefixes: [80] },
    { name: 'an aligned block is one prefix', ranges: [{ from: 8000, to: 8063 }], prefixes: [{ value: 8000, mask: 0xffc0 }] },
    { name: '8000-8080', ranges: [{ from: 8000, to: 8080 }], prefixes: [{ value: 8000, mask: 0xffc0 }, { value: 8064, mask: 0xfff0 }, 8080] },
    { name: 'adjacent and overlapping ranges merge first', ranges: [{ from: 81, to: 81 }, { from: 80, to: 80 }, { from: 80, to: 81 }], prefixes: [{ value: 80, mask: 0xfffe }] },
    { name: 'every port: 16 prefixes (port 0 is not a port)', ranges: [{ from: 1, to: 65535 }], prefixes: [1, ...Array.from({ length: 15 }, (_, i) => ({ value: 2 ** (i + 1), mask: (0x10000 - 2 ** (i + 1)) & 0xffff }))] },
  ])('$name', ({ ranges, prefixes }) => {
    expect(portPrefixes(ranges)).toEqual(prefixes);
  });

  test('the worst range of 16-bit ports, 1-65534, takes 2·15 prefixes', () => {
    expect(portPrefixes([{ from: 1, to: 65534 }])).toHaveLength(30);
  });

  test('the prefixes match exactly the ports of the ranges, at most 2·16 per range', () => {
    const range = fc.tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 })).map(([a, b]): PortRange => ({ from: Math.min(a, b), to: Math.max(a, b) }));
    fc.assert(
      fc.property(fc.array(range, { minLength: 1, maxLength: 3 }), (ranges) => {
        const prefixes = portPrefixes(ranges);
        expect(prefixes.length).toBeLessThanOrEqual(32 * ranges.length);
        for (let port = 0; port <= 65535; port++) {
          const inRanges = ranges.some((r) => port >= r.from && port <= r.to);
          const hits = prefixes.filter((p) => matches(p, port)).length;
          if (hits !== (inRanges ? 1 : 0)) throw new Error(`port ${port}: ${hits} prefixes match, in a range: ${inRanges}`);
        }
      }),
      { numRuns: 40 },
    );
  });
});
