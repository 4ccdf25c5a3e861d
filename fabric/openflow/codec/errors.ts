import { LoomError } from '../../../src/errors';

/**
 * Bytes that are not a well-formed OpenFlow 1.3 message. `offset` counts from the start of
 * the buffer given to `decode` (or of the stream, for the framer); `expected` says what the
 * decoder needed there, `found` what it saw instead.
 */
export class OpenFlowDecodeError extends LoomError {
  constructor(
    readonly offset: number,
    readonly expected: string,
    readonly found?: string,
  ) {
    super(`OpenFlow decode: byte ${offset}: expected ${expected}${found === undefined ? '' : `, found ${found}`}`);
  }
}

/** A message value that cannot be put on the wire; `field` names it, `reason` says what would be accepted. */
export class OpenFlowEncodeError extends LoomError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`OpenFlow encode: ${field}: ${reason}`);
  }
}
