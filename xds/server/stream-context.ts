import type { Logger } from '../../src/log';
import type { Snapshot } from '../cache/snapshot';
import type { SnapshotCache, SnapshotWatch } from '../cache/snapshot-cache';
import type { NodeIdentity } from '../resources/client-profile';
import { SHORT_NAME, isResourceTypeUrl, type ResourceTypeUrl } from '../resources/type-urls';
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
  begin(node: NodeIdentity | null | undefined, onSnapshot: (previous: Snapshot | undefined) => void): void {
    if (this.watch) return;
    this.node = node ?? undefined;
    const key = this.cache.nodeKey(this.node);
    this.callbacks.onNode(this.id, this.node, key);
    this.log.info({ stream: this.id, node: this.node?.id, agent: this.node?.user_agent_name, profile: key }, 'xDS stream started');
    this.watch = this.cache.watch(this.node, (snapshot) => {
      const previous = this.snapshot;
      this.snapshot = snapshot;
      onSnapshot(previous);
    });
    this.snapshot = this.watch.current;
  }

  /** Types Loom does not serve are ignored, with a log line. */
  serves(typeUrl: string): typeUrl is ResourceTypeUrl {
    if (isResourceTypeUrl(typeUrl)) return true;
    this.log.warn({ stream: this.id, typeUrl }, 'request for a resource type Loom does not serve; ignored');
    return false;
  }

  /**
   * Classifies a request against the last response of its type. Only a request carrying
   * that response's nonce is an ACK or (with error_detail) a NACK; one carrying an older
   * nonce answers a response the client has since replaced, and is neither.
   */
  recordAnswer(
    typeUrl: ResourceTypeUrl,
    request: { response_nonce: string; error_detail?: { message: string } | null },
    last: { nonce?: string; version?: string },
  ): void {
    const version = last.version ?? '';
    if (request.response_nonce === '' || request.response_nonce !== last.nonce) {
      if (request.error_detail) {
        this.log.debug({ stream: this.id, type: SHORT_NAME[typeUrl], nonce: request.response_nonce, current: last.nonce, error: request.error_detail.message }, 'NACK of a response already replaced; ignored');
      }
    } else if (request.error_detail) {
      this.callbacks.onNack(this.id, typeUrl, version, request.response_nonce, request.error_detail.message);
      this.log.warn({ stream: this.id, node: this.node?.id, type: SHORT_NAME[typeUrl], version, error: request.error_detail.message }, 'client rejected config (NACK); it keeps its last accepted version');
    } else {
      this.callbacks.onAck(this.id, typeUrl, version, request.response_nonce);
    }
  }

  nextNonce(): string {
    return String(++this.nonceCounter);
  }

  close(): void {
    this.watch?.cancel();
    this.callbacks.onStreamClosed(this.id);
  }
}
