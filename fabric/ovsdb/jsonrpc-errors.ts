import { OvsdbError } from './ovsdb-error';

/**
 * How a JSON-RPC request can fail without the server having judged it: the connection was
 * not there, or went away. `sent` says whether the request may have reached the server —
 * if it did, its effect (a committed transaction, say) is unknown.
 */
export class DisconnectedError extends OvsdbError {
  constructor(
    readonly remote: string,
    readonly method: string,
    readonly sent: boolean,
    options?: { cause?: unknown },
  ) {
    super(`${method} to ${remote}: ${sent ? 'connection lost before the reply' : 'not connected (reconnecting)'}`, options);
  }
}

/** The server answered a request with a JSON-RPC error (not a per-operation transaction error). */
export class RpcError extends OvsdbError {
  constructor(
    readonly remote: string,
    readonly method: string,
    /** The server's short error, e.g. `unknown database`, `unknown method`, `syntax error`. */
    readonly error: string,
    readonly details?: string,
  ) {
    super(`${method} to ${remote} failed: ${error}${details ? `: ${details}` : ''}`);
  }
}

/** The caller aborted a request; `cancel` was sent so the server drops it too. */
export class RequestCanceledError extends OvsdbError {
  constructor(
    readonly remote: string,
    readonly method: string,
    options?: { cause?: unknown },
  ) {
    super(`${method} to ${remote}: canceled by the caller`, options);
  }
}

/** No connection could be made within the time allowed. */
export class ConnectError extends OvsdbError {
  constructor(
    readonly remote: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    const message = (options?.cause as { message?: unknown } | undefined)?.message;
    const cause = typeof message === 'string' ? `: ${message}` : '';
    super(`cannot connect to OVSDB at ${remote} within ${timeoutMs} ms${cause}`, options);
  }
}

/** The peer went quiet: no message within two probe intervals, even after an echo. */
export class ProbeTimeoutError extends OvsdbError {
  constructor(
    readonly remote: string,
    readonly idleMs: number,
  ) {
    super(`no message from ${remote} for ${idleMs} ms (echo unanswered); reconnecting`);
  }
}
