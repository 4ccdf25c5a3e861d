import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeMessage } from '../../../xds/protos';
import { loom, startLoomUp, type LoomUp } from '../../harness/loom-process';

const MESH = `
kind: Service
name: echo
ports: [{port: 50051, protocol: grpc}]
---
kind: Endpoint
name: b1
service: echo
address: 127.0.0.1
port: 50061
---
kind: Route
name: echo
service: echo
pinning: {onUnknown: fail}
`;

describe('loom CLI against loom up', () => {
  let up: LoomUp;
  let dir: string;
  const cli = (...args: string[]) => loom(args, { LOOM_API: up.api });

  beforeAll(async () => {
    up = await startLoomUp();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-cli-'));
    fs.writeFileSync(path.join(dir, 'mesh.yaml'), MESH);
  });
  afterAll(async () => up?.stop());

  it('applies a file and lists what it made', () => {
    const applied = cli('apply', '-f', path.join(dir, 'mesh.yaml'));
    expect(applied).toMatchObject({ status: 0, stdout: 'service/echo created\nendpoint/b1 created\nroute/echo created\n' });
    expect(cli('get', 'services').stdout).toMatch(/^NAME\s+PORTS\s+LOAD BALANCER\s+LABELS\necho\s+50051\/grpc\s+round_robin\s+-\n$/);
    expect(cli('get', 'endpoints', '-o', 'json').stdout).toContain('"address": "127.0.0.1"');
    expect(cli('get', 'routes').stdout).toContain('unknown: fail');
    expect(cli('apply', '-f', path.join(dir, 'mesh.yaml')).stdout).toContain('service/echo unchanged');
  });

  it('refuses a bad file with one clear message and changes nothing', () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'kind: Endpoint\nname: b2\nservice: echo\naddress: 127.0.0.1\nport: 50062\n---\nkind: Route\nname: other\nservice: ghost\n');
    const r = cli('apply', '-f', bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`loom: error: ${bad}:7: document 2 (Route other): service: service "ghost" does not exist; known services: echo (nothing was applied)\n`);
    expect(cli('get', 'endpoints').stdout).not.toContain('b2');
  });

  it('reads standard input with -f -', () => {
    const r = loom(['apply', '-f', '-'], { LOOM_API: up.api }, 'kind: Service\nname: web\nports: [{port: 80, protocol: http}]\n');
    expect(r).toMatchObject({ status: 0, stdout: 'service/web created\n' });
  });

  it('deletes, and refuses to delete what is still referred to', () => {
    expect(cli('delete', 'service', 'echo')).toMatchObject({ status: 1, stderr: expect.stringContaining('still referred to by Endpoint b1, Route echo') });
    expect(cli('delete', 'service', 'web')).toMatchObject({ status: 0, stdout: 'service/web deleted\n' });
    expect(cli('delete', 'service', 'web')).toMatchObject({ status: 1, stderr: 'loom: error: Service "web" not found\n' });
    expect(cli('get', 'widgets')).toMatchObject({ status: 1, stderr: expect.stringContaining('expected one of services, endpoints, routes') });
  });

  it('reports no proxies before any connect', () => {
    expect(cli('proxy-status')).toMatchObject({ status: 0, stdout: 'No xDS clients connected.\n' });
  });

  it('says clearly when the API cannot be reached', () => {
    const r = loom(['get', 'services'], { LOOM_API: 'http://127.0.0.1:9' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cannot reach the Loom API at http://127.0.0.1:9 (is `loom up` running?');
  });

  it('prints security groups as a row per rule with -o wide, hits n/a while no switch is connected', () => {
    const file = path.join(dir, 'groups.yaml');
    fs.writeFileSync(file, 'kind: SecurityGroup\nname: web\nmembers: {selector: {app: web}}\ningress: [{protocol: tcp, ports: [80, "8000-8080"], from: [{cidr: 10.0.0.0/8}]}]\negress: []\n');
    expect(cli('apply', '-f', file)).toMatchObject({ status: 0, stdout: 'securitygroup/web created\n' });
    expect(cli('get', 'securitygroups', '-o', 'wide')).toEqual({
      status: 0,
      stderr: '',
      stdout: [
        'GROUP   RULE         DESCRIPTION                             HITS',
        'web     ingress[0]   tcp 80,8000-8080 from cidr 10.0.0.0/8   n/a',
        '',
        'hits unavailable: no host’s br-int is connected to this control plane’s OpenFlow controller',
        '',
      ].join('\n'),
    });
    expect(cli('get', 'securitygroups', 'nope', '-o', 'wide')).toMatchObject({ status: 1, stderr: 'loom: error: SecurityGroup "nope" not found\n' });
    expect(cli('get', 'services', '-o', 'wide').stdout).toMatch(/^NAME\s+PORTS\s+LOAD BALANCER/);
    expect(cli('delete', 'securitygroup', 'web').status).toBe(0);
  });

  it('keeps state across a restart', async () => {
    await up.stop();
    up = await startLoomUp(up.dataDir);
    expect(cli('get', 'endpoints').stdout).toMatch(/b1\s+echo\s+127\.0\.0\.1:50061/);
  });
});

describe('loom bootstrap', () => {
  it('prints an Envoy bootstrap that encodes through the Bootstrap proto and points at the xDS address', () => {
    const r = loom(['bootstrap', '--node-id', 'web-1.default', '--xds', '10.1.2.3:18000']);
    expect(r.status).toBe(0);
    const bootstrap = JSON.parse(r.stdout);
    expect(() => encodeMessage('envoy.config.bootstrap.v3.Bootstrap', bootstrap)).not.toThrow();
    expect(bootstrap.node).toEqual({ id: 'web-1.default', cluster: 'web-1.default' });
    expect(bootstrap.dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name).toBe('loom-xds');
    expect(bootstrap.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '10.1.2.3', port_value: 18000 });
    expect(bootstrap.admin.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 15000 });
  });

  it('defaults to the xDS address of loom up, and honours LOOM_XDS_ADDR', () => {
    const grpc = JSON.parse(loom(['bootstrap', '--node-id', 'n1', '--format', 'grpc']).stdout);
    expect(grpc.xds_servers[0]).toEqual({ server_uri: '127.0.0.1:18000', channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] });
    const fromEnv = JSON.parse(loom(['bootstrap', '--node-id', 'n1', '--format', 'grpc'], { LOOM_XDS_ADDR: '127.0.0.1:19000' }).stdout);
    expect(fromEnv.xds_servers[0].server_uri).toBe('127.0.0.1:19000');
  });

  it('refuses a malformed address, naming where it came from', () => {
    expect(loom(['bootstrap', '--node-id', 'n1', '--xds', 'nowhere'])).toMatchObject({ status: 1, stderr: expect.stringContaining('--xds: "nowhere" is not an address; expected host:port') });
  });
});

describe('loom agent', () => {
  it('is a command of loom, and names every flag it is missing, with what it accepts', () => {
    const r = loom(['agent', '--host', 'node-1', '--api', 'http://127.0.0.1:7070', '--api', 'http://127.0.0.2:7070']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--underlay-ip: required, e\.g\. --underlay-ip 192\.168\.50\.1\/24[^]*--controller: required \(repeatable\)/);
  });
});
