import type { Atom } from '../datum';
import type { Mutation } from '../operations';

/**
 * Mutations that set some keys of a string map column and leave the others alone (other
 * agents keep their own keys in `external_ids` and `other_config`). `insert` keeps an
 * existing key's value, so changed keys are deleted first. Empty when nothing differs.
 */
export function mergeMapMutations(column: string, current: ReadonlyMap<Atom, Atom>, wanted: Readonly<Record<string, string | undefined>>): Mutation[] {
  const remove: string[] = [];
  const add = new Map<string, string>();
  for (const [key, value] of Object.entries(wanted)) {
    if (current.get(key) === value) continue;
    if (current.has(key)) remove.push(key);
    if (value !== undefined) add.set(key, value);
  }
  const mutations: Mutation[] = [];
  if (remove.length) mutations.push([column, 'delete', remove]);
  if (add.size) mutations.push([column, 'insert', add]);
  return mutations;
}
