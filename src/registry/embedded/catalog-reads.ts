import { worstStatus, type CheckStatus } from '../registry';
import type { CatalogState } from './catalog-state';
import type { CheckRecord, KvRecord, NodeRecord, ServiceRecord } from './records';

/**
 * The reads of the Consul API, each with the index Consul would answer it with and the
 * change-feed topics that can change its result (what a blocking query sleeps on).
 * Shared by the HTTP API and the in-process registry.
 */

export interface Read<T> {
  topics: string[];
  /** Cheap: a blocking query re-evaluates it on every wake-up. */
  index(): number;
  value(): T;
}

/** Service name → its instances' tags (unique, sorted). */
export function servicesRead(state: CatalogState): Read<Record<string, string[]>> {
  return {
    // Nodes too: a `?filter=` on node fields reads them.
    topics: ['services', 'nodes'],
    index: () => Math.max(state.topic('services'), state.topic('nodes')),
    value: () => {
      const tags = new Map<string, Set<string>>();
      for (const s of state.allServices()) {
        const set = tags.get(s.Service) ?? new Set<string>();
        for (const t of s.Tags) set.add(t);
        tags.set(s.Service, set);
      }
      const names = [...tags.keys()].sort();
      return Object.fromEntries(names.map((n) => [n, [...tags.get(n)!].sort()]));
    },
  };
}

export interface InstanceFilter {
  tags?: string[];
  /** Only instances whose node and service checks all pass. */
  passing?: boolean;
}

export function instancesRead(state: CatalogState, name: string, filter: InstanceFilter = {}): Read<ServiceRecord[]> {
  const topic = `service:${name}`;
  return {
    topics: [topic],
    index: () => state.topic(topic, 'services'),
    value: () =>
      state
        .instancesOf(name)
        .filter((s) => (filter.tags ?? []).every((t) => s.Tags.includes(t)))
        .filter((s) => !filter.passing || instanceStatus(state, s) === 'passing'),
  };
}

export function instanceStatus(state: CatalogState, s: ServiceRecord): CheckStatus {
  return worstStatus(state.checksFor(s.Node, s.ID).map((c) => c.Status));
}

export function nodesRead(state: CatalogState): Read<NodeRecord[]> {
  return { topics: ['nodes'], index: () => state.topic('nodes'), value: () => state.allNodes() };
}

export function nodeRead(state: CatalogState, node: string): Read<{ node: NodeRecord; services: ServiceRecord[]; checks: CheckRecord[] } | undefined> {
  const topic = `node:${node}`;
  return {
    topics: [topic],
    index: () => state.topic(topic, 'nodes'),
    value: () => {
      const n = state.node(node);
      return n && { node: n, services: state.servicesOnNode(node), checks: state.checksOnNode(node) };
    },
  };
}

export function serviceChecksRead(state: CatalogState, name: string): Read<CheckRecord[]> {
  const topic = `service:${name}`;
  return {
    topics: [topic],
    index: () => state.topic(topic, 'services'),
    value: () => state.instancesOf(name).flatMap((s) => state.ownChecks(s.Node, s.ID)),
  };
}

export function checksInStateRead(state: CatalogState, status: CheckStatus | 'any'): Read<CheckRecord[]> {
  return {
    topics: ['checks'],
    index: () => state.topic('checks'),
    value: () =>
      state
        .allChecks()
        .filter((c) => status === 'any' || c.Status === status)
        .sort((a, b) => a.Node.localeCompare(b.Node) || a.CheckID.localeCompare(b.CheckID)),
  };
}

/** One key, or with `recurse` every key under it as a prefix. */
export function kvRead(state: CatalogState, key: string, recurse: boolean): Read<KvRecord[]> {
  return {
    topics: ['kv'],
    index: () => (recurse ? state.kvIndex(key) : state.kvKeyIndex(key)),
    value: () => {
      if (recurse) return state.kvUnder(key);
      const entry = state.kvGet(key);
      return entry ? [entry] : [];
    },
  };
}
