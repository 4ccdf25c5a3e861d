import { Registry, collectDefaultMetrics } from 'prom-client';
import { buildRestApi } from '../api/rest-api';
import { formatHostPort, type DaemonConfig, type HostPort, type RegistryConfig } from '../config';
import type { Logger } from '../log';
import { connectConsul, meshServicesFromRegistry, startEmbeddedRegistry, syncMeshToRegistry } from '../registry';
import type { StateStore } from '../state/state-store';
import { MeshSnapshots } from '../../xds/mesh-snapshots';
import { AdsServer } from '../../xds/server/ads-server';
import { StreamRegistry } from '../../xds/server/stream-registry';
import { XdsMetrics, allOf } from '../../xds/server/xds-metrics';
import { FabricController, fabricDiagnostics } from './fabric-controller';
import { FabricState } from './fabric-state';
import { MeshManager } from './mesh-manager';
import { openStateBackend } from './state-backend';

/**
 * The control plane on one machine: state, xDS server and REST API wired together.
 * Used by `loom up` and by tests that want the real thing in-process.
 */
export interface RunningDaemon {
  xds: HostPort;
  apiUrl: string;
  manager: MeshManager;
  /** Where the registry answers: the embedded one's HTTP API and DNS, or the Consul URL. */
  registry?: { httpUrl: string; dns?: HostPort };
  /** Where the OpenFlow controller listens. */
  openflow?: readonly string[];
  close(): Promise<void>;
}

export async function startDaemon(config: DaemonConfig, log: Logger): Promise<RunningDaemon> {
  const backend = await openStateBackend(config, log);
  const { store } = backend;
  const snapshots = new MeshSnapshots(store.current(), log.child({ component: 'xds' }));
  const streams = new StreamRegistry();
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, prefix: 'loom_' });
  const fabric = await FabricState.start(backend.ipam, store.current(), log.child({ component: 'fabric' }));
  const manager = new MeshManager(store, snapshots, streams, metrics, log, { beforeCommit: (mesh) => fabric.syncNetworks(mesh), serviceCidr: config.serviceCidr });

  const xdsServer = new AdsServer(snapshots.cache, allOf(streams, new XdsMetrics(metrics)), log.child({ component: 'xds' }));
  const xdsPort = await xdsServer.listen(config.xds.host, config.xds.port);
  // The controller starts after the API listens; until then (and without --openflow) hit counts are unavailable.
  let running: FabricController | undefined = undefined;
  const diagnostics = fabricDiagnostics({ mesh: () => store.current(), hosts: () => fabric.listHosts(), controller: () => running });
  const api = buildRestApi(manager, fabric, metrics, log, diagnostics);
  try {
    await api.listen({ host: config.api.host, port: config.api.port });
  } catch (err) {
    xdsServer.forceClose();
    throw new Error(`REST API cannot listen on ${formatHostPort(config.api)}: ${(err as Error).message}`, { cause: err });
  }
  const apiAddress = api.server.address();
  const apiPort = typeof apiAddress === 'object' && apiAddress ? apiAddress.port : config.api.port;

  const controller = config.openflow?.length ? await FabricController.start(config.openflow, store.current(), backend.election, log.child({ component: 'openflow' })) : undefined;
  running = controller;
  if (controller) {
    store.onChange((mesh) => controller.meshChanged(mesh));
    fabric.onHostsChange((hosts) => controller.hostsChanged(hosts));
  }
  const registry = config.registry ? await startRegistry(config.registry, store, manager, config.dataDir, log) : undefined;

  const xds = { host: config.xds.host, port: xdsPort };
  const apiUrl = `http://${formatHostPort({ host: config.api.host, port: apiPort })}`;
  log.info({ xds: formatHostPort(xds), api: apiUrl, registry: registry?.address, dataDir: config.dataDir, revision: store.revision() }, 'Loom control plane is up');

  return {
    xds,
    apiUrl,
    manager,
    registry: registry?.address,
    openflow: controller?.addresses,
    async close() {
      await registry?.close();
      await controller?.close();
      await api.close();
      xdsServer.forceClose();
      manager.close();
      await backend.close();
    },
  };
}

/**
 * The registry and both sync directions: every Loom endpoint is registered in it, and
 * services others register there become mesh services.
 */
async function startRegistry(config: RegistryConfig, store: StateStore, manager: MeshManager, dataDir: string, log: Logger) {
  const opened = await openRegistry(config, dataDir, log);
  const toRegistry = syncMeshToRegistry({ registry: opened.registry, source: store, log });
  const fromRegistry = meshServicesFromRegistry({ registry: opened.registry, ops: manager, log });
  return {
    address: opened.address,
    async close() {
      await fromRegistry.close();
      await toRegistry.close();
      await opened.close();
    },
  };
}

async function openRegistry(config: RegistryConfig, dataDir: string, log: Logger) {
  if (config.kind === 'consul') {
    const registry = connectConsul({ url: config.url, token: config.token, log });
    return { registry, address: { httpUrl: config.url }, close: () => registry.close() };
  }
  const embedded = await startEmbeddedRegistry({ http: config.http, dns: config.dns, dataDir, log });
  return { registry: embedded.registry, address: { httpUrl: embedded.httpUrl, dns: { host: config.dns.host, port: embedded.dnsPort } }, close: () => embedded.close() };
}
