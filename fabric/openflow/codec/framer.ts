import { OpenFlowDecodeError } from './errors';
import { OFP_HEADER_LEN } from './header';

/**
 * Splits a byte stream into whole OpenFlow messages. A state machine without I/O: feed
 * it chunks as they arrive, of any size down to one byte, and it returns the messages
 * they complete. It only reads the length field; decoding is the caller's next step.
 *
 * A length below 8 cannot be skipped over (the stream has no other framing), so it
 * poisons the framer: that push and every later one throw the same OpenFlowDecodeError.
 */
export class OpenFlowFramer {
  /** The message being assembled, once its header is complete. */
  private body: Buffer | null = null;
  private readonly header = Buffer.alloc(OFP_HEADER_LEN);
  /** Bytes of the current message received so far. */
  private have = 0;
  /** Stream offset of the current message's first byte, for errors. */
  private messageStart = 0;
  private failure: OpenFlowDecodeError | null = null;

  /** Returns the messages completed by `chunk`. Each is its own Buffer (or a view of `chunk`). */
  push(chunk: Uint8Array): Buffer[] {
    if (this.failure) throw this.failure;
    const out: Buffer[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.body === null) {
        if (this.have === 0 && chunk.length - pos >= OFP_HEADER_LEN) {
          // Fast path: a whole message inside this chunk is returned as a view, no copy.
          const length = (chunk[pos + 2] << 8) | chunk[pos + 3];
          this.check(length);
          if (chunk.length - pos >= length) {
            out.push(viewOf(chunk, pos, length));
            pos += length;
            this.messageStart += length;
            continue;
          }
        }
        const n = Math.min(OFP_HEADER_LEN - this.have, chunk.length - pos);
        this.header.set(chunk.subarray(pos, pos + n), this.have);
        this.have += n;
        pos += n;
        if (this.have < OFP_HEADER_LEN) break;
        const length = (this.header[2] << 8) | this.header[3];
        this.check(length);
        this.body = Buffer.allocUnsafe(length);
        this.header.copy(this.body, 0);
      }
      const n = Math.min(this.body.length - this.have, chunk.length - pos);
      this.body.set(chunk.subarray(pos, pos + n), this.have);
      this.have += n;
      pos += n;
      if (this.have === this.body.length) {
        out.push(this.body);
        this.messageStart += this.body.length;
        this.body = null;
        this.have = 0;
      }
    }
    return out;
  }

  /** Bytes of an incomplete message held back; non-zero at end of stream means it was cut. */
  get pending(): number {
    return this.have;
  }

  private check(length: number): void {
    if (length < OFP_HEADER_LEN) {
      this.failure = new OpenFlowDecodeError(this.messageStart + 2, `message length of at least ${OFP_HEADER_LEN}`, `${length}`);
      throw this.failure;
    }
  }
}

function viewOf(chunk: Uint8Array, pos: number, length: number): Buffer {
  return Buffer.from(chunk.buffer, chunk.byteOffset + pos, length);
}
