import { OvsdbError } from './ovsdb-error';

/** The byte stream is not a sequence of JSON objects or arrays; the connection must be dropped. */
export class JsonFramingError extends OvsdbError {
  constructor(
    message: string,
    readonly offset: number,
    options?: { cause?: unknown },
  ) {
    super(`JSON stream, byte ${offset}: ${message}`, options);
  }
}

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Splits a byte stream into JSON values. JSON-RPC over a socket (RFC 7047) has no framing:
 * messages are JSON texts written one after another, and reads split and join them
 * anywhere. Only objects and arrays can follow each other without a delimiter, so only
 * they are accepted at the top level.
 *
 * The scanner only tracks nesting, strings and escapes; the value itself is checked by
 * `JSON.parse` once its closing bracket arrives. Bytes are scanned rather than characters:
 * brackets, quotes and backslashes never occur inside a multi-byte UTF-8 sequence, so a
 * character split across reads is decoded whole with the rest of its value.
 */
export class JsonStreamParser {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private consumed = 0;
  /** Stream offset where the unfinished value began. */
  private valueStart = 0;

  /** `maxValueBytes` bounds the memory one unfinished value may hold. */
  constructor(private readonly maxValueBytes = 64 * 1024 * 1024) {}

  /** Feeds one chunk; returns the values it completed, in order. */
  push(chunk: Buffer | string): unknown[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const values: unknown[] = [];
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (this.depth === 0) {
        if (isWhitespace(byte)) continue;
        if (byte !== OPEN_OBJECT && byte !== OPEN_ARRAY) {
          throw new JsonFramingError(`expected "{" or "[" to start a message, got ${JSON.stringify(String.fromCharCode(byte))}`, this.consumed + i);
        }
        start = i;
        this.valueStart = this.consumed + i;
        this.depth = 1;
      } else if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
      } else if (byte === QUOTE) {
        this.inString = true;
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        this.depth++;
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        this.depth--;
        if (this.depth === 0) {
          values.push(this.finish(bytes.subarray(start, i + 1), this.consumed + i));
          start = i + 1;
        }
      }
    }
    if (this.depth > 0) this.hold(bytes.subarray(start));
    this.consumed += bytes.length;
    return values;
  }

  /** Bytes of an unfinished value held back, waiting for the rest. */
  get pendingBytes(): number {
    return this.heldBytes;
  }

  private hold(part: Buffer): void {
    if (part.length === 0) return;
    this.heldBytes += part.length;
    if (this.heldBytes > this.maxValueBytes) {
      throw new JsonFramingError(`the message starting here exceeds ${this.maxValueBytes} bytes`, this.valueStart);
    }
    // A copy: the caller may reuse its buffer.
    this.held.push(Buffer.from(part));
  }

  private finish(last: Buffer, offset: number): unknown {
    const text = (this.held.length ? Buffer.concat([...this.held, last]) : last).toString('utf8');
    this.held = [];
    this.heldBytes = 0;
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new JsonFramingError(`invalid JSON ending here: ${(err as Error).message}`, offset, { cause: err });
    }
  }
}
