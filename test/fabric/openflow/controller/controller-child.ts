import { createLogger } from '../../../../src/log';
import { ControllerServer, FlowSync, LeaseFileElection, RoleManager } from '../../../../fabric/openflow/controller';
import { HA_OWNER, haFlows } from './ha-flows';
import type { ChildConfig, ChildReport } from './controller-process';

/**
 * A controller instance as its own process (started by controller-process.ts): lease-file
 * election, roles, flow sync of `haFlows(port)` to every switch in `dpids`. Reports on
 * stdout, one JSON line per event, so the test can kill it at a known point.
 */

const config = JSON.parse(process.argv[2]) as ChildConfig;
const log = createLogger('controller-child', 'silent');
const report = (r: ChildReport) => process.stdout.write(JSON.stringify(r) + '\n');

async function main(): Promise<void> {
  const election = await LeaseFileElection.start({ dir: config.electionDir, id: config.name, leaseMs: config.leaseMs, renewMs: config.renewMs, log });
  const roles = new RoleManager(election, { log });
  const server = await ControllerServer.listen(config.listen, { prepare: roles.attach, log });
  const sync = new FlowSync(server, { owner: HA_OWNER, checkIntervalMs: 0, log });
  sync.on('synced', (dpid) => report({ synced: dpid.toString() }));
  for (const dpid of config.dpids) sync.setFlows(BigInt(dpid), haFlows(config.port)).catch((err: Error) => report({ error: err.message }));
  report({ leader: election.isLeader });
}

main().catch((err: Error) => {
  report({ error: err.message });
  process.exit(1);
});
