import { affinitySlots, SLOTS_PER_BACKEND } from '../../../../fabric/compiler/service-lb';

/** The ClientIP slot table: its size, each backend's share, and how little moves when a backend goes. */

const equal = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `web-${i}`, weight: 1 }));
const counts = (slots: string[]) => slots.reduce((m, name) => m.set(name, (m.get(name) ?? 0) + 1), new Map<string, number>());

test('no backend, no slot; one backend, one slot (no address bits to match)', () => {
  expect(affinitySlots([])).toEqual([]);
  expect(affinitySlots([{ name: 'only', weight: 5 }])).toEqual(['only']);
});

test.each([2, 3, 7, 10, 33, 100])('%i equal backends: a power of two, 4..8 slots each, shares within one slot', (n) => {
  const slots = affinitySlots(equal(n));
  expect(Math.log2(slots.length) % 1).toBe(0);
  expect(slots.length).toBeGreaterThanOrEqual(SLOTS_PER_BACKEND * n);
  expect(slots.length).toBeLessThan(2 * SLOTS_PER_BACKEND * n);
  const shares = [...counts(slots).values()];
  expect(shares).toHaveLength(n);
  expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
});

test('weights: one slot each, the rest in proportion (largest remainder)', () => {
  const slots = affinitySlots([{ name: 'a', weight: 1 }, { name: 'b', weight: 2 }, { name: 'c', weight: 3 }, { name: 'd', weight: 4 }]);
  // 16 slots: 4 to start with, 12 shared as 1.2, 2.4, 3.6, 4.8.
  expect(Object.fromEntries(counts(slots))).toEqual({ a: 2, b: 3, c: 5, d: 6 });
});

test('the table depends on the backends, not on their order', () => {
  const backends = equal(12);
  expect(affinitySlots([...backends].reverse())).toEqual(affinitySlots(backends));
});

test('removing one of 10 backends keeps at least 80% of the other backends’ slots where they were', () => {
  const before = affinitySlots(equal(10));
  for (let removed = 0; removed < 10; removed++) {
    const after = affinitySlots(equal(10).filter((_, i) => i !== removed));
    expect(after).toHaveLength(before.length);
    const others = before.flatMap((name, slot) => (name === `web-${removed}` ? [] : [name === after[slot]]));
    expect(others.filter(Boolean).length / others.length).toBeGreaterThanOrEqual(0.8);
    expect(after).not.toContain(`web-${removed}`);
  }
});
