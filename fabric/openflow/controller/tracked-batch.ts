import type { OpenFlowError } from './errors';
import type { Outgoing } from './outgoing';

/**
 * Messages sent with consecutive xids, and the switch's errors for them. Messages that
 * succeed get no answer, so a batch learns it is done from something sent after it (a
 * barrier, a bundle commit); until its owner calls `release()` every error whose xid falls
 * in the range is kept here, with the message it refers to.
 */
export class TrackedBatch {
  readonly errors: OpenFlowError[] = [];

  constructor(
    readonly firstXid: number,
    readonly messages: readonly Outgoing[],
    /** Resolves once every message has been handed to the socket. */
    readonly written: Promise<void>,
    private readonly onRelease: (batch: TrackedBatch) => void,
  ) {}

  /** The position of `xid` in the batch, or -1. xid ranges never wrap (see SwitchConnection.reserveXids). */
  indexOf(xid: number): number {
    const i = xid - this.firstXid;
    return i >= 0 && i < this.messages.length ? i : -1;
  }

  /** Stops collecting; later errors for these xids are reported as `switchError`. */
  release(): void {
    this.onRelease(this);
  }
}
