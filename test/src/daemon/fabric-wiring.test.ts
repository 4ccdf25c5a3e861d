import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../src/log';
import type { ReportedHost } from '../../../src/model/host';
import { startDaemon, type RunningDaemon } from '../../../src/daemon/daemon';
import { formatFlows, hostFlows, hostViewFromMesh } from '../../../fabric/pipeline';
import { startPipelineBridge, type PipelineBridge } from '../../fabric/pipeline/pipeline-bridge';

/**
 * The control plane programs a real OVS: a host reports itself, pods are applied as
 * Endpoints, and `loom`'s own OpenFlow controller (not ovs-ofctl) installs exactly the
 * pipeline's flows for that host — pods then reach each other, and lose each other when
 * the mesh says so. OVS losing its flows (an ovs-vswitchd restart) is repaired.
 */
const UNDERLAY = '192.168.61.2';
const TUNNEL_OFPORT = 100;
const PODS = [
  { name: 'pa', network: 'pods', ip: '10.61.0.2', mac: '0a:58:0a:3d:00:02', host: 'host-a', ofport: 1 },
  { name: 'pb', network: 'pods', ip: '10.61.0.3', mac: '0a:58:0a:3d:00:03', host: 'host-a', ofport: 2 },
];

describe('loom up programs OVS through its OpenFlow controller', () => {
  let bridge: PipelineBridge;
  let daemon: RunningDaemon;
  const api = async (method: string, urlPath: string, body?: string, contentType = 'application/yaml') => {
    const res = await fetch(daemon.apiUrl + urlPath, { method, body, headers: body ? { 'content-type': contentType } : undefined });
    if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const ping = async (from: string, to: string) => {
    try {
      await bridge.pod(from).exec('ping', ['-c', '1', '-W', '1', to]);
      return true;
    } catch {
      return false;
    }
  };
  const eventually = async (probe: () => Promise<boolean>, what: string, timeoutMs = 5_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const expectedFlows = async () => {
    const mesh = daemon.manager.current();
    const hosts = ((await api('GET', '/v1/hosts')) as { items: ReportedHost[] }).items;
    return formatFlows(hostFlows(hostViewFromMesh(mesh, hosts, 'host-a')!), { tableNames: true });
  };

  beforeAll(async () => {
    bridge = await startPipelineBridge({ underlayIp: UNDERLAY, tunnelOfport: TUNNEL_OFPORT, pods: PODS, neighbours: [] });
    const socket = path.join(bridge.host.runDir, 'loom-controller.sock');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-fabric-'));
    daemon = await startDaemon({ xds: { host: '127.0.0.1', port: 0 }, api: { host: '127.0.0.1', port: 0 }, dataDir, openflow: [`unix:${socket}`] }, createLogger('test', 'warn'));
    await bridge.host.vsctl('set-controller', 'br-int', `unix:${socket}`);
    const datapathId = (await bridge.host.vsctl('get', 'bridge', 'br-int', 'datapath_id')).trim().replace(/"/g, '');
    await api('PUT', '/v1/hosts/host-a', JSON.stringify({ underlayIp: UNDERLAY, datapathType: 'netdev', tunnelOfport: TUNNEL_OFPORT, datapathId }), 'application/json');
    const pods = PODS.map((p) => `kind: Endpoint\nname: ${p.name}\nnetwork: pods\naddress: ${p.ip}\nmac: ${p.mac}\nhost: host-a\nofport: ${p.ofport}\n`);
    await api('POST', '/v1/apply', ['kind: Network\nname: pods\ncidr: 10.61.0.0/24\nvni: 61\n', ...pods].join('---\n'));
  });
  afterAll(async () => {
    await daemon?.close();
    await bridge?.stop();
  });

  it('installs exactly the pipeline flows for the host, and pods reach each other', async () => {
    await eventually(() => ping('pa', '10.61.0.3'), 'pa reaches pb');
    expect(await bridge.dumpFlows()).toBe(await expectedFlows());
  });

  it('follows the mesh: a deleted pod is no longer reachable', async () => {
    await api('DELETE', '/v1/endpoints/pb');
    await eventually(async () => !(await ping('pa', '10.61.0.3')), 'pb unreachable');
    expect(await bridge.dumpFlows()).toBe(await expectedFlows());
    await api('POST', '/v1/apply', `kind: Endpoint\nname: pb\nnetwork: pods\naddress: 10.61.0.3\nmac: 0a:58:0a:3d:00:03\nhost: host-a\nofport: 2\n`);
    await eventually(() => ping('pa', '10.61.0.3'), 'pb back');
  });

  it('accepts an endpoint on a host that has not reported yet, and keeps programming the others', async () => {
    await api('POST', '/v1/apply', 'kind: Endpoint\nname: pz\nnetwork: pods\naddress: 10.61.0.9\nmac: 0a:58:0a:3d:00:09\nhost: not-yet\n');
    await api('DELETE', '/v1/endpoints/pb');
    await eventually(async () => !(await ping('pa', '10.61.0.3')), 'pb cut off after the pz apply');
    expect(await bridge.dumpFlows()).toBe(await expectedFlows());
    await api('POST', '/v1/apply', `kind: Endpoint\nname: pb\nnetwork: pods\naddress: 10.61.0.3\nmac: 0a:58:0a:3d:00:03\nhost: host-a\nofport: 2\n`);
    await eventually(() => ping('pa', '10.61.0.3'), 'pb back');
  });

  it('restores the flow table after an ovs-vswitchd restart', async () => {
    await bridge.host.restartVswitchd();
    await eventually(() => ping('pa', '10.61.0.3'), 'connectivity after restart', 10_000);
    expect(await bridge.dumpFlows()).toBe(await expectedFlows());
  });
});
