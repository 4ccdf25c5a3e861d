import { EventEmitter } from 'node:events';
import type { OvsHost } from '../../../harness/ovs-host';
import { createLogger } from '../../../../src/log';
import {
  BatchError,
  BundleError,
  commitBundle,
  ControllerServer,
  FlowSync,
  MemoryElectionGroup,
  OpenFlowError,
  RoleManager,
  type LeaderElection,
  type SwitchConnection,
} from '../../../../fabric/openflow/controller';
import { HA_OWNER, haFlows, haFlowsText } from './ha-flows';
import { BRIDGE, controllerSocket, dumpFlows, eventually, setControllers, startBridgeHost } from './ovs-bridge';

/**
 * Two controller instances on one switch, roles driven by an in-process election: OVS
 * refuses the slave's writes, and when the master goes the slave takes over with a higher
 * generation id. (ha-process.test.ts does the same across processes, killing one.)
 */

const log = createLogger('test', 'silent');
const DPID = 0xbeefn;

interface Instance {
  name: string;
  election: LeaderElection;
  roles: RoleManager;
  server: ControllerServer;
  sync: FlowSync;
  target: string;
  conn(): Promise<SwitchConnection>;
  close(): Promise<void>;
}

async function startInstance(host: OvsHost, name: string, election: LeaderElection): Promise<Instance> {
  const socket = controllerSocket(host, name);
  const roles = new RoleManager(election, { log });
  const server = await ControllerServer.listen([`unix:${socket}`], { prepare: roles.attach, log });
  const sync = new FlowSync(server, { owner: HA_OWNER, checkIntervalMs: 0, log });
  return {
    name,
    election,
    roles,
    server,
    sync,
    target: `unix:${socket}`,
    conn: () => server.waitForSwitch(DPID),
    close: async () => {
      await sync.close();
      roles.close();
      await server.close();
    },
  };
}

let host: OvsHost;
let group: MemoryElectionGroup;
let a: Instance;
let b: Instance;

beforeAll(async () => {
  host = await startBridgeHost('of-ha', { dpid: DPID });
  group = new MemoryElectionGroup();
  a = await startInstance(host, 'a', group.join());
  b = await startInstance(host, 'b', group.join());
  await setControllers(host, BRIDGE, [a.target, b.target]);
  await Promise.all([a.conn(), b.conn()]);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await host?.stop();
});

test('the elected instance is master, the other slave: OVS refuses the slave’s FLOW_MOD and bundle with OFPBRC_IS_SLAVE', async () => {
  const [connA, connB] = [await a.conn(), await b.conn()];
  expect([connA.role, connB.role]).toEqual(['master', 'slave']);
  expect(await a.sync.setFlows(DPID, haFlows(1))).toMatchObject({ added: 3 });

  const write = { type: 'flow_mod' as const, command: 'add' as const, priority: 99, match: {} };
  const err = (await connB.sendAll([write]).catch((e: unknown) => e)) as BatchError;
  expect(err).toBeInstanceOf(BatchError);
  expect(err.errors.map((e) => e.errorName)).toEqual(['OFPBRC_IS_SLAVE']);
  const bundle = (await commitBundle(connB, [write]).catch((e: unknown) => e)) as BundleError;
  expect(bundle.controlError?.errorName).toBe('OFPBRC_IS_SLAVE');

  // The slave keeps its desired state without writing it; nothing changed on the switch.
  const pending = b.sync.setFlows(DPID, haFlows(2));
  let settled = false;
  void pending.then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(settled).toBe(false);
  expect(b.sync.status(DPID)).toMatchObject({ connected: true, canWrite: false, inSync: false });
  expect(await dumpFlows(host)).toEqual(haFlowsText(a.sync.cookies, 1));
});

test('failover: the master goes, the slave is promoted with a higher generation id and its flows apply; the old master is fenced', async () => {
  const [connA, connB] = [await a.conn(), await b.conn()];
  const applied = b.sync.setFlows(DPID, haFlows(2, 4));
  const demoted = new Promise((resolve) => connA.once('role', resolve));
  await a.election.close();
  expect(group.currentTerm()).toBe(2n);
  expect(await applied).toEqual({ added: 4, deleted: 3, flows: 4 });
  expect(connB.role).toBe('master');
  expect(await dumpFlows(host)).toEqual(haFlowsText(b.sync.cookies, 2, 4));

  // OVS told the old master it is a slave now, and refuses it the master role under its old generation.
  expect(await demoted).toBe('slave');
  const stale = await connA.requestRole('master', 1n).catch((e: unknown) => e);
  expect(stale).toBeInstanceOf(OpenFlowError);
  expect((stale as OpenFlowError).errorName).toBe('OFPRRFC_STALE');
  expect(a.sync.status(DPID)?.canWrite).toBe(false);
});

test('an instance whose election lags behind the switch stands by under the switch’s generation', async () => {
  // Believes it leads in term 1, while the switch has seen generation 2.
  const lagging: LeaderElection = Object.assign(new EventEmitter(), { isLeader: true, term: 1n, close: async () => undefined });
  const c = await startInstance(host, 'c', lagging);
  try {
    await setControllers(host, BRIDGE, [b.target, c.target]);
    const connC = await c.conn();
    expect(connC.role).toBe('slave');
    await eventually(async () => expect((await connC.requestRole('nochange', 0n)).generationId).toBe(2n));
    expect((await b.conn()).role).toBe('master');
  } finally {
    await c.close();
  }
});
