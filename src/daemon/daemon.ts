import { Registry, collectDefaultMetrics } from 'prom-client';
import { buildRestApi } from '../api/rest-api';
import { formatHostPort, type DaemonConfig, type HostPort } from '../config';
import type { Logger } from '../log';
import { FileStateStore } from '../state/file-state-store';
import { MeshSnapshots } from '../../xds/mesh-snapshots';
import { AdsServer } from '../../xds/server/ads-server';
import { StreamRegistry } from '../../xds/server/stream-registry';
import { XdsMetrics, allOf } from '../../xds/server/xds-metrics';
import { MeshManager } from './mesh-manager';

/**
 * The control plane on one machine: state, xDS server and REST API wired together.
 * Used by `loom up` and by tests that want the real thing in-process.
 */
export interface RunningDaemon {
  xds: HostPort;
  apiUrl: string;
  manager: MeshManager;
  close(): Promise<void>;
}

export async function startDaemon(config: DaemonConfig, log: Logger): Promise<RunningDaemon> {
  const store = await FileStateStore.open(config.dataDir);
  const snapshots = new MeshSnapshots(store.current(), log.child({ component: 'xds' }));
  const streams = new StreamRegistry();
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, prefix: 'loom_' });
  const manager = new MeshManager(store, snapshots, streams, metrics, log);

  const xdsServer = new AdsServer(snapshots.cache, allOf(streams, new XdsMetrics(metrics)), log.child({ component: 'xds' }));
  const xdsPort = await xdsServer.listen(config.xds.host, config.xds.port);
  const api = buildRestApi(manager, metrics, log);
  try {
    await api.listen({ host: config.api.host, port: config.api.port });
  } catch (err) {
    xdsServer.forceClose();
    throw new Error(`REST API cannot listen on ${formatHostPort(config.api)}: ${(err as Error).message}`, { cause: err });
  }
  const apiAddress = api.server.address();
  const apiPort = typeof apiAddress === 'object' && apiAddress ? apiAddress.port : config.api.port;

  const xds = { host: config.xds.host, port: xdsPort };
  const apiUrl = `http://${formatHostPort({ host: config.api.host, port: apiPort })}`;
  log.info({ xds: formatHostPort(xds), api: apiUrl, dataDir: config.dataDir, revision: store.revision() }, 'Loom control plane is up');

  return {
    xds,
    apiUrl,
    manager,
    async close() {
      await api.close();
      xdsServer.forceClose();
      await store.close();
    },
  };
}
