import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describeCause } from '../../../src/errors';
import { rootLogger, type Logger } from '../../../src/log';
import {
  ControllerRole,
  decode,
  ErrorType,
  OFP_VERSION,
  ONF_EXPERIMENTER_ID,
  OpenFlowFramer,
  type ErrorMessage,
  type FeaturesReply,
  type FlowRemoved,
  type FlowStats,
  type FlowStatsRequest,
  type GroupDesc,
  type Hello,
  type OfpMessage,
  type PacketIn,
  type PortStatus,
  type RoleReply,
} from '../codec';
import { BatchError, ConnectionClosedError, EchoTimeoutError, HandshakeError, OpenFlowError, RequestTimeoutError } from './errors';
import { streamBatch } from './batch-stream';
import { Keepalive } from './keepalive';
import { Outbox } from './outbox';
import { withXid, type Outgoing, type OutgoingRequest, type ReplyTo } from './outgoing';
import { PendingRequests } from './pending-requests';
import { TrackedBatch } from './tracked-batch';

export interface SwitchConnectionOptions {
  /** HELLO and FEATURES must complete within this. Default 5000 ms. */
  handshakeTimeoutMs?: number;
  /** After this long without receiving anything, send an echo request. Default 5000 ms. */
  echoIntervalMs?: number;
  /** Close the connection when still nothing arrives this long after the echo request. Default 10000 ms. */
  echoTimeoutMs?: number;
  /** Default timeout of `request()`, `barrier()`, `sendAll()`. Default 10000 ms. */
  requestTimeoutMs?: number;
  log?: Logger;
}

export interface SwitchConnectionEvents {
  packetIn: [PacketIn];
  portStatus: [PortStatus];
  flowRemoved: [FlowRemoved];
  /** Our role on this switch changed: a role reply, a demotion notice, or OFPBRC_IS_SLAVE. */
  role: [ControllerRole];
  /** An error for a message nobody waits on (sent with `send()`). */
  switchError: [OpenFlowError];
  /** With the reason; undefined when closed by `close()` without one. */
  close: [Error | undefined];
}

/** ONF extension OVS uses on OpenFlow 1.3 to tell a controller its role changed (OpenFlow 1.4's ROLE_STATUS). */
const ONF_ROLE_STATUS = 1911;
const ROLE_NAMES = Object.keys(ControllerRole) as ControllerRole[];

/**
 * One OpenFlow 1.3 connection to a switch: version negotiation and FEATURES (`open`), echo
 * keepalive, xids, replies and errors matched to what was sent, barrier-awaited batches,
 * and the switch's asynchronous messages as events. Knows nothing of flows' meaning.
 *
 * Every message sent gets its xid here. A request's promise rejects with `OpenFlowError`
 * (the decoded OFPT_ERROR and the request), `RequestTimeoutError` or `ConnectionClosedError`.
 */
export class SwitchConnection extends EventEmitter<SwitchConnectionEvents> {
  private switchFeatures: FeaturesReply | undefined;
  private switchId: string;
  private currentRole: ControllerRole = 'equal';
  private state: 'handshake' | 'ready' | 'closed' = 'handshake';
  private readonly framer = new OpenFlowFramer();
  private readonly outbox: Outbox;
  private readonly pending = new PendingRequests();
  private readonly batches = new Set<TrackedBatch>();
  private readonly keepalive: Keepalive;
  private nextXid = 1;
  private nextBundleId = 1;
  private peerHello: ((hello: Hello) => void) | undefined;
  private closeReason: Error | undefined;
  private readonly closedPromise: Promise<Error | undefined>;
  private resolveClosed!: (reason: Error | undefined) => void;
  private readonly socketGone: Promise<void>;
  private readonly log: Logger;
  private readonly requestTimeoutMs: number;

  /** Runs the handshake on a connected socket; resolves once the switch's datapath id is known. */
  static async open(socket: Socket, peer: string, options: SwitchConnectionOptions = {}): Promise<SwitchConnection> {
    const conn = new SwitchConnection(socket, peer, options);
    await conn.handshake(options.handshakeTimeoutMs ?? 5000);
    return conn;
  }

  private constructor(
    private readonly socket: Socket,
    /** `unix:<path>` or `tcp:<address>:<port>` of the switch's end. */
    readonly peer: string,
    options: SwitchConnectionOptions,
  ) {
    super();
    // Every FlowSync owner and the RoleManager listen for role changes and close: many listeners are normal here.
    this.setMaxListeners(0);
    this.switchId = peer;
    this.log = (options.log ?? rootLogger).child({ openflow: peer });
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.outbox = new Outbox(socket);
    this.keepalive = new Keepalive(
      options.echoIntervalMs ?? 5000,
      options.echoTimeoutMs ?? 10_000,
      () => this.send({ type: 'echo_request' }),
      (silentMs) => this.close(new EchoTimeoutError(this.id, silentMs)),
    );
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    this.socketGone = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.close(new ConnectionClosedError(this.id, 'the switch closed the connection')));
    socket.on('error', (err) => this.close(new ConnectionClosedError(this.id, err.message, { cause: err })));
    socket.on('close', () => this.close(new ConnectionClosedError(this.id, 'socket closed')));
  }

  /** Known once the handshake is done. */
  get datapathId(): bigint {
    return this.switchFeatures?.datapathId ?? 0n;
  }

  get features(): FeaturesReply | undefined {
    return this.switchFeatures;
  }

  /** `dpid:<16 hex digits>` once the handshake is done, the peer address before: for logs and errors. */
  get id(): string {
    return this.switchId;
  }

  /** What the switch says our role is; every connection starts as `equal`. */
  get role(): ControllerRole {
    return this.currentRole;
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Whether flow changes may be sent: not while the switch considers us a slave. */
  get canWrite(): boolean {
    return this.state === 'ready' && this.role !== 'slave';
  }

  /** The socket holds more unsent bytes than its high-water mark; see `drained()`. */
  get congested(): boolean {
    return this.outbox.congested;
  }

  drained(): Promise<void> {
    return this.outbox.drained();
  }

  /** Sends without waiting for anything; returns the xid. An error for it is emitted as `switchError`. */
  send(msg: Outgoing): number {
    this.assertOpen();
    const xid = this.reserveXids(1);
    this.outbox.push(withXid(msg, xid));
    return xid;
  }

  /** Sends a request and resolves with its reply (all parts of a multipart reply). */
  request<M extends OutgoingRequest>(msg: M, options: { timeoutMs?: number } = {}): Promise<ReplyTo[M['type']]> {
    if (this.state === 'closed') return Promise.reject(this.closedError());
    const xid = this.reserveXids(1);
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const reply = this.pending.wait(xid, msg, timeoutMs, () => new RequestTimeoutError(this.id, msg, timeoutMs));
    try {
      this.outbox.push(withXid(msg, xid));
    } catch (err) {
      this.pending.fail(xid, () => err as Error);
    }
    return reply as Promise<ReplyTo[M['type']]>;
  }

  /** Resolves once the switch has processed everything sent before it. */
  async barrier(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.request({ type: 'barrier_request' }, options);
  }

  /**
   * Sends `messages`, then a barrier; resolves when the switch has processed them all,
   * rejects with `BatchError` naming each refused message. Not atomic: the others took
   * effect (use `bundle()` for all-or-nothing). Nothing is sent if one cannot be encoded.
   */
  async sendAll(messages: readonly Outgoing[], options: { timeoutMs?: number } = {}): Promise<void> {
    const batch = this.sendTracked(messages);
    try {
      await batch.written;
      await this.barrier(options);
    } finally {
      batch.release();
    }
    if (batch.errors.length) throw new BatchError(batch.errors);
  }

  /**
   * Sends `messages` with consecutive xids and collects the switch's errors for them until
   * `release()`: the building block for exchanges that learn about failures later than a
   * barrier, such as bundles. If a message cannot be encoded this throws, and nothing was
   * sent (see streamBatch).
   */
  sendTracked(messages: readonly Outgoing[]): TrackedBatch {
    this.assertOpen();
    const first = this.reserveXids(messages.length);
    const written = streamBatch(this.outbox, messages, first, () => (this.state === 'closed' ? this.closedError() : undefined));
    const batch = new TrackedBatch(first, messages, written, (b) => this.batches.delete(b));
    this.batches.add(batch);
    return batch;
  }

  /** A bundle id not used yet on this connection. */
  allocateBundleId(): number {
    const id = this.nextBundleId;
    this.nextBundleId = id >= 0xffffffff ? 1 : id + 1;
    return id;
  }

  /** Asks for a role; OVS refuses (OFPRRFC_STALE) a generation id older than one it has seen. */
  async requestRole(role: ControllerRole, generationId: bigint): Promise<RoleReply> {
    const reply = await this.request({ type: 'role_request', role, generationId });
    this.setRole(reply.role);
    return reply;
  }

  /** Every flow matching the filter, from all parts of the reply. */
  async dumpFlows(filter: Partial<Omit<FlowStatsRequest, 'kind'>> = {}, options: { timeoutMs?: number } = {}): Promise<FlowStats[]> {
    const parts = await this.request({ type: 'multipart_request', body: { kind: 'flow', ...filter } }, options);
    return parts.flatMap((part) => (part.body.kind === 'flow' ? part.body.flows : []));
  }

  /** Every group on the switch (OFPMP_GROUP_DESC), from all parts of the reply. */
  async dumpGroups(options: { timeoutMs?: number } = {}): Promise<GroupDesc[]> {
    const parts = await this.request({ type: 'multipart_request', body: { kind: 'group_desc' } }, options);
    return parts.flatMap((part) => (part.body.kind === 'group_desc' ? part.body.groups : []));
  }

  /** How many flows match the filter (an aggregate-stats request: one reply, however many flows). */
  async countFlows(filter: Partial<Omit<FlowStatsRequest, 'kind'>> = {}): Promise<number> {
    const [part] = await this.request({ type: 'multipart_request', body: { kind: 'aggregate', ...filter } });
    return part?.body.kind === 'aggregate' ? part.body.flowCount : 0;
  }

  /**
   * Closes the connection: queued messages are still sent, pending requests reject with
   * `ConnectionClosedError`. Resolves once the socket is gone.
   */
  close(reason?: Error): Promise<void> {
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.closeReason = reason;
      this.keepalive.stop();
      this.pending.rejectAll(this.closedError());
      this.outbox.flush();
      this.socket.end();
      // A peer that never closes its side must not keep the socket forever.
      setTimeout(() => this.socket.destroy(), 1000).unref();
      if (reason) this.log.info({ reason: reason.message }, 'OpenFlow connection closed');
      this.emit('close', reason);
      this.resolveClosed(reason);
    }
    return this.socketGone;
  }

  /** Resolves when the connection has closed, with the reason (undefined for a plain `close()`). */
  closed(): Promise<Error | undefined> {
    return this.closedPromise;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async handshake(timeoutMs: number): Promise<void> {
    const timer = setTimeout(() => this.close(new HandshakeError(this.peer, `no HELLO and FEATURES_REPLY within ${timeoutMs} ms`)), timeoutMs);
    try {
      const hello = new Promise<Hello>((resolve) => (this.peerHello = resolve));
      this.outbox.push({ type: 'hello', xid: this.reserveXids(1), versions: [OFP_VERSION] });
      const peer = await Promise.race([hello, this.closedPromise.then(() => Promise.reject(this.closedError()))]);
      if (!(peer.versions ? peer.versions.includes(OFP_VERSION) : peer.version >= OFP_VERSION)) {
        const offered = peer.versions ? `versions ${peer.versions.join(',')}` : `up to version ${peer.version}`;
        const reason = `the switch offers ${offered}; this controller speaks OpenFlow 1.3 (version ${OFP_VERSION}) only`;
        this.outbox.push({ type: 'error', xid: peer.xid, errorType: ErrorType.HELLO_FAILED, code: 0, data: Buffer.from(reason) });
        throw new HandshakeError(this.peer, reason);
      }
      const features = await this.request({ type: 'features_request' }, { timeoutMs });
      if (features.auxiliaryId !== 0) throw new HandshakeError(this.peer, `auxiliary connection ${features.auxiliaryId} (not supported)`);
      this.switchFeatures = features;
      this.switchId = `dpid:${features.datapathId.toString(16).padStart(16, '0')}`;
      this.state = 'ready';
      this.keepalive.start();
    } catch (err) {
      const error =
        err instanceof HandshakeError ? err
        : this.closeReason instanceof HandshakeError ? this.closeReason
        : new HandshakeError(this.peer, err instanceof ConnectionClosedError ? err.reason : describeCause(err), { cause: err });
      await this.close(error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private onData(chunk: Buffer): void {
    this.keepalive.received();
    let frames: Buffer[];
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      this.close(new ConnectionClosedError(this.id, 'the switch sent a malformed stream', { cause: err }));
      return;
    }
    for (const frame of frames) {
      if (this.state === 'closed') return;
      let msg: OfpMessage;
      try {
        msg = decode(frame);
      } catch (err) {
        this.onUndecodable(frame, err as Error);
        continue;
      }
      this.dispatch(msg);
    }
  }

  private dispatch(msg: OfpMessage): void {
    switch (msg.type) {
      case 'packet_in':
        this.emit('packetIn', msg);
        return;
      case 'echo_request':
        this.outbox.push({ type: 'echo_reply', xid: msg.xid, data: msg.data });
        return;
      case 'port_status':
        this.emit('portStatus', msg);
        return;
      case 'flow_removed':
        this.emit('flowRemoved', msg);
        return;
      case 'hello':
        this.peerHello?.(msg);
        this.peerHello = undefined;
        return;
      case 'error':
        this.onError(msg);
        return;
      case 'experimenter':
        if (msg.experimenter === ONF_EXPERIMENTER_ID && msg.expType === ONF_ROLE_STATUS && msg.data.length >= 4) {
          this.setRole(ROLE_NAMES[msg.data.readUInt32BE(0)] ?? this.role);
          return;
        }
        break;
    }
    this.onReply(msg);
  }

  private onReply(msg: OfpMessage): void {
    if (!this.pending.reply(msg)) this.log.debug({ type: msg.type, xid: msg.xid }, 'unsolicited message dropped');
  }

  private onError(msg: ErrorMessage): void {
    if (msg.name === 'OFPBRC_IS_SLAVE') this.setRole('slave');
    if (this.pending.fail(msg.xid, (request) => new OpenFlowError(this.id, msg, request))) return;
    for (const batch of this.batches) {
      const i = batch.indexOf(msg.xid);
      if (i >= 0) {
        batch.errors.push(new OpenFlowError(this.id, msg, batch.messages[i], i));
        return;
      }
    }
    const err = new OpenFlowError(this.id, msg);
    if (this.listenerCount('switchError') > 0) this.emit('switchError', err);
    else this.log.warn({ err: err.message }, 'switch reported an error');
  }

  /** A message the codec cannot read fails the request it answers, if any; the stream itself is still in step. */
  private onUndecodable(frame: Buffer, err: Error): void {
    const xid = frame.readUInt32BE(4);
    this.log.warn({ err: err.message, type: frame[1], xid }, 'undecodable OpenFlow message');
    this.pending.fail(xid, () => err);
  }

  private setRole(role: ControllerRole): void {
    if (role === 'nochange' || role === this.currentRole) return;
    this.currentRole = role;
    this.emit('role', role);
  }

  /**
   * `n` consecutive xids. A range never wraps past 2^32 (it starts again at 1), so a
   * batch's xids compare as plain numbers; 0 is skipped as OVS uses it for asynchronous messages.
   */
  private reserveXids(n: number): number {
    if (this.nextXid + n > 0xffffffff) this.nextXid = 1;
    const first = this.nextXid;
    this.nextXid += n;
    return first;
  }

  private assertOpen(): void {
    if (this.state === 'closed') throw this.closedError();
  }

  private closedError(): ConnectionClosedError {
    const reason = this.closeReason;
    if (reason instanceof ConnectionClosedError) return reason;
    return new ConnectionClosedError(this.id, reason ? reason.message : 'closed by the controller', { cause: reason });
  }
}
