import fs from 'node:fs';
import path from 'node:path';
import type { OvsHost } from '../../../harness/ovs-host';
import { createLogger } from '../../../../src/log';
import { ControllerServer, FlowSync, LeaseFileElection, RoleManager, CookieSpace } from '../../../../fabric/openflow/controller';
import { startControllerProcess, type ControllerProcess } from './controller-process';
import { HA_OWNER, haFlows, haFlowsText } from './ha-flows';
import { addBridge, BRIDGE, controllerSocket, dumpFlows, eventually, setControllers, startBridgeHost } from './ovs-bridge';

/**
 * A controller process killed with SIGKILL while it is master. br-int (fail_mode=secure)
 * keeps its flows; br-open, the same but standalone, falls back to a NORMAL switch once
 * OVS gives up on the controller — the contrast shows OVS did notice the death. Then the
 * standby instance's lease-file election sees the lease expire, it becomes master with
 * the next generation id, and its flows replace the dead one's.
 */

const log = createLogger('test', 'silent');
const LEASE_MS = 6000;
const RENEW_MS = 500;
const SECURE = 0x5ecn;
const OPEN = 0x0fen;
const cookies = new CookieSpace(HA_OWNER);

let host: OvsHost;
let a: ControllerProcess | undefined;

beforeAll(async () => {
  host = await startBridgeHost('of-ha-proc', { dpid: SECURE });
  await addBridge(host, 'br-open', { dpid: OPEN, failMode: 'standalone' });
});
afterAll(async () => {
  await a?.kill();
  await host?.stop();
});

test('master process killed: secure flows survive, standalone fails open, the standby takes over and applies its flows', async () => {
  const electionDir = path.join(host.runDir, 'election');
  fs.mkdirSync(electionDir);
  const [sockA, sockB] = [controllerSocket(host, 'a'), controllerSocket(host, 'b')];
  a = startControllerProcess({ name: 'a', listen: [`unix:${sockA}`], electionDir, leaseMs: LEASE_MS, renewMs: RENEW_MS, dpids: [SECURE, OPEN].map(String), port: 1 });
  expect(await a.report((r) => 'leader' in r)).toEqual({ leader: true });
  // OVS probes an idle controller after 1 s; a standalone bridge fails open after 3 probe intervals without one.
  await setControllers(host, BRIDGE, [`unix:${sockA}`, `unix:${sockB}`], 1000);
  await setControllers(host, 'br-open', [`unix:${sockA}`], 1000);
  await a.report((r) => 'synced' in r && r.synced === String(SECURE));
  await a.report((r) => 'synced' in r && r.synced === String(OPEN));
  expect(await dumpFlows(host, BRIDGE)).toEqual(haFlowsText(cookies, 1));
  expect(await dumpFlows(host, 'br-open')).toEqual(haFlowsText(cookies, 1));

  // The standby: same owner, its own desired flows (port 2), a slave while a's lease is fresh.
  const election = await LeaseFileElection.start({ dir: electionDir, id: 'b', leaseMs: LEASE_MS, renewMs: RENEW_MS, log });
  const roles = new RoleManager(election, { log });
  await using server = await ControllerServer.listen([`unix:${sockB}`], { prepare: roles.attach, log });
  await using sync = new FlowSync(server, { owner: HA_OWNER, checkIntervalMs: 0, log });
  const connB = await server.waitForSwitch(SECURE);
  expect([election.isLeader, connB.role]).toEqual([false, 'slave']);
  const applied = sync.setFlows(SECURE, haFlows(2));

  await a.kill();
  const killedAt = Date.now();
  // Failing open flushes the flows and adds OVS's hidden NORMAL flow (priority 0xf0f0f0, shown only by bridge/dump-flows).
  await eventually(async () => expect(await host.appctl('bridge/dump-flows', 'br-open')).toMatch(/priority=15790320,actions=NORMAL/), 10_000);
  expect(await dumpFlows(host, 'br-open')).toEqual([]);
  expect(Date.now() - killedAt).toBeLessThan(LEASE_MS);
  expect(await dumpFlows(host, BRIDGE)).toEqual(haFlowsText(cookies, 1));
  expect(connB.role).toBe('slave');

  expect(await applied).toEqual({ added: 3, deleted: 3, flows: 3 });
  // The lease ran out LEASE_MS after a's last renewal, at most RENEW_MS before its death.
  expect(Date.now() - killedAt).toBeGreaterThanOrEqual(LEASE_MS - RENEW_MS - 100);
  expect([election.isLeader, election.term, connB.role]).toEqual([true, 2n, 'master']);
  expect(await dumpFlows(host, BRIDGE)).toEqual(haFlowsText(cookies, 2));
  roles.close();
  await election.close();
}, 30_000);
