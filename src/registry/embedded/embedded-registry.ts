import os from 'node:os';
import { formatHostPort, type HostPort } from '../../config';
import type { Logger } from '../../log';
import type { Registry } from '../registry';
import { CatalogFile } from './catalog-file';
import { CatalogState } from './catalog-state';
import type { AgentNode } from './catalog-writes';
import { CheckRunner } from './check-runner';
import { startDnsServer } from './dns-server';
import { buildConsulHttpApi } from './http-api';
import { LocalRegistry } from './local-registry';

/**
 * The registry of `loom up` when no Consul is given: Consul's HTTP API and DNS
 * interface served by Loom itself, over one catalog persisted in the data dir. The
 * returned `registry` is the same catalog for in-process use (no HTTP).
 */

export interface EmbeddedRegistryOptions {
  /** Consul HTTP API, e.g. 127.0.0.1:8500 (port 0 picks a free one). */
  http: HostPort;
  /** DNS on UDP and TCP, e.g. 127.0.0.1:8600 (port 0 picks a free one). */
  dns: HostPort;
  dataDir: string;
  log: Logger;
  /** This agent's node name; default the host name, as Consul's. */
  nodeName?: string;
  datacenter?: string;
}

export interface EmbeddedRegistry {
  registry: Registry;
  /** `http://127.0.0.1:8500` — what `CONSUL_HTTP_ADDR` should be for Consul tools. */
  httpUrl: string;
  dnsPort: number;
  nodeName: string;
  /** Blocking queries waiting right now (HTTP and in-process), e.g. for a gauge. */
  blockingQueries(): number;
  close(): Promise<void>;
}

export async function startEmbeddedRegistry(opts: EmbeddedRegistryOptions): Promise<EmbeddedRegistry> {
  const log = opts.log.child({ component: 'registry' });
  const { file, data } = await CatalogFile.open(opts.dataDir);
  const state = new CatalogState(data);
  const agent: AgentNode = {
    node: opts.nodeName ?? dnsSafe(os.hostname()),
    // Services registered without an address are reached at the agent's address.
    address: opts.http.host === '0.0.0.0' || opts.http.host === '::' ? '127.0.0.1' : opts.http.host,
    datacenter: opts.datacenter ?? 'dc1',
  };
  const durable = () => file.save(() => state.toData());
  state.onCommit(() => void durable().catch((err: unknown) => log.error({ err, file: file.file }, 'cannot persist the registry')));
  ensureAgentNode(state, agent, data?.nodes.find((n) => n.Node === agent.node)?.ID);

  const checks = new CheckRunner(state, agent, log);
  const api = buildConsulHttpApi({ state, agent, checks, durable, log });
  let dns: Awaited<ReturnType<typeof startDnsServer>> | undefined;
  try {
    await api.listen({ host: opts.http.host, port: opts.http.port }).catch((err: Error) => {
      throw new Error(`Consul API cannot listen on ${formatHostPort(opts.http)}: ${err.message}`, { cause: err });
    });
    dns = await startDnsServer(opts.dns, state, agent, log).catch((err: Error) => {
      throw new Error(`DNS cannot listen on ${formatHostPort(opts.dns)}: ${err.message}`, { cause: err });
    });
  } catch (err) {
    checks.close();
    await api.close();
    await file.flushed();
    throw err;
  }
  const address = api.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : opts.http.port;
  const httpUrl = `http://${formatHostPort({ host: agent.address, port: httpPort })}`;
  log.info({ http: httpUrl, dns: formatHostPort({ host: opts.dns.host, port: dns.port }), node: agent.node, index: state.currentIndex() }, 'embedded Consul-compatible registry is up');

  const dnsServer = dns;
  return {
    registry: new LocalRegistry(state, agent, checks, durable),
    httpUrl,
    dnsPort: dnsServer.port,
    nodeName: agent.node,
    blockingQueries: () => state.feed.waiting(),
    async close() {
      // Blocking queries would hold the HTTP server open for minutes: end them first.
      state.feed.wakeAll();
      checks.close();
      await Promise.all([api.close(), dnsServer.close()]);
      await file.flushed();
    },
  };
}

/** The agent's own node, with the serfHealth check every Consul node has. */
function ensureAgentNode(state: CatalogState, agent: AgentNode, id: string | undefined): void {
  state.write((tx) => {
    tx.putNode({ ID: id ?? crypto.randomUUID(), Node: agent.node, Address: agent.address, TaggedAddresses: { lan: agent.address, lan_ipv4: agent.address, wan: agent.address, wan_ipv4: agent.address }, Meta: {} });
    tx.putCheck({ Node: agent.node, CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', Notes: '', Output: 'Agent alive and reachable', ServiceID: '', ServiceName: '', Type: '' });
  });
}

/** Node names appear in DNS (`<node>.node.consul`): keep the first label, lowercase. */
function dnsSafe(hostname: string): string {
  const label = hostname.split('.')[0].toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return label || 'loom';
}
