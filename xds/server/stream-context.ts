import type { Logger } from '../../src/log';
import type { Snapshot } from '../cache/snapshot';
import type { SnapshotCache, SnapshotWatch } from '../cache/snapshot-cache';
import type { NodeIdentity } from '../resources/client-profile';
import type { XdsCallbacks } from './stream-registry';

/**
 * What SotW and Delta streams share: the node (sent only on a stream's first request),
 * the snapshot watch that follows from it, and nonces.
 */
export class StreamContext {
  node: NodeIdentity | undefined;
  snapshot: Snapshot | undefined;
  private watch: SnapshotWatch | undefined;
  private nonceCounter = 0;

  constructor(
    readonly id: number,
    readonly cache: SnapshotCache,
    readonly callbacks: XdsCallbacks,
    readonly log: Logger,
  ) {}

  /** On the first request: remember the node and start following its snapshot. */
  begin(node: NodeIdentity | null | undefined, onSnapshot: () => void): void {
    if (this.watch) return;
    this.node = node ?? undefined;
    const key = this.cache.nodeKey(this.node);
    this.callbacks.onNode(this.id, this.node, key);
    this.log.info({ stream: this.id, node: this.node?.id, agent: this.node?.user_agent_name, profile: key }, 'xDS stream started');
    this.watch = this.cache.watch(this.node, (snapshot) => {
      this.snapshot = snapshot;
      onSnapshot();
    });
    this.snapshot = this.watch.current;
  }

  nextNonce(): string {
    return String(++this.nonceCounter);
  }

  close(): void {
    this.watch?.cancel();
    this.callbacks.onStreamClosed(this.id);
  }
}
