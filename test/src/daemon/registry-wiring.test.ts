import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Consul from 'consul';
import { loom, startLoomUp, type LoomUp } from '../../harness/loom-process';
import { consulClient, dig } from '../registry/registry-fixture';

/**
 * `loom up` runs the embedded registry and both sync directions: what is applied to Loom
 * is in the Consul catalog and DNS, and what others register in Consul is a mesh service.
 */
describe('loom up with its embedded registry', () => {
  let up: LoomUp;
  let consul: Consul;
  const cli = (...args: string[]) => loom(args, { LOOM_API: up.api });
  const eventually = async (probe: () => Promise<boolean> | boolean, what: string) => {
    const deadline = Date.now() + 5_000;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    up = await startLoomUp();
    consul = consulClient(up.consulApi);
  });
  afterAll(async () => {
    consul?.destroy();
    await up?.stop();
  });

  it('registers applied endpoints in the Consul catalog and DNS', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loom-wiring-')), 'mesh.yaml');
    fs.writeFileSync(file, 'kind: Service\nname: echo\nports: [{port: 50051, protocol: grpc}]\n---\nkind: Endpoint\nname: b1\nservice: echo\naddress: 10.1.0.7\nport: 50061\n');
    expect(cli('apply', '-f', file).status).toBe(0);
    await eventually(async () => (await consul.health.service({ service: 'echo', passing: true })).length === 1, 'echo in the catalog');
    const [entry] = await consul.health.service({ service: 'echo', passing: true });
    expect(entry.Service).toMatchObject({ ID: 'b1', Service: 'echo', Address: '10.1.0.7', Port: 50061 });
    const dnsPort = Number(up.dns.split(':').pop());
    expect((await dig(dnsPort, '+short', 'echo.service.consul', 'A')).trim()).toBe('10.1.0.7');
  });

  it('turns a service registered through the Consul API into a mesh service', async () => {
    await consul.agent.service.register({ name: 'billing', id: 'billing-1', address: '10.2.0.9', port: 8080, meta: { protocol: 'http' } });
    await eventually(() => cli('get', 'services').stdout.includes('billing'), 'billing in loom get services');
    expect(cli('get', 'endpoints').stdout).toMatch(/billing-billing-1\s+billing\s+10\.2\.0\.9:8080\s+healthy/);
  });
});
