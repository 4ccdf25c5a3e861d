/**
 * `compute` as a function computed once per argument object, kept as long as that object
 * is (a WeakMap). For pure functions of things that are never changed once made — a
 * mesh, a host's view, a plan's endpoint — so the same object always means the same result.
 */
export function oncePerObject<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const results = new WeakMap<K, V>();
  return (key) => {
    if (results.has(key)) return results.get(key)!;
    const value = compute(key);
    results.set(key, value);
    return value;
  };
}
