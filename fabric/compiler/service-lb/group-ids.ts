import { createHash } from 'node:crypto';
import { Group } from '../../openflow/codec';

/**
 * Group ids that stay put: a (service, network) pair's id is a hash of its names, so it
 * is the same on every host and does not move when other services, networks or backends
 * come and go — a changed backend set modifies the group in place, and the flow that
 * points at it stays. Ids are 1..Group.MAX. Two pairs hashing to the same id (about one
 * chance in 2^32 per pair of pairs) are resolved deterministically: in order of (hash,
 * key), each takes the next free id.
 */
export function groupIds(keys: readonly string[], hash: (key: string) => number = sha256u32): Map<string, number> {
  const natural = [...new Set(keys)].map((key) => ({ key, id: 1 + (hash(key) % Group.MAX) }));
  natural.sort((a, b) => a.id - b.id || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const taken = new Set<number>();
  const ids = new Map<string, number>();
  for (const { key, id: start } of natural) {
    let id = start;
    while (taken.has(id)) id = id === Group.MAX ? 1 : id + 1;
    taken.add(id);
    ids.set(key, id);
  }
  return ids;
}

/** The key of a service's group in one network. */
export function groupKey(service: string, network: string): string {
  return `${service}\0${network}`;
}

function sha256u32(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0);
}
