import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../src/log';
import { startDaemon, type RunningDaemon } from '../../../src/daemon/daemon';

/**
 * `GET /v1/stats/securitygroups` and `POST /v1/trace` of a control plane without an
 * OpenFlow controller: rule hits are unavailable (null, with the reason), never 0; trace
 * plans come from the model and the host reports alone, and bad requests are 400s naming
 * the field and what is accepted.
 */

const MESH = `kind: Network
name: blue
cidr: 10.50.0.0/24
vni: 500
gateway: 10.50.0.1
---
kind: Endpoint
name: p
network: blue
address: 10.50.0.2
mac: 0a:58:0a:32:00:02
host: host-a
ofport: 3
labels: {app: web}
---
kind: Endpoint
name: q
network: blue
address: 10.50.0.3
mac: 0a:58:0a:32:00:03
host: host-a
ofport: 4
---
kind: SecurityGroup
name: web
members: {selector: {app: web}}
ingress: [{protocol: tcp, ports: [80], from: [{cidr: 10.0.0.0/8}]}]
`;

describe('fabric diagnostics API', () => {
  let daemon: RunningDaemon;
  const call = async (method: string, urlPath: string, body?: unknown) => {
    const res = await fetch(daemon.apiUrl + urlPath, {
      method,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headers: body === undefined ? undefined : { 'content-type': typeof body === 'string' ? 'application/yaml' : 'application/json' },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-diag-api-'));
    daemon = await startDaemon({ xds: { host: '127.0.0.1', port: 0 }, api: { host: '127.0.0.1', port: 0 }, dataDir }, createLogger('test', 'warn'));
    expect((await call('POST', '/v1/apply', MESH)).status).toBe(200);
  });
  afterAll(async () => daemon?.close());

  it('lists every rule with hits unavailable, and why, when no controller runs; GET /v1/securitygroups is unchanged', async () => {
    expect(await call('GET', '/v1/stats/securitygroups')).toEqual({
      status: 200,
      body: {
        available: false,
        reason: 'no OpenFlow controller runs in this control plane, so no switch counters can be read',
        counted: [],
        missing: [],
        rules: [{ kind: 'rule', group: 'web', direction: 'ingress', index: 0, description: 'group web ingress[0]: tcp 80 from cidr 10.0.0.0/8', hits: null, byHost: {} }],
      },
    });
    expect((await call('GET', '/v1/securitygroups')).body).toEqual({ items: [expect.objectContaining({ kind: 'SecurityGroup', name: 'web' })] });
  });

  it('plans a trace once the pod’s host has reported, with the control socket its agent reported', async () => {
    const before = await call('POST', '/v1/trace', { from: 'q', to: 'p', proto: 'tcp', dport: 80 });
    expect(before).toEqual({ status: 400, body: { error: 'trace request: from: pod "q" is on host "host-a", which has not reported: its agent is not running or cannot reach this control plane' } });
    const report = { underlayIp: '192.168.50.1', datapathType: 'netdev', tunnelOfport: 1, vswitchdCtl: '/run/openvswitch/ovs-vswitchd.ctl' };
    expect((await call('PUT', '/v1/hosts/host-a', report)).status).toBe(200);
    const plan = await call('POST', '/v1/trace', { from: 'q', to: 'p', proto: 'tcp', dport: 80 });
    expect(plan).toMatchObject({
      status: 200,
      body: {
        hops: [
          {
            host: 'host-a',
            bridge: 'br-int',
            vswitchdCtl: '/run/openvswitch/ovs-vswitchd.ctl',
            flow: 'in_port=4,tcp,dl_src=0a:58:0a:32:00:03,dl_dst=0a:58:0a:32:00:02,nw_src=10.50.0.3,nw_dst=10.50.0.2,nw_ttl=64,tcp_src=49152,tcp_dst=80,tcp_flags=syn',
          },
        ],
        rules: { 'host-a': [expect.objectContaining({ group: 'web', direction: 'ingress', index: 0, ofports: [3] })] },
      },
    });
  });

  it('refuses a relative control socket in a host report', async () => {
    const bad = await call('PUT', '/v1/hosts/host-b', { underlayIp: '192.168.50.2', datapathType: 'netdev', vswitchdCtl: 'ovs-vswitchd.ctl' });
    expect(bad).toMatchObject({ status: 400, body: { error: expect.stringContaining('vswitchdCtl: expected an absolute path') } });
  });

  it.each([
    ['an unknown pod', { from: 'ghost', to: 'p', proto: 'tcp', dport: 80 }, 'trace request: from: no endpoint named "ghost"; pods: p, q'],
    ['ports with icmp', { from: 'q', to: 'p', proto: 'icmp', sport: 1 }, 'trace request: sport: icmp has no ports (an echo request is traced); give ports with tcp or udp only'],
    ['an address of nothing', { from: 'q', to: '10.50.0.99', proto: 'udp', dport: 53 }, 'trace request: to: "10.50.0.99" is none of these; expected a pod\'s name, a pod\'s address in network blue, or a Service VIP (no service has a VIP)'],
  ])('answers %s with 400 naming the field', async (_what, body, error) => {
    expect(await call('POST', '/v1/trace', body)).toEqual({ status: 400, body: { error } });
  });

  it('answers a body that is not JSON with 400', async () => {
    const res = await fetch(`${daemon.apiUrl}/v1/trace`, { method: 'POST', body: 'from p to q', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^trace request: expected a JSON object/);
  });
});
