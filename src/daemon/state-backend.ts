import os from 'node:os';
import type { DaemonConfig } from '../config';
import type { Logger } from '../log';
import { FileStateStore } from '../state/file-state-store';
import { RedisStateStore } from '../state/redis-state-store';
import type { StateStore } from '../state/state-store';
import { createMemoryIpam, createRedisIpam, type Ipam } from '../../fabric/ipam';
import { RedisLeaseElection, type LeaderElection } from '../../fabric/openflow/controller';

/** The Redis key of the OpenFlow controller lease (and `<key>:term`, its term counter). */
const CONTROLLER_LEASE_KEY = 'loom:controller:leader';

/**
 * What control-plane instances must agree on, from one backend: the desired state, the
 * address pools, and which instance's OpenFlow controller is master. A file (the embedded
 * default) serves one instance, which is then the only controller and needs no election.
 * Redis serves several: they share the mesh and the pools, and hold a lease for the master role.
 */
export interface StateBackend {
  store: StateStore;
  ipam: Ipam;
  /** Absent when this is the only instance. */
  election?: LeaderElection;
  close(): Promise<void>;
}

export async function openStateBackend(config: DaemonConfig, log: Logger): Promise<StateBackend> {
  const state = config.state ?? { kind: 'file' };
  if (state.kind === 'file') {
    const store = await FileStateStore.open(config.dataDir);
    const ipam = createMemoryIpam();
    return { store, ipam, close: async () => (await ipam.close(), await store.close()) };
  }
  const store = await RedisStateStore.open({ url: state.url, log });
  const ipam = createRedisIpam({ url: state.url, log });
  let election: RedisLeaseElection | undefined;
  try {
    election = await RedisLeaseElection.start({ url: state.url, key: CONTROLLER_LEASE_KEY, id: `${os.hostname()}/${process.pid}`, log });
  } catch (err) {
    await ipam.close();
    await store.close();
    throw err;
  }
  log.info({ state: state.url, leader: election.isLeader }, 'state shared through Redis');
  return {
    store,
    ipam,
    election,
    async close() {
      // Resigning first lets another instance take the switches over at once.
      await election.close();
      await ipam.close();
      await store.close();
    },
  };
}
