import { ChangeFeed } from './change-feed';
import type { CatalogData, CheckRecord, KvRecord, NodeRecord, ServiceRecord } from './records';

/**
 * The embedded catalog: nodes, service instances, checks and KV, with Consul's index
 * rules. Every write runs in a transaction that gets the next index only if it changed
 * something (re-registering an identical service wakes nobody), sets CreateIndex and
 * ModifyIndex on the records it changed, and publishes the topics it touched to the
 * change feed that blocking queries sleep on.
 */

export type NewNode = Omit<NodeRecord, 'CreateIndex' | 'ModifyIndex'>;
export type NewService = Omit<ServiceRecord, 'CreateIndex' | 'ModifyIndex'>;
export type NewCheck = Omit<CheckRecord, 'CreateIndex' | 'ModifyIndex'>;

/** How long a deleted KV key keeps answering prefix queries with its deletion index. */
const KV_TOMBSTONE_TTL_MS = 15 * 60_000;

export type CheckListener = (check: CheckRecord | undefined, node: string, checkId: string) => void;

export class CatalogState {
  readonly feed = new ChangeFeed();
  private index: number;
  private kvReapIndex: number;
  private readonly topicIndex: Map<string, number>;
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly services = new Map<string, ServiceRecord>();
  private readonly servicesByName = new Map<string, Set<string>>();
  private readonly servicesByNode = new Map<string, Set<string>>();
  private readonly checks = new Map<string, CheckRecord>();
  private readonly checksByNode = new Map<string, Set<string>>();
  /** Checks by `node + service id`; node-level checks under `node + ''`. */
  private readonly checksByOwner = new Map<string, Set<string>>();
  private readonly kv = new Map<string, KvRecord>();
  private readonly tombstones = new Map<string, { Index: number; At: number }>();
  private readonly checkListeners = new Set<CheckListener>();
  private readonly commitListeners = new Set<() => void>();

  constructor(data?: CatalogData) {
    this.index = data?.index ?? 0;
    this.kvReapIndex = data?.kvReapIndex ?? 0;
    this.topicIndex = new Map(Object.entries(data?.topics ?? {}));
    for (const n of data?.nodes ?? []) this.nodes.set(n.Node, n);
    for (const s of data?.services ?? []) this.indexService(s);
    for (const c of data?.checks ?? []) this.indexCheck(c);
    for (const e of data?.kv ?? []) this.kv.set(e.Key, e);
    for (const t of data?.kvTombstones ?? []) this.tombstones.set(t.Key, { Index: t.Index, At: t.At });
  }

  toData(): CatalogData {
    return {
      index: this.index,
      topics: Object.fromEntries(this.topicIndex),
      kvReapIndex: this.kvReapIndex,
      nodes: [...this.nodes.values()],
      services: [...this.services.values()],
      checks: [...this.checks.values()],
      kv: [...this.kv.values()],
      kvTombstones: [...this.tombstones].map(([Key, t]) => ({ Key, ...t })),
    };
  }

  /** Runs `fn` as one transaction; returns its result and the catalog index after it. */
  write<T>(fn: (tx: CatalogTx) => T): { index: number; result: T } {
    const tx = new CatalogTx(this, this.index + 1);
    const result = fn(tx);
    if (tx.touched.size > 0) {
      this.index = tx.index;
      for (const topic of tx.touched) this.topicIndex.set(topic, tx.index);
      this.feed.publish(tx.touched);
      for (const [key, check] of tx.changedChecks) {
        const [node, checkId] = splitKey(key);
        for (const listener of this.checkListeners) listener(check, node, checkId);
      }
      for (const listener of this.commitListeners) listener();
    }
    return { index: this.index, result };
  }

  /** Told about every check that was added, changed or removed (after the commit). */
  onCheckChange(listener: CheckListener): () => void {
    this.checkListeners.add(listener);
    return () => this.checkListeners.delete(listener);
  }

  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  // --- reads -------------------------------------------------------------------------

  currentIndex(): number {
    return this.index;
  }

  /** A topic's index, or `fallback`'s when the topic never changed (Consul's table index). */
  topic(name: string, fallback?: string): number {
    return this.topicIndex.get(name) ?? (fallback ? this.topicIndex.get(fallback) : undefined) ?? this.index;
  }

  node(name: string): NodeRecord | undefined {
    return this.nodes.get(name);
  }

  allNodes(): NodeRecord[] {
    return [...this.nodes.values()].sort((a, b) => a.Node.localeCompare(b.Node));
  }

  service(node: string, id: string): ServiceRecord | undefined {
    return this.services.get(key(node, id));
  }

  allServices(): ServiceRecord[] {
    return [...this.services.values()];
  }

  instancesOf(name: string): ServiceRecord[] {
    return sortedRecords(this.servicesByName.get(name), this.services);
  }

  servicesOnNode(node: string): ServiceRecord[] {
    return sortedRecords(this.servicesByNode.get(node), this.services);
  }

  check(node: string, checkId: string): CheckRecord | undefined {
    return this.checks.get(key(node, checkId));
  }

  allChecks(): CheckRecord[] {
    return [...this.checks.values()];
  }

  checksOnNode(node: string): CheckRecord[] {
    return [...(this.checksByNode.get(node) ?? [])].map((k) => this.checks.get(k)!).sort((a, b) => a.CheckID.localeCompare(b.CheckID));
  }

  /** The node's own checks and the service's, as Consul lists them in a health entry. */
  checksFor(node: string, serviceId: string): CheckRecord[] {
    return [...this.ownChecks(node, ''), ...this.ownChecks(node, serviceId)];
  }

  /** The checks of one service instance (or with `serviceId` '', the node's own). */
  ownChecks(node: string, serviceId: string): CheckRecord[] {
    const keys = this.checksByOwner.get(key(node, serviceId));
    return keys ? [...keys].map((k) => this.checks.get(k)!).sort((a, b) => a.CheckID.localeCompare(b.CheckID)) : [];
  }

  kvGet(k: string): KvRecord | undefined {
    return this.kv.get(k);
  }

  kvUnder(prefix: string): KvRecord[] {
    const out: KvRecord[] = [];
    for (const [k, e] of this.kv) if (k.startsWith(prefix)) out.push(e);
    return out.sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
  }

  /**
   * Index of a KV prefix query: the latest change under the prefix, deletions included
   * (Consul keeps tombstones for that), never lower than an index it answered before.
   */
  kvIndex(prefix: string): number {
    let index = this.kvReapIndex;
    for (const [k, e] of this.kv) if (k.startsWith(prefix) && e.ModifyIndex > index) index = e.ModifyIndex;
    for (const [k, t] of this.tombstones) if (k.startsWith(prefix) && t.Index > index) index = t.Index;
    return index;
  }

  /** Index of a single-key query: its ModifyIndex, or when absent the index that deleted it. */
  kvKeyIndex(k: string): number {
    return this.kv.get(k)?.ModifyIndex ?? Math.max(this.tombstones.get(k)?.Index ?? 0, this.kvReapIndex);
  }

  // --- used by CatalogTx ---------------------------------------------------------------

  /** @internal */ setNode(n: NodeRecord | undefined, name: string): void {
    if (n) this.nodes.set(name, n);
    else this.nodes.delete(name);
  }

  /** @internal */ setService(k: string, s: ServiceRecord | undefined): void {
    const old = this.services.get(k);
    if (old) {
      removeFrom(this.servicesByName, old.Service, k);
      removeFrom(this.servicesByNode, old.Node, k);
      this.services.delete(k);
    }
    if (s) this.indexService(s);
  }

  /** @internal */ setCheck(k: string, c: CheckRecord | undefined): void {
    const old = this.checks.get(k);
    if (old) {
      removeFrom(this.checksByNode, old.Node, k);
      removeFrom(this.checksByOwner, key(old.Node, old.ServiceID), k);
      this.checks.delete(k);
    }
    if (c) this.indexCheck(c);
  }

  /** @internal */ setKv(k: string, e: KvRecord | undefined, index: number): void {
    if (e) {
      this.kv.set(k, e);
      this.tombstones.delete(k);
    } else if (this.kv.delete(k)) {
      this.tombstones.set(k, { Index: index, At: Date.now() });
    }
    this.reapTombstones();
  }

  private reapTombstones(): void {
    const cutoff = Date.now() - KV_TOMBSTONE_TTL_MS;
    for (const [k, t] of this.tombstones) {
      if (t.At >= cutoff) continue;
      this.kvReapIndex = Math.max(this.kvReapIndex, t.Index);
      this.tombstones.delete(k);
    }
  }

  private indexService(s: ServiceRecord): void {
    const k = key(s.Node, s.ID);
    this.services.set(k, s);
    addTo(this.servicesByName, s.Service, k);
    addTo(this.servicesByNode, s.Node, k);
  }

  private indexCheck(c: CheckRecord): void {
    const k = key(c.Node, c.CheckID);
    this.checks.set(k, c);
    addTo(this.checksByNode, c.Node, k);
    addTo(this.checksByOwner, key(c.Node, c.ServiceID), k);
  }
}

/** The writes of one transaction. Each compares with what is stored and records only real changes. */
export class CatalogTx {
  readonly touched = new Set<string>();
  readonly changedChecks = new Map<string, CheckRecord | undefined>();

  constructor(
    private readonly state: CatalogState,
    readonly index: number,
  ) {}

  putNode(n: NewNode): void {
    const old = this.state.node(n.Node);
    if (old && same(old, n)) return;
    this.state.setNode({ ...n, CreateIndex: old?.CreateIndex ?? this.index, ModifyIndex: this.index }, n.Node);
    this.touch('nodes', `node:${n.Node}`);
    for (const s of this.state.servicesOnNode(n.Node)) this.touch(`service:${s.Service}`);
  }

  /** Removes a node with its services and checks. */
  deleteNode(name: string): void {
    if (!this.state.node(name)) return;
    for (const s of this.state.servicesOnNode(name)) this.deleteService(name, s.ID);
    for (const c of this.state.checksOnNode(name)) this.deleteCheck(name, c.CheckID);
    this.state.setNode(undefined, name);
    this.touch('nodes', `node:${name}`);
  }

  putService(s: NewService): void {
    const old = this.state.service(s.Node, s.ID);
    if (old && same(old, s)) return;
    this.state.setService(key(s.Node, s.ID), { ...s, CreateIndex: old?.CreateIndex ?? this.index, ModifyIndex: this.index });
    this.touch('services', `service:${s.Service}`, `node:${s.Node}`);
    if (old && old.Service !== s.Service) this.touch(`service:${old.Service}`);
  }

  /** Removes a service instance with its checks. */
  deleteService(node: string, id: string): boolean {
    const old = this.state.service(node, id);
    if (!old) return false;
    for (const c of this.state.ownChecks(node, id)) this.deleteCheck(node, c.CheckID);
    this.state.setService(key(node, id), undefined);
    this.touch('services', `service:${old.Service}`, `node:${node}`);
    return true;
  }

  putCheck(c: NewCheck): void {
    const old = this.state.check(c.Node, c.CheckID);
    if (old && same(old, c)) return;
    const record = { ...c, CreateIndex: old?.CreateIndex ?? this.index, ModifyIndex: this.index };
    this.state.setCheck(key(c.Node, c.CheckID), record);
    this.checkTouched(record);
    if (old && old.ServiceName !== c.ServiceName) this.checkTouched(old);
    this.changedChecks.set(key(c.Node, c.CheckID), record);
  }

  deleteCheck(node: string, checkId: string): boolean {
    const old = this.state.check(node, checkId);
    if (!old) return false;
    this.state.setCheck(key(node, checkId), undefined);
    this.checkTouched(old);
    this.changedChecks.set(key(node, checkId), undefined);
    return true;
  }

  putKv(k: string, value: string | null, flags: number): void {
    const old = this.state.kvGet(k);
    this.state.setKv(k, { Key: k, Value: value, Flags: flags, CreateIndex: old?.CreateIndex ?? this.index, ModifyIndex: this.index }, this.index);
    this.touch('kv');
  }

  deleteKv(k: string): boolean {
    if (!this.state.kvGet(k)) return false;
    this.state.setKv(k, undefined, this.index);
    this.touch('kv');
    return true;
  }

  private checkTouched(c: CheckRecord): void {
    this.touch('checks', `node:${c.Node}`);
    if (c.ServiceName) this.touch(`service:${c.ServiceName}`);
    else for (const s of this.state.servicesOnNode(c.Node)) this.touch(`service:${s.Service}`);
  }

  private touch(...topics: string[]): void {
    for (const t of topics) this.touched.add(t);
  }
}

function key(node: string, id: string): string {
  return `${node}\u0000${id}`;
}

function splitKey(k: string): [string, string] {
  const i = k.indexOf('\u0000');
  return [k.slice(0, i), k.slice(i + 1)];
}

function addTo(index: Map<string, Set<string>>, name: string, k: string): void {
  let set = index.get(name);
  if (!set) index.set(name, (set = new Set()));
  set.add(k);
}

function removeFrom(index: Map<string, Set<string>>, name: string, k: string): void {
  const set = index.get(name);
  if (!set) return;
  set.delete(k);
  if (set.size === 0) index.delete(name);
}

function sortedRecords(keys: Set<string> | undefined, records: Map<string, ServiceRecord>): ServiceRecord[] {
  return [...(keys ?? [])].map((k) => records.get(k)!).sort((a, b) => a.Node.localeCompare(b.Node) || a.ID.localeCompare(b.ID));
}

/** Equal apart from the indexes (records are plain JSON data). */
function same(stored: object, next: object): boolean {
  const { CreateIndex: _c, ModifyIndex: _m, ...rest } = stored as Record<string, unknown>;
  return stableJson(rest) === stableJson(next);
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
