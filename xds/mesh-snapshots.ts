import type { Logger } from '../src/log';
import type { Mesh } from '../src/model/mesh';
import { Snapshot } from './cache/snapshot';
import { SnapshotCache } from './cache/snapshot-cache';
import { nodeProfileKey, profileFromKey } from './resources/client-profile';
import { meshResources } from './resources/mesh-resources';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL } from './resources/type-urls';

/**
 * Keeps the snapshot cache in step with the mesh: one snapshot per client profile that
 * some node has asked for. `prepare` translates without publishing, so a mesh that
 * cannot be translated is refused before anything changes.
 */
export class MeshSnapshots {
  readonly cache: SnapshotCache;
  private mesh: Mesh;

  constructor(initial: Mesh, private readonly log: Logger) {
    this.mesh = initial;
    // The first node of a new profile gets its snapshot built on the spot.
    this.cache = new SnapshotCache(nodeProfileKey, (key) => this.build(this.mesh, key));
  }

  /** Translates `mesh` for every active profile; throws if any translation fails. */
  prepare(mesh: Mesh): PreparedSnapshots {
    const snapshots = new Map(this.cache.keys().map((key) => [key, this.build(mesh, key)]));
    return { mesh, snapshots };
  }

  /**
   * Make before break, both ways: pushes go out CDS → EDS → LDS → RDS so new clusters
   * exist before routes use them; a cluster that goes away is removed only after routes
   * stopped using it. So a change that drops clusters is published in two steps: first
   * with the dropped clusters (and their endpoints) still there, then without. Each ADS
   * stream is ordered, so a client applies the new routes before it sees the removal.
   * (Removing first made grpc-js fail RPCs and crashed gRPC C-core 1.51.)
   */
  publish(prepared: PreparedSnapshots): void {
    this.mesh = prepared.mesh;
    for (const [key, snapshot] of prepared.snapshots) {
      const previous = this.cache.getSnapshot(key);
      if (previous && previous.loses(snapshot, CLUSTER_TYPE_URL)) {
        this.cache.setSnapshot(key, snapshot.retaining(previous, [CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL]));
      }
      this.cache.setSnapshot(key, snapshot);
    }
    this.log.debug({ profiles: [...prepared.snapshots.keys()] }, 'xDS snapshots published');
  }

  private build(mesh: Mesh, key: string): Snapshot {
    const profile = profileFromKey(key);
    if (!profile) throw new Error(`no client profile "${key}"`);
    return Snapshot.fromResources(meshResources(mesh, profile), this.cache.getSnapshot(key));
  }
}

export interface PreparedSnapshots {
  mesh: Mesh;
  snapshots: Map<string, Snapshot>;
}
