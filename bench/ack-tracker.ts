import { StreamRegistry, type XdsCallbacks } from '../xds/server/stream-registry';
import type { NodeIdentity } from '../xds/resources/client-profile';
import { ENDPOINT_TYPE_URL } from '../xds/resources/type-urls';

/**
 * The server's XdsCallbacks for the benchmark: the real StreamRegistry (so its cost is
 * part of what is measured) plus, during a round, which EDS response each stream was
 * sent by the publish and when that stream ACKed it.
 */
export interface RoundResult {
  /** ms from the round's start to each stream's ACK of the round's EDS response. */
  ackLatencies: number[];
  /** ms from the round's start until the last stream ACKed. */
  allAcked: number;
  /** Streams the publish sent an EDS response to. */
  pushed: number;
}

interface Round {
  start: number;
  capturing: boolean;
  expected: Map<number, { version: string; nonce: string }>;
  latencies: number[];
  done?: (result: RoundResult) => void;
  pushed: number;
}

export class AckTracker implements XdsCallbacks {
  readonly registry = new StreamRegistry();
  openStreams = 0;
  nacks = 0;
  private round: Round | undefined;

  onStreamOpen(streamId: number, protocol: 'sotw' | 'delta'): void {
    this.openStreams++;
    this.registry.onStreamOpen(streamId, protocol);
  }

  onNode(streamId: number, node: NodeIdentity | undefined, profile: string): void {
    this.registry.onNode(streamId, node, profile);
  }

  onResponse(streamId: number, typeUrl: string, version: string, nonce: string): void {
    this.registry.onResponse(streamId, typeUrl, version, nonce);
    const round = this.round;
    if (round?.capturing && typeUrl === ENDPOINT_TYPE_URL) round.expected.set(streamId, { version, nonce });
  }

  onAck(streamId: number, typeUrl: string, version: string, nonce: string): void {
    this.registry.onAck(streamId, typeUrl, version);
    const round = this.round;
    if (!round || typeUrl !== ENDPOINT_TYPE_URL) return;
    const sent = round.expected.get(streamId);
    if (!sent || sent.nonce !== nonce || sent.version !== version) return;
    round.expected.delete(streamId);
    round.latencies.push(performance.now() - round.start);
    this.finishIfDone();
  }

  onNack(streamId: number, typeUrl: string, version: string, nonce: string, message: string): void {
    this.nacks++;
    this.registry.onNack(streamId, typeUrl, version, nonce, message);
  }

  onSubscription(streamId: number, typeUrl: string, subscribed: number | '*'): void {
    this.registry.onSubscription(streamId, typeUrl, subscribed);
  }

  onStreamClosed(streamId: number): void {
    this.openStreams--;
    this.registry.onStreamClosed(streamId);
    this.round?.expected.delete(streamId);
  }

  /** Starts recording a round: the EDS responses sent until `endCapture` belong to it. */
  beginRound(start: number): void {
    this.round = { start, capturing: true, expected: new Map(), latencies: [], pushed: 0 };
  }

  /** Stops capturing responses and resolves once every stream that was pushed to has ACKed. */
  endCapture(timeoutMs: number): Promise<RoundResult> {
    const round = this.round!;
    round.capturing = false;
    round.pushed = round.expected.size;
    return new Promise<RoundResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.round = undefined;
        reject(new Error(`round not ACKed by ${round.expected.size} of ${round.pushed} streams within ${timeoutMs} ms`));
      }, timeoutMs);
      round.done = (result) => {
        clearTimeout(timer);
        resolve(result);
      };
      this.finishIfDone();
    });
  }

  private finishIfDone(): void {
    const round = this.round;
    if (!round || round.capturing || !round.done || round.expected.size > 0) return;
    this.round = undefined;
    const allAcked = round.latencies.length > 0 ? Math.max(...round.latencies) : 0;
    round.done({ ackLatencies: round.latencies, allAcked, pushed: round.pushed });
  }
}
