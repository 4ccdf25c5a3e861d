import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { ADDRESS_SETTINGS, parseHostPort } from '../../../src/config';
import { sidecarBootstrap } from '../../../sidecar/bootstrap/sidecar-bootstrap';
import { PROXY_PORTS } from '../../../sidecar/redirect/proxy-ports';
import { decodeAny, encodeMessage } from '../../../xds/protos';
import { ENVOY_VIRTUAL_OUTBOUND_PORT } from '../../../xds/resources/names';
import { LISTENER_TYPE_URL } from '../../../xds/resources/type-urls';
import { AdsTestClient, sotwResources } from '../../harness/ads-test-client';
import { startLoomUp, type LoomUp } from '../../harness/loom-process';
import { runSidecarCommand } from '../harness/run-sidecar-command';
import { makeThrowawayTls } from '../harness/throwaway-tls';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';

function bootstrapOf(manifest: string) {
  return JSON.parse(parse(manifest).metadata.annotations['loom.io/envoy-bootstrap']);
}

/** Encodes strictly (an unknown field throws) and decodes again: nothing may be lost. */
function roundTrip(bootstrap: Record<string, unknown>): unknown {
  const value = encodeMessage(BOOTSTRAP, bootstrap);
  const { '@type': _type, ...decoded } = decodeAny({ type_url: `type.googleapis.com/${BOOTSTRAP}`, value });
  return decoded;
}

describe('sidecar bootstrap', () => {
  const xds = { host: 'loom-xds.loom-system.svc', port: 18000 };

  it('encodes through the Envoy v3 Bootstrap proto without unknown or dropped fields', () => {
    const plain = sidecarBootstrap({ cluster: 'web', xds });
    expect(roundTrip(plain)).toEqual(plain);
    const tls = sidecarBootstrap({ cluster: 'web', xds, xdsTls: { caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' } });
    expect(roundTrip(tls)).toEqual(tls);
  });

  it('matches the redirect: inbound passthrough on the inbound port, outbound port served by xDS', () => {
    const b = sidecarBootstrap({ cluster: 'web', xds }) as { static_resources: { listeners: { name: string; address: unknown }[] }; admin: unknown };
    const ports = Object.fromEntries(b.static_resources.listeners.map((l) => [l.name, l.address]));
    expect(ports).toEqual({
      virtualInbound: { socket_address: { address: '0.0.0.0', port_value: PROXY_PORTS.inbound } },
      'loom-readiness': { socket_address: { address: '0.0.0.0', port_value: PROXY_PORTS.readiness } },
    });
    expect(b.admin).toEqual({ address: { socket_address: { address: '127.0.0.1', port_value: PROXY_PORTS.admin } } });
    expect(ENVOY_VIRTUAL_OUTBOUND_PORT).toBe(PROXY_PORTS.outbound);
  });

  it('uses ADS for LDS and CDS, and TLS to the xDS server when configured, checking its name', () => {
    const b = sidecarBootstrap({ cluster: 'web', xds, xdsTls: { caPem: 'PEM' } }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(b.node).toEqual({ cluster: 'web' });
    expect(b.dynamic_resources.lds_config).toEqual({ ads: {}, resource_api_version: 'V3' });
    expect(b.dynamic_resources.cds_config).toEqual({ ads: {}, resource_api_version: 'V3' });
    const xdsCluster = b.static_resources.clusters.find((c: { name: string }) => c.name === 'loom-xds');
    expect(xdsCluster.type).toBe('STRICT_DNS');
    expect(xdsCluster.transport_socket.typed_config).toMatchObject({
      sni: xds.host,
      common_tls_context: { validation_context: { trusted_ca: { inline_string: 'PEM' }, match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: xds.host } }] } },
    });
  });
});

describe("injected bootstrap points at loom up's xDS address", () => {
  let up: LoomUp;
  let manifest: string;
  beforeAll(async () => {
    up = await startLoomUp();
    manifest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loom-inject-')), 'pod.yaml');
    fs.writeFileSync(manifest, 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers: [{name: web, image: nginx}]\n');
  });
  afterAll(async () => {
    await up?.stop();
    fs.rmSync(path.dirname(manifest), { recursive: true, force: true });
  });

  const xdsEndpointOf = async (args: string[], env: Record<string, string> = {}) => {
    const r = await runSidecarCommand(['inject', '-f', manifest, ...args], env);
    expect(r.error).toBeUndefined();
    const bootstrap = bootstrapOf(r.stdout);
    expect(() => roundTrip(bootstrap)).not.toThrow();
    const xdsCluster = bootstrap.static_resources.clusters.find((c: { name: string }) => c.name === 'loom-xds');
    return xdsCluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
  };

  it('follows LOOM_XDS_ADDR, the variable loom up reads, and --xds', async () => {
    const { host, port } = parseHostPort(up.xds, 'loom up');
    expect(await xdsEndpointOf([], { LOOM_XDS_ADDR: up.xds })).toEqual({ address: host, port_value: port });
    expect(await xdsEndpointOf(['--xds', up.xds])).toEqual({ address: host, port_value: port });
  });

  it('reaches a Loom xDS server there, whose outbound listener is on the port the redirect uses', async () => {
    const endpoint = await xdsEndpointOf(['--xds', up.xds]);
    const client = AdsTestClient.sotw(`${endpoint.address}:${endpoint.port_value}`, { id: 'web-1.shop', cluster: 'web', user_agent_name: 'envoy' });
    try {
      client.send({ type_url: LISTENER_TYPE_URL });
      const listeners = sotwResources(await client.next(5000));
      const outbound = listeners.find((l) => l.name === 'virtualOutbound') as { address: { socket_address: { port_value: number } } } | undefined;
      expect(outbound?.address.socket_address.port_value).toBe(PROXY_PORTS.outbound);
    } finally {
      client.close();
    }
  });

  it("defaults to loom up's default xDS address", async () => {
    const { host, port } = parseHostPort(ADDRESS_SETTINGS.xds.default, 'default');
    const saved = process.env.LOOM_XDS_ADDR;
    delete process.env.LOOM_XDS_ADDR;
    try {
      expect(await xdsEndpointOf([])).toEqual({ address: host, port_value: port });
    } finally {
      if (saved !== undefined) process.env.LOOM_XDS_ADDR = saved;
    }
  });

  it('inlines the CA given with --xds-ca, so the proxy connects with TLS', async () => {
    const tls = makeThrowawayTls();
    const r = await runSidecarCommand(['inject', '-f', manifest, '--xds', up.xds, '--xds-ca', tls.caCert]);
    const bootstrap = bootstrapOf(r.stdout);
    const xdsCluster = bootstrap.static_resources.clusters.find((c: { name: string }) => c.name === 'loom-xds');
    expect(xdsCluster.transport_socket.typed_config.common_tls_context.validation_context.trusted_ca.inline_string).toBe(fs.readFileSync(tls.caCert, 'utf8'));
    expect(() => roundTrip(bootstrap)).not.toThrow();
    fs.rmSync(tls.dir, { recursive: true });
  });
});
