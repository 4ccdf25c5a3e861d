import net from 'node:net';
import type { Logger } from '../../src/log';
import { JsonStreamParser } from './json-stream-parser';
import { DisconnectedError, RequestCanceledError, RpcError } from './jsonrpc-errors';
import { OvsdbProtocolError } from './ovsdb-error';
import { connectOptions, type Remote } from './remote';

export interface ConnectionHandlers {
  notification(method: string, params: unknown): void;
  /** Called once, with why the connection ended. */
  closed(error: Error): void;
}

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

interface Message {
  id?: unknown;
  method?: unknown;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

/**
 * One JSON-RPC 1.0 connection (RFC 7047 §4): requests matched to replies by id,
 * notifications passed on, and the server's `echo` answered so it keeps the connection.
 * It does not reconnect; `JsonRpcSession` does.
 */
export class JsonRpcConnection {
  private readonly parser = new JsonStreamParser();
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private ended: Error | undefined;
  /** When the last message arrived, for the session's liveness probe. */
  lastReceived = Date.now();

  private constructor(
    private readonly socket: net.Socket,
    readonly remote: string,
    private readonly handlers: ConnectionHandlers,
    private readonly log: Logger,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => (this.ended ??= err));
    socket.on('close', () => this.finish(this.ended ?? new Error('connection closed by the server')));
  }

  static open(remote: Remote, remoteText: string, handlers: ConnectionHandlers, log: Logger, timeoutMs: number): Promise<JsonRpcConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(connectOptions(remote));
      const fail = (err: Error) => {
        socket.destroy();
        reject(err);
      };
      socket.setTimeout(timeoutMs, () => fail(new Error(`connect timed out after ${timeoutMs} ms`)));
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.setTimeout(0);
        socket.off('error', fail);
        resolve(new JsonRpcConnection(socket, remoteText, handlers, log));
      });
    });
  }

  get isOpen(): boolean {
    return !this.ended && !this.socket.destroyed;
  }

  request(method: string, params: unknown, signal?: AbortSignal): Promise<unknown> {
    if (!this.isOpen) return Promise.reject(new DisconnectedError(this.remote, method, false));
    if (signal?.aborted) return Promise.reject(new RequestCanceledError(this.remote, method, { cause: signal.reason }));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        // RFC 7047 §4.1.4: the server drops the request and sends no reply to it.
        this.notify('cancel', [id]);
        reject(new RequestCanceledError(this.remote, method, { cause: signal!.reason }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = <T>(fn: (value: T) => void) => (value: T) => {
        signal?.removeEventListener('abort', onAbort);
        fn(value);
      };
      this.pending.set(id, { method, resolve: settle(resolve), reject: settle(reject) });
      this.send({ method, params, id });
    });
  }

  notify(method: string, params: unknown): void {
    if (this.isOpen) this.send({ method, params, id: null });
  }

  /** Ends the connection; pending requests fail with `DisconnectedError` carrying `reason`. */
  close(reason: Error): void {
    this.ended ??= reason;
    this.socket.destroy();
  }

  private send(message: object): void {
    this.socket.write(JSON.stringify(message));
  }

  private receive(chunk: Buffer): void {
    this.lastReceived = Date.now();
    let messages: unknown[];
    try {
      messages = this.parser.push(chunk);
    } catch (err) {
      this.close(err as Error);
      return;
    }
    for (const message of messages) {
      if (!this.isOpen) return;
      try {
        this.dispatch(message as Message);
      } catch (err) {
        this.close(err as Error);
      }
    }
  }

  private dispatch(message: Message): void {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      throw new OvsdbProtocolError(`${this.remote} sent ${JSON.stringify(message)}, not a JSON-RPC message`);
    }
    if (typeof message.method === 'string') {
      if (message.id === null || message.id === undefined) {
        this.handlers.notification(message.method, message.params);
      } else if (message.method === 'echo') {
        this.send({ id: message.id, result: message.params, error: null });
      } else {
        this.log.debug({ remote: this.remote, method: message.method }, 'OVSDB server request not understood');
        this.send({ id: message.id, result: null, error: 'unknown method' });
      }
      return;
    }
    if (!('result' in message) && !('error' in message)) throw new OvsdbProtocolError(`${this.remote} sent ${JSON.stringify(message)}, neither request nor reply`);
    const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!pending) {
      // A reply to a request the caller canceled.
      this.log.debug({ remote: this.remote, id: message.id }, 'OVSDB reply to no pending request; ignored');
      return;
    }
    this.pending.delete(message.id as number);
    if (message.error === null || message.error === undefined) pending.resolve(message.result);
    else pending.reject(rpcError(this.remote, pending.method, message.error));
  }

  private finish(reason: Error): void {
    this.ended ??= reason;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new DisconnectedError(this.remote, p.method, true, { cause: reason }));
    this.handlers.closed(reason);
  }
}

function rpcError(remote: string, method: string, error: unknown): RpcError {
  if (typeof error === 'string') return new RpcError(remote, method, error);
  const e = error as { error?: unknown; details?: unknown };
  return new RpcError(remote, method, typeof e?.error === 'string' ? e.error : JSON.stringify(error), typeof e?.details === 'string' ? e.details : undefined);
}
