import type { NodeIdentity } from '../resources/client-profile';
import type { Snapshot } from './snapshot';

/**
 * Snapshots keyed per node group (a node's key comes from `nodeKey`, e.g. its client
 * profile). This is the one interface between cache and server: the server asks for a
 * node's snapshot and is told when it changes. The cache knows nothing of gRPC.
 */
export type SnapshotListener = (snapshot: Snapshot) => void;

export interface SnapshotWatch {
  current: Snapshot | undefined;
  cancel(): void;
}

export class SnapshotCache {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly listeners = new Map<string, Set<SnapshotListener>>();

  /**
   * @param nodeKey which snapshot a node gets
   * @param buildMissing builds the snapshot for a key no node has used before
   */
  constructor(
    readonly nodeKey: (node: NodeIdentity | undefined) => string,
    private readonly buildMissing?: (key: string) => Snapshot,
  ) {}

  setSnapshot(key: string, snapshot: Snapshot): void {
    this.snapshots.set(key, snapshot);
    for (const listener of this.listeners.get(key) ?? []) listener(snapshot);
  }

  getSnapshot(key: string): Snapshot | undefined {
    return this.snapshots.get(key);
  }

  keys(): string[] {
    return [...this.snapshots.keys()];
  }

  watch(node: NodeIdentity | undefined, listener: SnapshotListener): SnapshotWatch {
    const key = this.nodeKey(node);
    if (!this.snapshots.has(key) && this.buildMissing) this.snapshots.set(key, this.buildMissing(key));
    const set = this.listeners.get(key) ?? new Set();
    this.listeners.set(key, set);
    set.add(listener);
    return {
      current: this.snapshots.get(key),
      cancel: () => {
        set.delete(listener);
        if (set.size === 0) this.listeners.delete(key);
      },
    };
  }
}
