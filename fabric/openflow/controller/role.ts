import { describeCause } from '../../../src/errors';
import { rootLogger, type Logger } from '../../../src/log';
import { OpenFlowError } from './errors';
import type { LeaderElection } from './leader-election';
import type { SwitchConnection } from './switch-connection';

/**
 * Keeps this instance's OpenFlow role on every switch in step with the election: master
 * with generation id = term while leading, slave otherwise. Pass `attach` as the
 * ControllerServer's `prepare`, so a switch is announced (and written to) only once its
 * role is set. OVS refuses a slave's writes (OFPBRC_IS_SLAVE) and, when a new master asks,
 * demotes the old one and tells it so.
 */
export class RoleManager {
  private readonly conns = new Set<SwitchConnection>();
  private readonly log: Logger;
  private readonly onChange = () => {
    for (const conn of this.conns) this.apply(conn).catch((err: unknown) => this.log.warn({ switch: conn.id, err: describeCause(err) }, 'role request failed'));
  };

  constructor(
    private readonly election: LeaderElection,
    options: { log?: Logger } = {},
  ) {
    this.log = (options.log ?? rootLogger).child({ component: 'openflow-role' });
    election.on('change', this.onChange);
  }

  /** Sets the role on a new connection and keeps it updated until the connection closes. */
  readonly attach = async (conn: SwitchConnection): Promise<void> => {
    this.conns.add(conn);
    conn.once('close', () => this.conns.delete(conn));
    await this.apply(conn);
  };

  close(): void {
    this.election.off('change', this.onChange);
    this.conns.clear();
  }

  private async apply(conn: SwitchConnection): Promise<void> {
    const role = this.election.isLeader ? 'master' : 'slave';
    try {
      await conn.requestRole(role, this.election.term);
    } catch (err) {
      if (!(err instanceof OpenFlowError && err.errorName === 'OFPRRFC_STALE')) throw err;
      // The switch has seen a newer generation than our election has: another instance
      // leads. Stand by under its generation until the election catches up.
      const current = await conn.requestRole('nochange', 0n);
      await conn.requestRole('slave', current.generationId);
    }
    this.log.info({ switch: conn.id, role: conn.role, term: this.election.term.toString() }, 'OpenFlow role set');
  }
}
