import { oncePerObject } from '../../src/memo';

test('oncePerObject computes once per argument object, an undefined result included', () => {
  const seen: object[] = [];
  const f = oncePerObject((o: { n: number }) => {
    seen.push(o);
    return o.n > 0 ? o.n * 2 : undefined;
  });
  const [a, b, zero] = [{ n: 1 }, { n: 1 }, { n: 0 }];
  expect([f(a), f(a), f(b), f(zero), f(zero)]).toEqual([2, 2, 2, undefined, undefined]);
  expect(seen).toEqual([a, b, zero]);
  expect(seen[0]).toBe(a);
  expect(seen[1]).toBe(b);
});
