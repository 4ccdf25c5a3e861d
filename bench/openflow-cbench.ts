import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createLogger } from '../src/log';
import { ControllerServer, type SwitchConnection } from '../fabric/openflow/controller';
import type { ChildMessage, ParentMessage, SimConfig, SimResult } from './openflow-ipc';

/**
 * The cbench-style part of bench:openflow: simulated switches in a child process send
 * PACKET_INs, and this process — a ControllerServer with the smallest useful application,
 * an L2 forwarder — answers each with a FLOW_MOD for the packet's destination MAC that
 * also releases the buffered packet (buffer_id), as cbench's reference controllers do.
 */

export interface CbenchRun extends SimResult {
  /** CPU time of the controller process during the measured interval, s. */
  controllerCpuSeconds: number;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** MAC text by its 48-bit value: the codec takes addresses as text, and hosts recur (a learning switch keeps such a table anyway). */
const macs = new Map<number, string>();

function macAt(b: Buffer, at: number): string {
  const key = b.readUIntBE(at, 6);
  let text = macs.get(key);
  if (text === undefined) {
    text = `${HEX[b[at]]}:${HEX[b[at + 1]]}:${HEX[b[at + 2]]}:${HEX[b[at + 3]]}:${HEX[b[at + 4]]}:${HEX[b[at + 5]]}`;
    macs.set(key, text);
  }
  return text;
}

/** The application: every PACKET_IN gets a flow for its destination, out of port 2. */
function forward(conn: SwitchConnection): void {
  conn.on('packetIn', (pi) => {
    conn.send({
      type: 'flow_mod',
      command: 'add',
      bufferId: pi.bufferId,
      idleTimeout: 60,
      priority: 100,
      match: { inPort: pi.match.inPort, ethDst: macAt(pi.data, 0) },
      instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 2 }] }],
    });
  });
}

export class Cbench {
  private constructor(
    private readonly server: ControllerServer,
    private readonly child: ChildProcess,
  ) {}

  static async start(config: Omit<SimConfig, 'address'>): Promise<Cbench> {
    const server = await ControllerServer.listen(['tcp:127.0.0.1:0'], { log: createLogger('bench', 'warn') });
    server.on('switch', forward);
    const child = fork(path.join(__dirname, 'openflow-sim-switch.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const bench = new Cbench(server, child);
    await bench.ask({ type: 'connect', config: { ...config, address: server.addresses[0] } }, 'connected');
    return bench;
  }

  async run(warmupMs: number, durationMs: number): Promise<CbenchRun> {
    let cpu = process.cpuUsage();
    // The controller's CPU counts from the end of the warm-up, as the simulator's does.
    const timer = setTimeout(() => (cpu = process.cpuUsage()), warmupMs);
    const reply = await this.ask({ type: 'run', warmupMs, durationMs }, 'result');
    clearTimeout(timer);
    const used = process.cpuUsage(cpu);
    if (reply.type !== 'result') throw new Error('unexpected reply');
    return { ...reply.result, controllerCpuSeconds: (used.user + used.system) / 1e6 };
  }

  async close(): Promise<void> {
    this.child.send({ type: 'close' } satisfies ParentMessage);
    await new Promise((resolve) => this.child.once('exit', resolve));
    await this.server.close();
  }

  private ask(msg: ParentMessage, expect: ChildMessage['type']): Promise<ChildMessage> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: ChildMessage) => {
        this.child.off('message', onMessage);
        if (reply.type === 'error') reject(new Error(`simulated switches: ${reply.message}`));
        else if (reply.type !== expect) reject(new Error(`simulated switches: expected ${expect}, got ${reply.type}`));
        else resolve(reply);
      };
      this.child.on('message', onMessage);
      this.child.send(msg);
    });
  }
}
