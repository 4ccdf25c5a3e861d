import { EventEmitter } from 'node:events';
import { rootLogger, type Logger } from '../../src/log';
import { Backoff } from './backoff';
import { JsonRpcConnection } from './jsonrpc-connection';
import { ConnectError, DisconnectedError, ProbeTimeoutError } from './jsonrpc-errors';
import { parseRemote, type Remote } from './remote';

export interface SessionOptions {
  /** First reconnect delay; it doubles per failed attempt up to `maxBackoffMs`. Default 100. */
  minBackoffMs?: number;
  /** Default 8000. */
  maxBackoffMs?: number;
  /** After this long without a message an `echo` is sent; after twice as long the connection is dropped. 0 disables. Default 5000. */
  probeIntervalMs?: number;
  /** Limit for one connection attempt. Default 5000. */
  attemptTimeoutMs?: number;
  log?: Logger;
}

export interface SessionEvents {
  /** A connection is up; `epoch` counts them (1 for the first, more after reconnects). */
  connect: [epoch: number];
  /** The connection ended; the session is already trying again unless it was closed. */
  disconnect: [error: Error];
  notification: [method: string, params: unknown];
}

/**
 * A JSON-RPC session that stays connected: it reconnects with backoff whenever the
 * connection drops, and probes an idle connection so a dead peer is noticed. What was
 * bound to the old connection (monitors, locks) is the listeners' to restore on `connect`.
 */
export class JsonRpcSession extends EventEmitter<SessionEvents> {
  private readonly remote: Remote;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private readonly probeIntervalMs: number;
  private readonly attemptTimeoutMs: number;
  private connection: JsonRpcConnection | undefined;
  private epoch = 0;
  private closing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private lastError: Error | undefined;

  constructor(
    readonly remoteText: string,
    options: SessionOptions = {},
  ) {
    super();
    this.remote = parseRemote(remoteText);
    this.backoff = new Backoff(options.minBackoffMs ?? 100, options.maxBackoffMs ?? 8000);
    this.probeIntervalMs = options.probeIntervalMs ?? 5000;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 5000;
    this.log = options.log ?? rootLogger.child({ component: 'ovsdb' });
  }

  /** Starts connecting; resolves on the first connection, or fails after `timeoutMs` of trying (and stops). */
  start(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connect', onConnect);
        void this.close();
        reject(new ConnectError(this.remoteText, timeoutMs, { cause: this.lastError }));
      }, timeoutMs);
      const onConnect = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('connect', onConnect);
      void this.attempt();
    });
  }

  get connected(): boolean {
    return !!this.connection?.isOpen;
  }

  request(method: string, params: unknown, signal?: AbortSignal): Promise<unknown> {
    if (!this.connection) return Promise.reject(new DisconnectedError(this.remoteText, method, false));
    return this.connection.request(method, params, signal);
  }

  notify(method: string, params: unknown): void {
    this.connection?.notify(method, params);
  }

  /** Drops the current connection (because the peer cannot be trusted any more); the session reconnects. */
  reconnect(reason: Error): void {
    this.connection?.close(reason);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    const connection = this.connection;
    if (!connection) return;
    await new Promise<void>((resolve) => {
      this.once('disconnect', () => resolve());
      connection.close(new Error('closed by the client'));
    });
  }

  private async attempt(): Promise<void> {
    if (this.closing) return;
    try {
      const connection = await JsonRpcConnection.open(
        this.remote,
        this.remoteText,
        {
          notification: (method, params) => this.emit('notification', method, params),
          closed: (error) => this.onClosed(connection, error),
        },
        this.log,
        this.attemptTimeoutMs,
      );
      if (this.closing) {
        connection.close(new Error('closed by the client'));
        return;
      }
      this.connection = connection;
      this.backoff.reset();
      this.startProbe(connection);
      this.epoch++;
      this.log.debug({ remote: this.remoteText, epoch: this.epoch }, 'OVSDB connected');
      this.emit('connect', this.epoch);
    } catch (err) {
      this.lastError = err as Error;
      this.scheduleRetry();
    }
  }

  private onClosed(connection: JsonRpcConnection, error: Error): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    clearInterval(this.probeTimer);
    this.lastError = error;
    if (!this.closing) this.log.warn({ remote: this.remoteText, err: error.message }, 'OVSDB connection lost; reconnecting');
    this.emit('disconnect', error);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closing) return;
    this.retryTimer = setTimeout(() => void this.attempt(), this.backoff.next());
  }

  private startProbe(connection: JsonRpcConnection): void {
    if (this.probeIntervalMs <= 0) return;
    let probing = false;
    this.probeTimer = setInterval(() => {
      const idle = Date.now() - connection.lastReceived;
      if (idle >= 2 * this.probeIntervalMs) connection.close(new ProbeTimeoutError(this.remoteText, idle));
      else if (idle >= this.probeIntervalMs && !probing) {
        probing = true;
        connection.request('echo', []).then(
          () => (probing = false),
          () => (probing = false),
        );
      }
    }, Math.max(10, this.probeIntervalMs / 2));
    this.probeTimer.unref();
  }
}
