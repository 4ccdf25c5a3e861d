/**
 * CNI errors as the spec (1.0.0, "Error") defines them: the runtime reads `code` to decide
 * what to do (11: retry later) and shows `msg`/`details` to the user. Codes below 100 are
 * the spec's; 100 and up are Loom's own.
 */
export const CNI_ERRORS = {
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENVIRONMENT: 4,
  IO_FAILURE: 5,
  DECODE_FAILED: 6,
  INVALID_NETWORK_CONFIG: 7,
  TRY_AGAIN_LATER: 11,
  /** The network's address pool has no free address. */
  POOL_EXHAUSTED: 100,
  /** The static IP or MAC asked for (CNI_ARGS IP=/MAC=) belongs to another pod. */
  ADDRESS_IN_USE: 101,
  /** The pod already holds another address than the static one it now asks for. */
  ADDRESS_MISMATCH: 102,
  /** The veth, the pod's interface settings or the OVS port could not be set up. */
  ATTACH_FAILED: 103,
  /** The control plane refused the pod's Endpoint. */
  ENDPOINT_REFUSED: 104,
  /** CHECK: the pod's network is not as ADD left it. */
  CHECK_FAILED: 105,
} as const;

export type CniErrorCode = (typeof CNI_ERRORS)[keyof typeof CNI_ERRORS];

/** What the plugin prints on stdout (and exits 1) when a command fails. */
export interface CniErrorOutput {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

export class CniError extends Error {
  constructor(
    readonly code: CniErrorCode,
    message: string,
    readonly details?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CniError';
  }

  toOutput(cniVersion: string): CniErrorOutput {
    return { cniVersion, code: this.code, msg: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}
