/**
 * Conjunction ids, one per rule key (`rule/web/ingress/0`): a 32-bit FNV-1a hash of the
 * key, so a rule keeps its id — and its `conj_id=N` flow its packet counters — whatever
 * other groups come and go. Ids are computed over every rule of the mesh, not one host's,
 * so a rule has the same id on every host. Two keys that hash alike are resolved in key
 * order (the later one takes the next free id); 0 is never used, it means "no
 * conjunction" to OVS.
 */
export function conjunctionIds(keys: Iterable<string>): Map<string, number> {
  const ids = new Map<string, number>();
  const taken = new Set<number>();
  for (const key of [...new Set(keys)].sort()) {
    let id = fnv1a(key) || 1;
    while (taken.has(id)) id = id === 0xffffffff ? 1 : id + 1;
    taken.add(id);
    ids.set(key, id);
  }
  return ids;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
