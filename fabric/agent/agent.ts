import { describeCause } from '../../src/errors';
import type { Logger } from '../../src/log';
import type { HostStatus } from '../../src/model/host';
import type { AgentStatus } from '../cni/agent-protocol';
import { ConnectError, type ChangeBatch, OvsdbDatabase } from '../ovsdb';
import type { AgentConfig } from './agent-config';
import { type AgentServer, serveCniSocket } from './agent-server';
import { CniService } from './cni-service';
import { type Commands, localCommands } from './commands';
import { ControlPlaneClient } from './control-plane';
import { type HostMemory, type HostSetup, setUpHost } from './host-setup';
import { countOffloadedFlows, findVswitchdControl } from './offload-stats';
import { AGENT_TABLES, TUNNEL_PORT } from './ovs-layout';
import { type PodPortRecord, PodPorts } from './pod-ports';

export interface RunningAgent extends AsyncDisposable {
  readonly config: AgentConfig;
  /** The host as last set up (undefined only before the first setup finished). */
  readonly setup: HostSetup | undefined;
  status(): AgentStatus;
  /** Checks and repairs the host's OVS setup now (it also runs on OVSDB events and periodically). */
  reconcile(): Promise<void>;
  /** Sends the host report now. */
  report(): Promise<void>;
  close(): Promise<void>;
}

/** Waits between attempts to reach OVSDB at start (OVS may come up after the agent). */
const OVSDB_RETRY_MS = [100, 250, 500, 1000, 2000, 5000];
/** OVSDB row changes that may mean something of the host's setup is gone. */
const WATCHED_TABLES = new Set(['Bridge', 'Port', 'Interface', 'Controller', 'Flow_Table']);

/**
 * The per-host agent: sets up the host's OVS (host-setup.ts), serves the CNI plugin on its
 * socket, reports the host to the control plane, and keeps the setup in place — after an
 * OVSDB reconnect (an ovsdb-server restart), when rows it made disappear, and every
 * `reconcileIntervalMs` — re-creating what is missing, pods' ports included. Resolves
 * once the host is set up and the socket serves; rejects if the first setup fails.
 */
export async function startAgent(config: AgentConfig, log: Logger): Promise<RunningAgent> {
  const agent = new Agent(config, log);
  await agent.start();
  return agent;
}

class Agent implements RunningAgent {
  private db: OvsdbDatabase | undefined;
  private server: AgentServer | undefined;
  private cni: CniService | undefined;
  private readonly cmds: Commands;
  private readonly api: ControlPlaneClient;
  private readonly ports = new PodPorts();
  private readonly memory: HostMemory = { routes: [] };
  private current: HostSetup | undefined;
  private fallback: string | undefined;
  private offloadedFlows = 0;
  private lastSent: string | undefined;
  private lastReport: AgentStatus['lastReport'];
  private lastReconcile: AgentStatus['lastReconcile'];
  private lastRepair: AgentStatus['lastRepair'];
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    readonly config: AgentConfig,
    private readonly log: Logger,
  ) {
    this.cmds = localCommands(config.netns);
    this.api = new ControlPlaneClient(config.apiUrls);
  }

  get setup(): HostSetup | undefined {
    return this.current;
  }

  async start(): Promise<void> {
    try {
      const db = (this.db = await this.openOvsdb());
      this.cni = new CniService({ host: this.config.host, db, cmds: this.cmds, api: this.api, ports: this.ports, podMtu: () => this.current?.podMtu, log: this.log });
      this.ports.seed(db.replica);
      await this.reconcileOnce(true);
      db.on('resync', () => void this.reconcile());
      db.on('change', (batch) => this.touchesSetup(batch) && void this.reconcile());
      db.on('disconnect', (err) => !this.closed && this.log.warn({ err: err.message }, 'OVSDB connection lost; reconnecting (pods cannot be attached meanwhile)'));
      this.server = await serveCniSocket(this.config.socket, this.cni, () => this.status(), this.log);
    } catch (err) {
      await this.close();
      throw err;
    }
    this.timers.push(setInterval(() => void this.reconcile(), this.config.reconcileIntervalMs));
    this.timers.push(setInterval(() => void this.report(), this.config.reportIntervalMs));
    void this.report();
    this.log.info({ host: this.config.host, datapath: this.current?.datapathType, tunnelOfport: this.current?.tunnelOfport, podMtu: this.current?.podMtu, socket: this.config.socket }, 'Loom agent is up');
  }

  status(): AgentStatus {
    const s = this.current;
    return {
      host: this.config.host,
      ovsdbConnected: this.db?.isSynced ?? false,
      ...(s ? { datapathType: s.datapathType, tunnelOfport: s.tunnelOfport, datapathId: s.datapathId, podMtu: s.podMtu, hwOffload: { enabled: s.hwOffload, offloadedFlows: this.offloadedFlows } } : {}),
      ...(this.fallback ? { fallback: this.fallback } : {}),
      ...(this.lastReport ? { lastReport: this.lastReport } : {}),
      ...(this.lastReconcile ? { lastReconcile: this.lastReconcile } : {}),
      ...(this.lastRepair ? { lastRepair: this.lastRepair } : {}),
      ports: this.db ? this.ports.list(this.db.replica) : [],
    };
  }

  /** One reconciliation at a time; a request while one runs makes it run once more. */
  reconcile(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.reconcileOnce(false).catch(() => undefined);
      } while (this.again && !this.closed);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Sends the host report; failures are logged and kept in the status, and the next period tries again. */
  async report(): Promise<void> {
    const s = this.current;
    if (!s || this.closed) return;
    if (s.hwOffload) this.offloadedFlows = await this.countOffloaded();
    const report: HostStatus = {
      name: this.config.host,
      underlayIp: this.config.underlayIp,
      datapathType: s.datapathType,
      tunnelOfport: s.tunnelOfport,
      mtu: s.podMtu,
      hwOffload: { enabled: s.hwOffload, offloadedFlows: s.hwOffload ? this.offloadedFlows : 0 },
      datapathId: s.datapathId,
      ...this.vswitchdCtl(),
    };
    try {
      await this.api.reportHost(report);
      this.lastSent = JSON.stringify(report);
      this.lastReport = { at: new Date().toISOString(), ok: true };
    } catch (err) {
      this.lastReport = { at: new Date().toISOString(), ok: false, error: describeCause(err) };
      this.log.warn({ err: describeCause(err) }, 'host report failed; the next one tries again');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers.forEach(clearInterval);
    await this.server?.close();
    await this.running?.catch(() => undefined);
    await this.db?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async reconcileOnce(first: boolean): Promise<void> {
    const at = new Date().toISOString();
    try {
      const setup = await setUpHost(this.db!, this.cmds, this.config, this.memory, this.log);
      const reattached = (record: PodPortRecord) =>
        this.cni!.portReattached(record).catch((err: unknown) => this.log.warn({ owner: record.owner, err: describeCause(err) }, 'could not update the pod endpoint’s OpenFlow port'));
      const repaired = [...setup.repaired, ...(await this.ports.restore(this.db!, this.cmds, { log: this.log }, this.log, reattached))];
      this.fallback ??= setup.fallback;
      this.current = setup;
      this.lastReconcile = { at, ok: true, repaired };
      if (repaired.length && !first) {
        this.lastRepair = { at, repaired };
        this.log.warn({ repaired }, 'repaired the host’s OVS setup');
      }
      if (!first && this.reportChanged()) await this.report();
    } catch (err) {
      this.lastReconcile = { at, ok: false, repaired: [], error: describeCause(err) };
      if (first) throw err;
      this.log.error({ err: describeCause(err) }, 'reconciling the host’s OVS setup failed; retrying on the next change or period');
      throw err;
    }
  }

  /** Whether what the host report says changed since the last one sent. */
  private reportChanged(): boolean {
    const s = this.current!;
    const sent = this.lastSent ? (JSON.parse(this.lastSent) as HostStatus) : undefined;
    return (
      !sent ||
      sent.datapathType !== s.datapathType ||
      sent.tunnelOfport !== s.tunnelOfport ||
      sent.mtu !== s.podMtu ||
      sent.datapathId !== s.datapathId ||
      sent.hwOffload?.enabled !== s.hwOffload ||
      sent.vswitchdCtl !== this.vswitchdCtl().vswitchdCtl
    );
  }

  /** ovs-vswitchd's control socket, for `loom trace` on this host; found anew each time (its default name carries the daemon's pid). */
  private vswitchdCtl(): { vswitchdCtl?: string } {
    const ctl = this.config.vswitchdCtl ?? findVswitchdControl(this.config.ovsdb);
    return ctl ? { vswitchdCtl: ctl } : {};
  }

  private touchesSetup(batch: ChangeBatch): boolean {
    const change = batch.changes.find(
      (c) =>
        (c.kind === 'delete' && WATCHED_TABLES.has(c.table)) ||
        (c.kind === 'modify' && c.table === 'Bridge') ||
        (c.kind === 'modify' && c.table === 'Interface' && c.row.name === TUNNEL_PORT && c.row.ofport !== c.old.ofport),
    );
    if (change) this.log.debug({ table: change.table, kind: change.kind, uuid: change.uuid }, 'OVSDB change may touch the host setup; reconciling');
    return change !== undefined;
  }

  private async countOffloaded(): Promise<number> {
    const ctl = this.config.vswitchdCtl ?? findVswitchdControl(this.config.ovsdb);
    if (!ctl) {
      this.log.warn({ ovsdb: this.config.ovsdb }, 'cannot find ovs-vswitchd’s control socket to count offloaded flows; pass --vswitchd-ctl');
      return 0;
    }
    try {
      return await countOffloadedFlows(localCommands(), ctl);
    } catch (err) {
      this.log.warn({ err: describeCause(err) }, 'counting offloaded flows failed');
      return this.offloadedFlows;
    }
  }

  private async openOvsdb(): Promise<OvsdbDatabase> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await OvsdbDatabase.open({ remote: this.config.ovsdb, database: 'Open_vSwitch', tables: AGENT_TABLES, log: this.log.child({ component: 'ovsdb' }) });
      } catch (err) {
        if (!(err instanceof ConnectError) || this.closed) throw err;
        const wait = OVSDB_RETRY_MS[Math.min(attempt, OVSDB_RETRY_MS.length - 1)];
        if (attempt % 10 === 0) this.log.warn({ ovsdb: this.config.ovsdb, err: err.message }, `cannot reach OVSDB; retrying every ${wait} ms`);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
}
