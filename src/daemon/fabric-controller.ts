import { describeCause } from '../errors';
import type { Logger } from '../log';
import type { ReportedHost } from '../model/host';
import type { Mesh } from '../model/mesh';
import { ControllerServer, FlowSync, RoleManager, type LeaderElection } from '../../fabric/openflow/controller';
import { hostState } from '../../fabric/compiler';

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
    this.reconcile();
  }

  hostsChanged(hosts: ReportedHost[]): void {
    this.hosts = hosts;
    this.reconcile();
  }

  async close(): Promise<void> {
    this.roles?.close();
    await this.sync.close();
    await this.server.close();
  }

  /**
   * Runs inside the state store's change notification: whatever goes wrong for one host
   * is logged for that host and must not stop the others, nor the change itself.
   */
  private reconcile(): void {
    for (const host of this.hosts) {
      if (!host.datapathId) continue;
      try {
        const state = hostState(this.mesh, this.hosts, host.name);
        if (!state) continue;
        const dpid = BigInt(`0x${host.datapathId}`);
        // Resolves when the switch holds the flows; a switch that is not connected yet gets them when it connects.
        this.sync.setFlows(dpid, state.flows, state.groups).catch((err: unknown) => this.log.error({ err: describeCause(err), host: host.name }, 'flows for host refused'));
      } catch (err) {
        this.log.error({ err: describeCause(err), host: host.name }, 'cannot compute flows for host; its flows stay as they were');
      }
    }
  }
}
