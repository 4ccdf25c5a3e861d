import type { Mesh } from '../model/mesh';

/**
 * Desired state plus a change feed. `commit` replaces the whole mesh atomically; readers
 * always see a complete mesh. Backends: a local file (embedded default); Redis comes with
 * multi-host deployments.
 */
export interface StateStore {
  current(): Mesh;
  /** Monotonic, +1 per commit; survives restarts. */
  revision(): number;
  commit(mesh: Mesh): Promise<void>;
  onChange(listener: (mesh: Mesh, revision: number) => void): () => void;
  close(): Promise<void>;
}
