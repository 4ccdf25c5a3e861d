import { ErrorType, errorName } from '../error-codes';
import type { Reader } from '../reader';
import type { Writer } from '../writer';

/**
 * OFPT_ERROR. `data` is what the switch sent back: usually the start of the failed
 * request (at least its header, so `xid` and type can be matched), text for HELLO_FAILED.
 * For experimenter errors `code` is the experimenter's code (`exp_code`).
 */
export interface ErrorMessage {
  type: 'error';
  xid: number;
  errorType: number;
  code: number;
  experimenter?: number;
  /** Decoded only: `OFPBMC_BAD_PREREQ`, `NXBRC_NXM_INVALID`, `OFPBFC_BAD_ID`, … */
  name: string;
  data: Buffer;
}
export type ErrorMessageInput = Omit<ErrorMessage, 'name' | 'data'> & { data?: Buffer };

export function writeError(w: Writer, m: ErrorMessageInput): void {
  w.u16(m.errorType, 'error.errorType');
  w.u16(m.code, 'error.code');
  if (m.errorType === ErrorType.EXPERIMENTER) w.u32(m.experimenter ?? 0, 'error.experimenter');
  if (m.data !== undefined) w.bytes(m.data, 'error.data');
}

export function readError(r: Reader, xid: number): ErrorMessage {
  const errorType = r.u16('error type');
  const code = r.u16('error code');
  if (errorType === ErrorType.EXPERIMENTER) {
    const experimenter = r.u32('error experimenter');
    return { type: 'error', xid, errorType, code, experimenter, name: errorName(errorType, code, experimenter), data: r.rest() };
  }
  return { type: 'error', xid, errorType, code, name: errorName(errorType, code), data: r.rest() };
}
