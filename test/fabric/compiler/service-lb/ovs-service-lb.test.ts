import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { affinitySlots, serviceLbFlows } from '../../../../fabric/compiler/service-lb';
import { encode } from '../../../../fabric/openflow/codec';
import { formatFlows, formatGroup, formatGroups, hostFlows, hostViewFromMesh, type HostView, type PipelineGroup } from '../../../../fabric/pipeline';
import type { Endpoint } from '../../../../src/model/endpoint';
import type { Mesh } from '../../../../src/model/mesh';
import type { PodProcess } from '../../../harness/cluster-process';
import { startPipelineBridge, type PipelineBridge } from '../../pipeline/pipeline-bridge';
import { backend, HOSTS, meshOf, NETWORKS, pod, service } from './meshes';
import { connectMany, startNameServer, tally } from '../../../harness/pod-tcp';

/**
 * Service VIPs on a real br-int (OVS 3.1, userspace datapath, userspace conntrack): a
 * client pod and three backend pods on host A, the host's pipeline plus the service LB's
 * flows and groups, and real TCP connections from the client's kernel to the VIP.
 */

const run = promisify(execFile);
const VIP = '10.96.0.10';
const PORTS = [8080, 9090];
const CLIENT = pod('client', 'blue', '10.0.0.2', 'host-a', { ofport: 1 });
const BACKENDS = [1, 2, 3].map((i) => backend('web', `web-${i}`, 'blue', `10.0.0.1${i}`, 'host-a', { ofport: 1 + i }));
const HOST_A = HOSTS.filter((h) => h.name === 'host-a');

const meshWith = (extra: { sessionAffinity?: 'None' | 'ClientIP'; health?: Record<string, Endpoint['health']> } = {}): Mesh =>
  meshOf(
    [service('web', { vip: VIP, ...(extra.sessionAffinity ? { sessionAffinity: extra.sessionAffinity } : {}) })],
    [CLIENT, ...BACKENDS.map((b) => ({ ...b, health: extra.health?.[b.name] ?? 'healthy' }))],
    [NETWORKS.blue],
  );
const viewOf = (mesh: Mesh): HostView => hostViewFromMesh(mesh, HOST_A, 'host-a')!;

let bridge: PipelineBridge;
const servers: PodProcess[] = [];

/** Installs host A's whole pipeline for `mesh`: hostFlows, then the service LB's flows and groups. */
async function load(mesh: Mesh): Promise<{ flows: string; groups: string }> {
  const view = viewOf(mesh);
  const lb = serviceLbFlows(mesh, view);
  const text = { flows: formatFlows([...hostFlows(view), ...lb.flows]), groups: formatGroups(lb.groups) };
  await bridge.replaceFlowsAndGroups(text.flows, text.groups);
  return text;
}

beforeAll(async () => {
  const view = viewOf(meshWith());
  bridge = await startPipelineBridge({ underlayIp: '192.168.50.1', tunnelOfport: 100, pods: view.endpoints, neighbours: [], networks: view.networks });
  for (const b of BACKENDS) servers.push(await startNameServer(bridge.pod(b.name), b.name, PORTS));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await bridge?.stop();
});

describe('the compiled flows and groups on a real bridge', () => {
  test('OVS holds exactly what formatFlows and formatGroups say', async () => {
    const text = await load(meshWith());
    expect(await bridge.dumpGroups()).toBe(text.groups);
    expect(await bridge.dumpFlows()).toBe(text.flows);
  });

  test('what the flow sync will send (the codec’s GROUP_MODs) is, to OVS, what formatGroup says', async () => {
    // Weights 1, 2, 3: OVS leaves the default out of its text, and so must formatGroup.
    const groups = serviceLbFlows(meshWith(), viewOf(meshWith())).groups.map((g): PipelineGroup => ({ ...g, buckets: g.buckets.map((b, i) => ({ ...b, weight: i + 1 })) }));
    for (const g of groups) {
      const bytes = encode({ type: 'group_mod', xid: 0, command: 'add', groupType: g.groupType, groupId: g.groupId, buckets: g.buckets });
      const { stdout } = await run('ovs-ofctl', ['ofp-print', bytes.toString('hex')]);
      expect(stdout.split('\n')[1].trim()).toBe(`ADD ${formatGroup(g, { tableNames: false })}`);
    }
  });
});

describe('connections from a pod to the VIP', () => {
  beforeAll(() => load(meshWith()));

  test('300 connections spread over the 3 backends; every reply comes from the VIP; backends see the client’s own address', async () => {
    const answers = await connectMany(bridge.pod(CLIENT.name), VIP, 8080, 300);
    const counts = tally(answers);
    // 100 each expected, standard deviation ≈ 8.2: 50..150 is about six of them.
    expect(Object.keys(counts).sort()).toEqual(['web-1', 'web-2', 'web-3']);
    for (const n of Object.values(counts)) expect(n >= 50 && n <= 150).toBe(true);
    expect(new Set(answers.map((a) => a.peer))).toEqual(new Set([VIP]));
    expect(new Set(answers.map((a) => a.seen))).toEqual(new Set([CLIENT.address]));
  });

  test('any port the backends listen on works: DNAT rewrites only the address', async () => {
    const answers = await connectMany(bridge.pod(CLIENT.name), VIP, 9090, 30);
    expect(answers.every((a) => a.name?.startsWith('web-') && a.peer === VIP)).toBe(true);
  });

  test('a port no backend listens on is refused by the backend, from the VIP', async () => {
    const answers = await connectMany(bridge.pod(CLIENT.name), VIP, 7070, 5);
    expect(answers.every((a) => a.name === null)).toBe(true);
  });
});

describe('ClientIP session affinity', () => {
  beforeAll(() => load(meshWith({ sessionAffinity: 'ClientIP' })));

  test('every connection from one client lands on one backend: the one its address’s slot names', async () => {
    const slots = affinitySlots(BACKENDS.map((b) => ({ name: b.name, weight: 1 })));
    const slot = Number(CLIENT.address.split('.')[3]) & (slots.length - 1);
    const answers = await connectMany(bridge.pod(CLIENT.name), VIP, 8080, 100);
    expect(tally(answers)).toEqual({ [slots[slot]]: 100 });
    expect(new Set(answers.map((a) => a.peer))).toEqual(new Set([VIP]));
  });
});

describe('a backend that stops serving', () => {
  test('gets no new connections once the flows and groups are reloaded without it', async () => {
    await load(meshWith({ health: { 'web-3': 'unhealthy' } }));
    expect(await bridge.dumpGroups()).not.toContain('10.0.0.13');
    const answers = await connectMany(bridge.pod(CLIENT.name), VIP, 8080, 150);
    expect(Object.keys(tally(answers)).sort()).toEqual(['web-1', 'web-2']);
  });
});
