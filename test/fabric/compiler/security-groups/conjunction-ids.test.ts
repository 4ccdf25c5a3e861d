import { conjunctionIds } from '../../../../fabric/compiler/security-groups';

describe('conjunctionIds', () => {
  test('an id is a hash of the key alone: other keys coming and going do not move it', () => {
    const few = conjunctionIds(['rule/web/ingress/0', 'rule/web/egress/0']);
    const many = conjunctionIds(['rule/web/ingress/0', ...Array.from({ length: 1000 }, (_, i) => `rule/g${i}/ingress/0`), 'rule/web/egress/0']);
    expect(many.get('rule/web/ingress/0')).toBe(few.get('rule/web/ingress/0'));
    expect(many.get('rule/web/egress/0')).toBe(few.get('rule/web/egress/0'));
    expect(new Set(many.values()).size).toBe(many.size);
    for (const id of many.values()) expect(id).toBeGreaterThan(0);
  });

  test('two keys with one hash: the first in key order keeps it, the other takes the next id, in any input order', () => {
    // FNV-1a gives both 1481900354.
    const [a, b] = ['rule/g2781/ingress/0', 'rule/g826080/ingress/0'];
    expect(conjunctionIds([a]).get(a)).toBe(1481900354);
    expect(conjunctionIds([b]).get(b)).toBe(1481900354);
    const expected = new Map([[a, 1481900354], [b, 1481900355]]);
    expect(conjunctionIds([a, b])).toEqual(expected);
    expect(conjunctionIds([b, a])).toEqual(expected);
  });
});
