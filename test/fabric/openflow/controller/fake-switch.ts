import net from 'node:net';
import { decode, encode, OpenFlowFramer, type OfpMessage, type OfpMessageInput } from '../../../../fabric/openflow/codec';

/**
 * A switch played by the test: connects to a controller like OVS does and answers the
 * handshake (HELLO, FEATURES) and echo requests by itself; everything else is handed to the
 * test, which answers as the scenario needs (late, out of order, with errors, not at all).
 */
export interface FakeSwitchOptions {
  datapathId?: bigint;
  /** The HELLO version bitmap offered; default [4] (OpenFlow 1.3). */
  versions?: number[];
  /** Stop answering echo requests (a hung switch). */
  ignoreEcho?: boolean;
}

export class FakeSwitch {
  readonly received: OfpMessage[] = [];
  private readonly framer = new OpenFlowFramer();
  private waiters: { match: (m: OfpMessage) => boolean; resolve: (m: OfpMessage) => void }[] = [];
  readonly closed: Promise<void>;

  private constructor(
    private readonly socket: net.Socket,
    private readonly options: FakeSwitchOptions,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk) => {
      for (const frame of this.framer.push(chunk)) this.onMessage(decode(frame));
    });
    socket.on('error', () => undefined);
    this.send({ type: 'hello', xid: 1, version: Math.max(...(options.versions ?? [4])), versions: options.versions ?? [4] });
  }

  /** `address` as the controller reports it: `unix:PATH` or `tcp:HOST:PORT`. */
  static async connect(address: string, options: FakeSwitchOptions = {}): Promise<FakeSwitch> {
    const socket = address.startsWith('unix:') ? net.connect(address.slice(5)) : net.connect(Number(address.split(':').pop()), address.slice(4, address.lastIndexOf(':')));
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new FakeSwitch(socket, options);
  }

  send(...messages: OfpMessageInput[]): void {
    this.socket.write(Buffer.concat(messages.map((m) => encode(m))));
  }

  /** The next message (already received or still to come) that `match` accepts. */
  next<T extends OfpMessage['type']>(type: T, match: (m: Extract<OfpMessage, { type: T }>) => boolean = () => true): Promise<Extract<OfpMessage, { type: T }>> {
    const accept = (m: OfpMessage): m is Extract<OfpMessage, { type: T }> => m.type === type && match(m as Extract<OfpMessage, { type: T }>);
    const seen = this.received.find(accept);
    if (seen) {
      this.received.splice(this.received.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve) => this.waiters.push({ match: accept, resolve: resolve as (m: OfpMessage) => void }));
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }

  private onMessage(m: OfpMessage): void {
    if (m.type === 'features_request') {
      this.send({ type: 'features_reply', xid: m.xid, datapathId: this.options.datapathId ?? 0xabcn, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0 });
      return;
    }
    if (m.type === 'echo_request' && !this.options.ignoreEcho) {
      this.send({ type: 'echo_reply', xid: m.xid, data: m.data });
      return;
    }
    const waiter = this.waiters.find((w) => w.match(m));
    if (waiter) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(m);
    } else {
      this.received.push(m);
    }
  }
}
