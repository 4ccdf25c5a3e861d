import { groupIds, groupKey } from '../../../../fabric/compiler/service-lb';
import { Group } from '../../../../fabric/openflow/codec';

/** Group ids: hashed, valid, order-independent, and collisions resolved the same way every time. */

test('ids are valid OpenFlow group ids, distinct, and independent of the order of the keys', () => {
  const keys = Array.from({ length: 2000 }, (_, i) => groupKey(`svc-${i}`, `net-${i % 7}`));
  const ids = groupIds(keys);
  expect(new Set(ids.values()).size).toBe(keys.length);
  for (const id of ids.values()) expect(id >= 1 && id <= Group.MAX).toBe(true);
  expect(groupIds([...keys].reverse())).toEqual(ids);
});

test('a key keeps its id whatever other keys there are', () => {
  const alone = groupIds([groupKey('web', 'blue')]).get(groupKey('web', 'blue'));
  const among = groupIds([groupKey('api', 'blue'), groupKey('web', 'blue'), groupKey('web', 'red')]).get(groupKey('web', 'blue'));
  expect(among).toBe(alone);
});

test('colliding keys take the next free ids, in key order, wrapping after Group.MAX', () => {
  expect([...groupIds(['c', 'a', 'b'], () => 41)]).toEqual([['a', 42], ['b', 43], ['c', 44]]);
  expect([...groupIds(['x', 'y'], () => Group.MAX - 1)]).toEqual([['x', Group.MAX], ['y', 1]]);
});
