import { describeCause } from '../errors';
import type { Logger } from '../log';
import type { ReportedHost } from '../model/host';
import type { Mesh } from '../model/mesh';
import { ControllerServer, FlowSync, NotConnectedError, RoleManager, type LeaderElection } from '../../fabric/openflow/controller';
import { HostStateCache, type HostState } from '../../fabric/compiler';
import { tableId } from '../../fabric/pipeline';
import { parseTraceInput, planTrace, securityGroupStats, type HostCounters, type SecurityGroupStats } from '../../fabric/trace';
import type { FabricDiagnostics } from '../api/fabric-diagnostics';

/** Cookie owner of Loom's flows: one for every feature, so a host's whole state changes in one bundle. */
const OVERLAY_OWNER = 0x1;

/**
 * The central OpenFlow controller of `loom up`: every reported host's br-int connects to
 * it, and gets exactly the flows its view of the mesh calls for, re-derived whenever the
 * mesh or the set of hosts changes (the flow sync sends only differences, atomically).
 *
 * With several control-plane instances, every br-int connects to each of them and an
 * election says which one is master: the others compute the same flows but cannot write
 * (OVS refuses a slave's changes), and the one promoted when the master goes away syncs
 * every switch at once (FlowSync does on promotion). Switches keep their flows meanwhile
 * (`fail_mode=secure`), so forwarding goes on.
 */
export class FabricController {
  private mesh: Mesh;
  private hosts: ReportedHost[] = [];
  private pending: NodeJS.Immediate | undefined;
  /** Computes each host again from what changed since its last compute (see HostStateCache). */
  private readonly states = new HostStateCache();
  /** Each host's rules as the last reconcile computed them (or why it could not), so reading counters does not compile again. */
  private computed = new Map<string, HostState['rules'] | Error>();

  private constructor(
    private readonly server: ControllerServer,
    private readonly sync: FlowSync,
    mesh: Mesh,
    private readonly log: Logger,
    private readonly roles: RoleManager | undefined,
  ) {
    this.mesh = mesh;
    sync.on('syncError', (err: unknown) => log.error({ err }, 'flow sync failed'));
  }

  /** `election`: which instance is master, when there are several; absent, this one is the only controller. */
  static async start(addresses: readonly string[], mesh: Mesh, election: LeaderElection | undefined, log: Logger): Promise<FabricController> {
    const roles = election && new RoleManager(election, { log });
    const server = await ControllerServer.listen([...addresses], { log, ...(roles ? { prepare: roles.attach } : {}) });
    // The one flow sync of these switches, so it also owns their groups (service load balancing).
    const sync = new FlowSync(server, { owner: OVERLAY_OWNER, ownsGroups: true, log });
    log.info({ openflow: server.addresses, master: election?.isLeader ?? true }, 'OpenFlow controller listening');
    return new FabricController(server, sync, mesh, log, roles);
  }

  get addresses(): readonly string[] {
    return this.server.addresses;
  }

  meshChanged(mesh: Mesh): void {
    this.mesh = mesh;
    this.scheduleReconcile();
  }

  hostsChanged(hosts: ReportedHost[]): void {
    this.hosts = hosts;
    this.scheduleReconcile();
  }

  /**
   * Computing every host's flows takes a while in a large mesh: it runs right after the
   * change that asked for it, not inside it (an apply answers without waiting for it), and
   * changes arriving meanwhile are computed once, together.
   */
  private scheduleReconcile(): void {
    if (this.pending) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.reconcile();
    });
  }

  /**
   * How many packets each security-group rule let through, summed over every host whose
   * br-int is connected here: the counters of its EgressSecurity and IngressSecurity flows
   * (read on a slave connection too: OVS allows reading statistics to every role), tied to
   * rules by the host's compiled state. Hosts not connected, or whose state cannot be
   * computed, are listed as missing, not counted as 0.
   */
  async securityGroupStats(): Promise<SecurityGroupStats> {
    const mesh = this.mesh;
    const hosts = this.hosts;
    const missing: SecurityGroupStats['missing'] = [];
    const read = await Promise.all(
      hosts.map(async (host): Promise<HostCounters | undefined> => {
        const absent = (reason: string) => void missing.push({ host: host.name, reason });
        if (!host.datapathId) return absent('it has not reported its datapath id');
        const rules = this.rulesOf(host.name, mesh, hosts);
        if (rules instanceof Error) return absent(`its flows cannot be computed: ${describeCause(rules).split('\n')[0]}`);
        if (!rules) return absent('it has not reported its tunnel port');
        const dpid = BigInt(`0x${host.datapathId}`);
        try {
          const tables = await Promise.all((['EgressSecurity', 'IngressSecurity'] as const).map((t) => this.sync.flowStats(dpid, { tableId: tableId(t) })));
          return { host: host.name, rules, counters: tables.flat() };
        } catch (err) {
          return absent(err instanceof NotConnectedError ? 'its br-int is not connected to this controller' : `reading its counters failed: ${describeCause(err)}`);
        }
      }),
    );
    return securityGroupStats(mesh, read.filter((h): h is HostCounters => h !== undefined), missing.sort((a, b) => a.host.localeCompare(b.host)));
  }

  async close(): Promise<void> {
    if (this.pending) clearImmediate(this.pending);
    this.roles?.close();
    await this.sync.close();
    await this.server.close();
  }

  /** The rules the last reconcile computed for `host`; computed now while a reconcile is due. */
  private rulesOf(host: string, mesh: Mesh, hosts: ReportedHost[]): HostState['rules'] | Error | undefined {
    if (!this.pending && this.computed.has(host)) return this.computed.get(host);
    try {
      return this.states.hostState(mesh, hosts, host)?.rules;
    } catch (err) {
      return err as Error;
    }
  }

  /**
   * Runs right after a change (scheduleReconcile): whatever goes wrong for one host is
   * logged for that host and must not stop the others. Every host is computed, but only
   * from what changed (HostStateCache), and the flow sync encodes only flows that are new.
   */
  private reconcile(): void {
    this.computed = new Map();
    for (const host of this.hosts) {
      if (!host.datapathId) continue;
      try {
        const state = this.states.hostState(this.mesh, this.hosts, host.name);
        if (!state) continue;
        this.computed.set(host.name, state.rules);
        const dpid = BigInt(`0x${host.datapathId}`);
        // Resolves when the switch holds the flows; a switch that is not connected yet gets them when it connects.
        this.sync.setFlows(dpid, state.flows, state.groups).catch((err: unknown) => this.log.error({ err: describeCause(err), host: host.name }, 'flows for host refused'));
      } catch (err) {
        this.computed.set(host.name, err as Error);
        this.log.error({ err: describeCause(err), host: host.name }, 'cannot compute flows for host; its flows stay as they were');
      }
    }
    this.states.retain(new Set(this.hosts.map((h) => h.name)));
  }
}

/**
 * The REST API's view of the fabric: trace plans from the current mesh and host reports,
 * hit counts from the controller — when this control plane runs one (`controller()` is
 * undefined before it started, or without `--openflow`: hits are then unavailable, not 0).
 */
export function fabricDiagnostics(source: { mesh: () => Mesh; hosts: () => ReportedHost[]; controller: () => FabricController | undefined }): FabricDiagnostics {
  return {
    securityGroupStats() {
      const controller = source.controller();
      if (controller) return controller.securityGroupStats();
      return Promise.resolve(securityGroupStats(source.mesh(), [], [], 'no OpenFlow controller runs in this control plane, so no switch counters can be read'));
    },
    planTrace: (request) => planTrace(source.mesh(), source.hosts(), parseTraceInput(request)),
  };
}
