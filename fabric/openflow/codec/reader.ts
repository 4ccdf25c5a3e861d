import { OpenFlowDecodeError } from './errors';

/**
 * A bounds-checked cursor over one message. Every read names what it reads, so a short or
 * malformed input fails with an OpenFlowDecodeError at the right offset instead of a
 * RangeError. Nested structures narrow the readable window with `enter`/`leave` rather
 * than allocating sub-readers, which keeps decoding allocation-free apart from the values.
 */
export class Reader {
  pos: number;
  end: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (this.end - this.pos < n) this.fail(`${what} (${n} bytes)`, `${this.end - this.pos} bytes left`);
  }

  u8(what: string): number {
    if (this.pos >= this.end) this.need(1, what);
    return this.buf[this.pos++];
  }

  u16(what: string): number {
    if (this.end - this.pos < 2) this.need(2, what);
    const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1];
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    if (this.end - this.pos < 4) this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(what: string): bigint {
    if (this.end - this.pos < 8) this.need(8, what);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A view of the next `n` bytes (not a copy). */
  bytes(n: number, what: string): Buffer {
    if (this.end - this.pos < n) this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A copy of the rest of the window: payloads outlive the buffer they arrived in. */
  rest(): Buffer {
    const v = Buffer.from(this.buf.subarray(this.pos, this.end));
    this.pos = this.end;
    return v;
  }

  skip(n: number, what: string): void {
    if (this.end - this.pos < n) this.need(n, what);
    this.pos += n;
  }

  /** NUL-terminated text in a fixed-size field. */
  text(n: number, what: string): string {
    const b = this.bytes(n, what);
    const nul = b.indexOf(0);
    return b.toString('latin1', 0, nul < 0 ? n : nul);
  }

  /** Narrows the window to the next `len` bytes; pass the result to `leave`. */
  enter(len: number, what: string): number {
    if (this.end - this.pos < len) this.fail(`${what} of ${len} bytes`, `${this.end - this.pos} bytes left`);
    const outer = this.end;
    this.end = this.pos + len;
    return outer;
  }

  /** Restores the outer window; the inner one must have been read to its end. */
  leave(outer: number, what: string): void {
    if (this.pos !== this.end) this.fail(`end of ${what}`, `${this.end - this.pos} unread bytes`);
    this.end = outer;
  }

  fail(expected: string, found?: string): never {
    throw new OpenFlowDecodeError(this.pos, expected, found);
  }

  failAt(offset: number, expected: string, found?: string): never {
    throw new OpenFlowDecodeError(offset, expected, found);
  }
}
