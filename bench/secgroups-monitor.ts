import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import readline from 'node:readline';

/**
 * Watches one bridge's flow table as OVS changes it: `ovs-ofctl -O OpenFlow13 --timestamp
 * monitor BRIDGE watch:!initial,table=N` (OVS's flow monitor, the ONF extension on
 * OpenFlow 1.3). OVS sends an update as soon as a change is committed, so waiting for a
 * flow costs no polling, and ovs-ofctl stamps each update as it receives it (millisecond
 * wall-clock, independent of this process's event loop). ovs-ofctl prints the updates on
 * stderr, unbuffered.
 */

export interface FlowEvent {
  /** ADDED, DELETED or MODIFIED. */
  event: string;
  /** The flow as ovs-ofctl prints it: `tcp,tp_dst=20001 actions=conjunction(…)`. */
  flow: string;
  /** Epoch ms from ovs-ofctl's timestamp of the update (1 ms resolution). */
  stampedAt: number;
  /** performance.now() when this process read the line. */
  readAt: number;
}

const HEADER = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}): /;
const EVENT = /^\s*event=(\w+) table=\d+ cookie=\S+ (.*)$/;

export class FlowMonitor extends EventEmitter<{ flow: [FlowEvent] }> {
  private stampedAt = NaN;
  private ready: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    super();
    let stderr = '';
    // The reply to the monitor request comes on stdout; the updates, unbuffered, on stderr.
    const reply = readline.createInterface({ input: child.stdout! });
    const updates = readline.createInterface({ input: child.stderr! });
    this.ready = new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`ovs-ofctl monitor of ${name} exited (${code}) before it was ready: ${stderr.trim()}`)));
      reply.once('line', () => resolve());
    });
    updates.on('line', (line) => {
      stderr += `${line}\n`;
      if (stderr.length > 4096) stderr = stderr.slice(-2048);
      this.onLine(line);
    });
  }

  /** Starts the monitor on `bridge` of the OVS whose run dir is `runDir`; resolves once OVS has accepted it. */
  static async start(name: string, runDir: string, bridge: string, tableId: number): Promise<FlowMonitor> {
    const child = spawn('ovs-ofctl', ['-O', 'OpenFlow13', '--timestamp', 'monitor', bridge, `watch:!initial,table=${tableId}`], {
      env: { ...process.env, OVS_RUNDIR: runDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const monitor = new FlowMonitor(name, child);
    await monitor.ready;
    return monitor;
  }

  /** Resolves with the first event whose flow `test` accepts, from now on. */
  next(test: (e: FlowEvent) => boolean, timeoutMs: number): Promise<FlowEvent> {
    return new Promise((resolve, reject) => {
      const onFlow = (e: FlowEvent) => {
        if (!test(e)) return;
        clearTimeout(timer);
        this.off('flow', onFlow);
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.off('flow', onFlow);
        reject(new Error(`${this.name}: no matching flow within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('flow', onFlow);
    });
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }

  private onLine(line: string): void {
    const header = HEADER.exec(line);
    if (header) {
      // ovs-ofctl prints local time; JavaScript reads a date-time without a zone as local time too.
      this.stampedAt = new Date(`${header[1]}T${header[2]}`).getTime();
      return;
    }
    const event = EVENT.exec(line);
    if (event) this.emit('flow', { event: event[1], flow: event[2], stampedAt: this.stampedAt, readAt: performance.now() });
  }
}
