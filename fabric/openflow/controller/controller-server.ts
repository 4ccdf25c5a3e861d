import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { LoomError, describeCause } from '../../../src/errors';
import { rootLogger, type Logger } from '../../../src/log';
import { ConnectionClosedError } from './errors';
import { formatListenAddress, parseListenAddress, type ListenAddress } from './listen-address';
import { SwitchConnection, type SwitchConnectionOptions } from './switch-connection';

export interface ControllerServerOptions extends SwitchConnectionOptions {
  /**
   * Runs after a switch's handshake, before it is announced; a rejection closes the
   * connection. `RoleManager.attach` goes here, so nothing writes before our role is known.
   */
  prepare?: (conn: SwitchConnection) => Promise<void>;
}

export interface ControllerServerEvents {
  /** A switch finished its handshake (and `prepare`). */
  switch: [SwitchConnection];
}

/** Another process already accepts connections on that unix socket. */
export class AddressInUseError extends LoomError {
  constructor(readonly address: string) {
    super(`${address}: another controller is listening there`);
  }
}

/**
 * Accepts switch connections on TCP and unix sockets and announces each switch once its
 * handshake is done. One connection per datapath id: when a switch connects again (say a
 * restarted ovs-vswitchd) before its old connection was seen to close, the old one is closed.
 */
export class ControllerServer extends EventEmitter<ControllerServerEvents> {
  /** Bound addresses, with the port chosen for `tcp:HOST:0`. */
  readonly addresses: string[] = [];
  private readonly servers: net.Server[] = [];
  private readonly byDpid = new Map<bigint, SwitchConnection>();
  /** Sockets whose handshake is not finished: not switches yet, but close() must end them. */
  private readonly handshaking = new Set<net.Socket>();
  private readonly unixPaths: string[] = [];
  private closing: Promise<void> | undefined;
  private readonly log: Logger;

  static async listen(addresses: readonly string[], options: ControllerServerOptions = {}): Promise<ControllerServer> {
    const server = new ControllerServer(options);
    try {
      for (const address of addresses) await server.bind(parseListenAddress(address));
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  private constructor(private readonly options: ControllerServerOptions) {
    super();
    this.log = (options.log ?? rootLogger).child({ component: 'openflow-controller' });
  }

  /** Connected switches by datapath id. */
  get switches(): ReadonlyMap<bigint, SwitchConnection> {
    return this.byDpid;
  }

  /** Resolves with the switch `dpid` (any switch, if omitted) once it is connected. */
  waitForSwitch(dpid?: bigint, timeoutMs = 10_000): Promise<SwitchConnection> {
    const current = dpid === undefined ? this.byDpid.values().next().value : this.byDpid.get(dpid);
    if (current) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const onSwitch = (conn: SwitchConnection) => {
        if (dpid !== undefined && conn.datapathId !== dpid) return;
        clearTimeout(timer);
        this.off('switch', onSwitch);
        resolve(conn);
      };
      const timer = setTimeout(() => {
        this.off('switch', onSwitch);
        reject(new LoomError(`no switch${dpid === undefined ? '' : ` with datapath id 0x${dpid.toString(16)}`} connected within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('switch', onSwitch);
    });
  }

  /** Stops listening and closes every connection (flows stay on switches in fail_mode=secure). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // A listener's close completes only once its connections are gone, so end those too.
      const listening = Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      const connections = Promise.all([...this.byDpid.values()].map((conn) => conn.close()));
      for (const socket of this.handshaking) socket.destroy();
      await Promise.all([listening, connections]);
      for (const p of this.unixPaths) fs.rmSync(p, { force: true });
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async bind(address: ListenAddress): Promise<void> {
    if (address.kind === 'unix') await removeStaleSocket(address.path);
    const server = net.createServer((socket) => this.accept(socket, address));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (address.kind === 'unix') server.listen(address.path, resolve);
      else server.listen(address.port, address.host, resolve);
    });
    server.on('error', (err) => this.log.error({ err: describeCause(err) }, 'OpenFlow listener failed'));
    this.servers.push(server);
    if (address.kind === 'unix') {
      this.unixPaths.push(address.path);
      this.addresses.push(formatListenAddress(address));
    } else {
      this.addresses.push(formatListenAddress({ ...address, port: (server.address() as net.AddressInfo).port }));
    }
  }

  private accept(socket: net.Socket, on: ListenAddress): void {
    const peer = on.kind === 'unix' ? `unix:${on.path}` : `tcp:${socket.remoteAddress}:${socket.remotePort}`;
    this.handshaking.add(socket);
    void this.handshake(socket, peer).finally(() => this.handshaking.delete(socket));
  }

  private async handshake(socket: net.Socket, peer: string): Promise<void> {
    let conn: SwitchConnection | undefined;
    try {
      conn = await SwitchConnection.open(socket, peer, this.options);
      await this.options.prepare?.(conn);
    } catch (err) {
      this.log.warn({ peer, err: describeCause(err) }, 'switch connection refused');
      await conn?.close(err instanceof Error ? err : undefined);
      socket.destroy();
      return;
    }
    if (this.closing || conn.isClosed) {
      await conn.close();
      return;
    }
    const old = this.byDpid.get(conn.datapathId);
    if (old) void old.close(new ConnectionClosedError(old.id, `replaced by a new connection from ${peer}`));
    this.byDpid.set(conn.datapathId, conn);
    conn.once('close', () => {
      if (this.byDpid.get(conn.datapathId) === conn) this.byDpid.delete(conn.datapathId);
    });
    this.log.info({ switch: conn.id, peer }, 'switch connected');
    this.emit('switch', conn);
  }
}

/** A socket file nobody accepts on is left over from a dead process; a live one is someone else's. */
async function removeStaleSocket(path: string): Promise<void> {
  if (!fs.existsSync(path)) return;
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new AddressInUseError(`unix:${path}`);
  fs.rmSync(path, { force: true });
}
