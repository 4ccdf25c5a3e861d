import { OpenFlowEncodeError } from './errors';

const U64_MAX = (1n << 64n) - 1n;

/**
 * An append-only byte buffer that grows by doubling. Length fields are written as
 * placeholders and patched once the structure is complete, so encoding never concatenates
 * buffers. Every write checks its value's range and names the field when it does not fit.
 */
export class Writer {
  buf: Buffer;
  pos = 0;

  constructor(size = 4096) {
    this.buf = Buffer.alloc(size);
  }

  reset(): void {
    this.pos = 0;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number, what: string): void {
    if ((v & 0xff) !== v) throw new OpenFlowEncodeError(what, `${String(v)} is not an unsigned 8-bit integer`);
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number, what: string): void {
    if ((v & 0xffff) !== v) throw new OpenFlowEncodeError(what, `${String(v)} is not an unsigned 16-bit integer`);
    this.ensure(2);
    this.buf[this.pos] = v >>> 8;
    this.buf[this.pos + 1] = v & 0xff;
    this.pos += 2;
  }

  u32(v: number, what: string): void {
    if (v >>> 0 !== v) throw new OpenFlowEncodeError(what, `${String(v)} is not an unsigned 32-bit integer`);
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  u64(v: bigint, what: string): void {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) {
      throw new OpenFlowEncodeError(what, `${String(v)} is not an unsigned 64-bit bigint`);
    }
    this.ensure(8);
    this.buf.writeBigUInt64BE(v, this.pos);
    this.pos += 8;
  }

  bytes(b: Uint8Array, what: string): void {
    if (!(b instanceof Uint8Array)) throw new OpenFlowEncodeError(what, 'expected a Buffer');
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  zeros(n: number): void {
    this.ensure(n);
    // Padding is a few bytes at a time, where a loop beats Buffer#fill's call overhead.
    for (let i = 0; i < n; i++) this.buf[this.pos + i] = 0;
    this.pos += n;
  }

  /** NUL-padded text in a fixed-size field that keeps room for the terminating NUL. */
  text(s: string, size: number, what: string): void {
    if (typeof s !== 'string' || Buffer.byteLength(s, 'latin1') >= size) {
      throw new OpenFlowEncodeError(what, `expected a string of at most ${size - 1} characters`);
    }
    this.ensure(size);
    this.buf.fill(0, this.pos, this.pos + size);
    this.buf.write(s, this.pos, 'latin1');
    this.pos += size;
  }

  /** Overwrites a 16-bit placeholder at `at` (a length known only after its structure). */
  patch16(at: number, v: number, what: string): void {
    if ((v & 0xffff) !== v) throw new OpenFlowEncodeError(what, `length ${v} exceeds 65535 bytes`);
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v & 0xff;
  }

  /** Zero-fills so that the bytes written since `start` are a multiple of 8. */
  pad8(start: number): void {
    const extra = (this.pos - start) & 7;
    if (extra) this.zeros(8 - extra);
  }

  /** A copy of everything written since `start`. */
  copy(start = 0): Buffer {
    const out = Buffer.allocUnsafe(this.pos - start);
    this.buf.copy(out, 0, start, this.pos);
    return out;
  }
}

/** The wire number of an enumerated name, or an error listing the names accepted. */
export function wireValue<K extends string>(table: Readonly<Record<K, number>>, name: K, what: string): number {
  const v = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
  if (v === undefined) throw new OpenFlowEncodeError(what, `${JSON.stringify(name)} is not one of ${Object.keys(table).join(', ')}`);
  return v;
}
