import net from 'node:net';
import { decode, encode, OfpType, OpenFlowFramer, PacketInReason, type OfpMessage } from '../fabric/openflow/codec';
import type { ChildMessage, ParentMessage, SimConfig, SimResult } from './openflow-ipc';
import { parseListenAddress } from '../fabric/openflow/controller';

/**
 * Simulated switches for the cbench-style part of bench/openflow.ts, run as a forked child
 * process so the controller and the switches each get a core.
 *
 * Like cbench: every switch connects, answers the handshake, then keeps `window`
 * PACKET_INs (table miss, a 64-byte frame to one of `macs` destinations) outstanding; each
 * FLOW_MOD that comes back completes the setup for the buffer id it names and lets the
 * next PACKET_IN go. PACKET_INs are encoded once with the codec and then only patched
 * (xid, buffer id, destination MAC); replies are split by the codec's framer and matched
 * by buffer id; one FLOW_MOD in 1024 is decoded in full to check it is the expected add.
 */

/** Offset of buffer_id in an ofp_flow_mod. */
const FLOW_MOD_BUFFER_ID_AT = 32;
/** Ethernet + IPv4 + UDP, 64 bytes; the destination MAC is patched per packet, the source is the switch. */
const FRAME = Buffer.from('000000000000' + '020000000000' + '0800' + '4500002e00000000401100000a0000010a000002' + '0'.repeat(52), 'hex');
const CHECK_EVERY = 1024;
/** Latency samples kept per run (every setup, up to this many). */
const MAX_SAMPLES = 4_000_000;

const send = (m: ChildMessage) => process.send!(m);

let measuring = false;
let setups = 0;
const samples = new Float64Array(MAX_SAMPLES);
let sampleCount = 0;
let checked = 0;
let wrong = 0;

class SimSwitch {
  private readonly framer = new OpenFlowFramer();
  private readonly template: Buffer;
  /** Send time (performance.now) of each outstanding buffer id, by id modulo the window. */
  private readonly sentAt: Float64Array;
  private nextBuffer = 1;
  private running = false;
  private replies = 0;
  /** Messages to write once the current chunk has been handled: one write per chunk. */
  private out: Buffer[] = [];
  readonly connected: Promise<void>;

  constructor(
    private readonly socket: net.Socket,
    private readonly dpid: number,
    private readonly config: SimConfig,
  ) {
    const frame = Buffer.from(FRAME);
    frame.writeUInt32BE(dpid, 8);
    this.template = encode({ type: 'packet_in', xid: 0, reason: PacketInReason.NO_MATCH, tableId: 0, match: { inPort: 1 }, data: frame });
    this.sentAt = new Float64Array(config.window * 2);
    this.connected = new Promise((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        for (const frame of this.framer.push(chunk)) this.onFrame(frame, resolve);
        this.flush();
      });
    });
    socket.setNoDelay(true);
    this.out.push(encode({ type: 'hello', xid: 1, versions: [4] }));
    this.flush();
  }

  start(): void {
    this.running = true;
    for (let i = 0; i < this.config.window; i++) this.packetIn();
    this.flush();
  }

  stop(): void {
    this.running = false;
  }

  private packetIn(): void {
    const b = Buffer.allocUnsafe(this.template.length);
    this.template.copy(b);
    const id = this.nextBuffer++;
    b.writeUInt32BE(id, 4);
    b.writeUInt32BE(id, 8);
    // The destination MAC's low bytes: which of this switch's "hosts" the packet is for.
    b.writeUInt16BE(id % this.config.macs, this.template.length - FRAME.length + 4);
    this.sentAt[id % this.sentAt.length] = performance.now();
    this.out.push(b);
  }

  private flush(): void {
    if (this.out.length === 0) return;
    this.socket.write(this.out.length === 1 ? this.out[0] : Buffer.concat(this.out));
    this.out = [];
  }

  private onFrame(frame: Buffer, connected: () => void): void {
    if (frame[1] === OfpType.FLOW_MOD) {
      const id = frame.readUInt32BE(FLOW_MOD_BUFFER_ID_AT);
      if (measuring) {
        setups++;
        if (sampleCount < MAX_SAMPLES) samples[sampleCount++] = (performance.now() - this.sentAt[id % this.sentAt.length]) * 1000;
      }
      if (++this.replies % CHECK_EVERY === 0) this.check(decode(frame));
      if (this.running) this.packetIn();
      return;
    }
    const m = decode(frame);
    switch (m.type) {
      case 'features_request':
        this.out.push(encode({ type: 'features_reply', xid: m.xid, datapathId: BigInt(this.dpid), nBuffers: 256, nTables: 254, auxiliaryId: 0, capabilities: 0 }));
        connected();
        break;
      case 'echo_request':
        this.out.push(encode({ type: 'echo_reply', xid: m.xid, data: m.data }));
        break;
    }
  }

  private check(m: OfpMessage): void {
    checked++;
    if (m.type !== 'flow_mod' || m.command !== 'add' || m.match.inPort !== 1 || m.match.ethDst === undefined) wrong++;
  }
}

let switches: SimSwitch[] = [];

async function connect(config: SimConfig): Promise<void> {
  const address = parseListenAddress(config.address);
  switches = await Promise.all(
    Array.from({ length: config.switches }, async (_, i) => {
      const socket = address.kind === 'unix' ? net.connect(address.path) : net.connect(address.port, address.host);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      return new SimSwitch(socket, i + 1, config);
    }),
  );
  await Promise.all(switches.map((s) => s.connected));
}

async function runLoad(warmupMs: number, durationMs: number): Promise<SimResult> {
  setups = 0;
  sampleCount = 0;
  switches.forEach((s) => s.start());
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  const cpu = process.cpuUsage();
  const started = performance.now();
  measuring = true;
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  measuring = false;
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  switches.forEach((s) => s.stop());
  const lat = samples.subarray(0, sampleCount).sort();
  const rank = (p: number) => lat[Math.min(lat.length, Math.max(1, Math.ceil((p / 100) * lat.length))) - 1];
  const result: SimResult = {
    setups,
    seconds,
    p50: rank(50),
    p99: rank(99),
    p999: rank(99.9),
    max: lat[lat.length - 1],
    cpuSeconds: (used.user + used.system) / 1e6,
    checked,
    wrong,
  };
  // Let the replies still in flight drain before the next run.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return result;
}

process.on('message', (msg: ParentMessage) => {
  const fail = (err: Error) => send({ type: 'error', message: err.stack ?? err.message });
  if (msg.type === 'connect') connect(msg.config).then(() => send({ type: 'connected' }), fail);
  else if (msg.type === 'run') runLoad(msg.warmupMs, msg.durationMs).then((result) => send({ type: 'result', result }), fail);
  else process.exit(0);
});
