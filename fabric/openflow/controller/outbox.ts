import type { Socket } from 'node:net';
import { writeMessage, Writer, type OfpMessageInput } from '../codec';

/** A write is issued at least every this many bytes, so one burst does not sit in one buffer. */
const FLUSH_BYTES = 256 * 1024;

/**
 * The send queue of one connection. Messages are encoded straight into one buffer, which
 * goes to the socket once the current callback and its microtasks are done: answering a
 * chunk full of PACKET_INs costs one write, not one per message. `congested` and
 * `drained()` expose the socket's backpressure to whoever produces in bulk.
 */
export class Outbox {
  private readonly w = new Writer(64 * 1024);
  private scheduled = false;

  constructor(private readonly socket: Socket) {}

  /** Encodes `msg` after everything queued; an encode error leaves the queue as it was. */
  push(msg: OfpMessageInput): void {
    const start = this.w.pos;
    try {
      writeMessage(this.w, msg);
    } catch (err) {
      this.w.pos = start;
      throw err;
    }
    this.queued();
  }

  /**
   * Sends whole encoded messages after everything queued, without copying them: the
   * caller must not change `bytes` afterwards.
   */
  writeNow(bytes: Buffer): void {
    this.flush();
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Hands everything queued to the socket now. */
  flush(): void {
    if (this.w.pos === 0) return;
    if (!this.socket.destroyed) this.socket.write(this.w.copy());
    this.w.reset();
  }

  /** The socket holds more unsent bytes than its high-water mark. */
  get congested(): boolean {
    return this.socket.writableNeedDrain;
  }

  /** Resolves once the socket has room again (or is gone). */
  drained(): Promise<void> {
    this.flush();
    if (!this.socket.writableNeedDrain || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done).off('close', done);
        resolve();
      };
      this.socket.on('drain', done).on('close', done);
    });
  }

  private queued(): void {
    if (this.w.pos >= FLUSH_BYTES) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }
}
