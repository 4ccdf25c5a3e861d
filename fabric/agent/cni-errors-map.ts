import { describeCause } from '../../src/errors';
import { CNI_ERRORS, CniError, type CniErrorCode } from '../cni/cni-errors';
import { DatabaseClosedError, InterfaceError, TransactionConflictError, WaitTimeoutError } from '../ovsdb';
import { CommandError } from './commands';
import { ControlPlaneError, ControlPlaneUnreachableError } from './control-plane';
import { PodInterfaceError } from './pod-interface';

/** The control plane's address error codes (src/api/rest-api.ts) as CNI codes. */
const ADDRESS_CODES: Record<string, CniErrorCode> = {
  'pool-exhausted': CNI_ERRORS.POOL_EXHAUSTED,
  'address-in-use': CNI_ERRORS.ADDRESS_IN_USE,
  'address-mismatch': CNI_ERRORS.ADDRESS_MISMATCH,
  // Static addresses come from CNI_ARGS (IP=, MAC=), an environment variable.
  'invalid-address': CNI_ERRORS.INVALID_ENVIRONMENT,
  'invalid-request': CNI_ERRORS.INVALID_ENVIRONMENT,
  // The network config names a network the control plane does not have.
  'unknown-network': CNI_ERRORS.INVALID_NETWORK_CONFIG,
  'pool-in-use': CNI_ERRORS.INVALID_NETWORK_CONFIG,
};

/**
 * Any failure of a CNI command as a CniError whose code tells the runtime what to do:
 * unreachable or overloaded peers (control plane, OVSDB) are 11, so it tries again.
 */
export function toCniError(err: unknown, context: string): CniError {
  if (err instanceof CniError) return err;
  const msg = `${context}: ${describeCause(err)}`;
  if (err instanceof ControlPlaneUnreachableError) return new CniError(CNI_ERRORS.TRY_AGAIN_LATER, msg, undefined, { cause: err });
  if (err instanceof ControlPlaneError) {
    const code = err.code ? ADDRESS_CODES[err.code] : undefined;
    if (code !== undefined) return new CniError(code, msg, undefined, { cause: err });
    if (err.status >= 500) return new CniError(CNI_ERRORS.TRY_AGAIN_LATER, msg, undefined, { cause: err });
    return new CniError(CNI_ERRORS.ENDPOINT_REFUSED, msg, undefined, { cause: err });
  }
  if (err instanceof DatabaseClosedError || err instanceof WaitTimeoutError || err instanceof TransactionConflictError) {
    return new CniError(CNI_ERRORS.TRY_AGAIN_LATER, msg, undefined, { cause: err });
  }
  if (err instanceof InterfaceError || err instanceof PodInterfaceError || err instanceof CommandError) return new CniError(CNI_ERRORS.ATTACH_FAILED, msg, undefined, { cause: err });
  return new CniError(CNI_ERRORS.ATTACH_FAILED, msg, err instanceof Error ? err.stack : undefined, { cause: err });
}
