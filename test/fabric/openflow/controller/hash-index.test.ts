import { HashIndex } from '../../../../fabric/openflow/controller/hash-index';

test('keys up to 2^48 → positions; colliding slots, repeated keys and absent keys', () => {
  const keys = [0, 1, 2 ** 32 + 1, 2 ** 47 + 5, 2 ** 48 - 1, 17, 33];
  const index = HashIndex.of(keys);
  keys.forEach((k, i) => expect(index.get(k)).toBe(i));
  expect([index.get(2), index.has(2 ** 33 + 1), index.size]).toEqual([-1, false, 7]);
  const seen: number[] = [];
  index.forEachKey((k) => seen.push(k));
  expect(seen.sort((a, b) => a - b)).toEqual([...keys].sort((a, b) => a - b));
  // The first of repeated values is indexed.
  expect(HashIndex.of([5, 5, 6]).get(5)).toBe(0);
});

test('addUnless keeps several values under one key until `same` says one matches', () => {
  const index = new HashIndex(4);
  const words = ['a', 'b', 'c'];
  expect(index.addUnless(7, 0, (j) => words[j] === 'a')).toBe(-1);
  expect(index.addUnless(7, 1, (j) => words[j] === 'b')).toBe(-1);
  expect(index.addUnless(7, 2, (j) => words[j] === 'b')).toBe(1);
  expect(index.size).toBe(2);
  index.set(8, 3);
  index.set(9, 3);
  expect(() => index.set(10, 3)).toThrow(RangeError);
});
