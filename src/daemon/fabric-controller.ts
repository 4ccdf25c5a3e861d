import { describeCause } from '../errors';
import type { Logger } from '../log';
import type { ReportedHost } from '../model/host';
import type { Mesh } from '../model/mesh';
import { ControllerServer, FlowSync } from '../../fabric/openflow/controller';
import { hostFlows, hostViewFromMesh } from '../../fabric/pipeline';

/** Cookie owner of the overlay pipeline's flows (other features get their own owner). */
const OVERLAY_OWNER = 0x1;

/**
 * The central OpenFlow controller of `loom up`: every reported host's br-int connects to
 * it, and gets exactly the flows its view of the mesh calls for, re-derived whenever the
 * mesh or the set of hosts changes (the flow sync sends only differences, atomically).
 */
export class FabricController {
  private mesh: Mesh;
  private hosts: ReportedHost[] = [];

  private constructor(
    private readonly server: ControllerServer,
    private readonly sync: FlowSync,
    mesh: Mesh,
    private readonly log: Logger,
  ) {
    this.mesh = mesh;
    sync.on('syncError', (err: unknown) => log.error({ err }, 'flow sync failed'));
  }

  static async start(addresses: readonly string[], mesh: Mesh, log: Logger): Promise<FabricController> {
    const server = await ControllerServer.listen([...addresses], { log });
    const sync = new FlowSync(server, { owner: OVERLAY_OWNER, log });
    log.info({ openflow: server.addresses }, 'OpenFlow controller listening');
    return new FabricController(server, sync, mesh, log);
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
        const view = hostViewFromMesh(this.mesh, this.hosts, host.name);
        if (!view) continue;
        const dpid = BigInt(`0x${host.datapathId}`);
        // Resolves when the switch holds the flows; a switch that is not connected yet gets them when it connects.
        this.sync.setFlows(dpid, hostFlows(view)).catch((err: unknown) => this.log.error({ err: describeCause(err), host: host.name }, 'flows for host refused'));
      } catch (err) {
        this.log.error({ err: describeCause(err), host: host.name }, 'cannot compute flows for host; its flows stay as they were');
      }
    }
  }
}
