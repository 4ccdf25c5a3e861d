import { z } from 'zod';
import { describeCause } from '../errors';
import type { Logger } from '../log';
import { EndpointSchema } from '../model/endpoint';
import type { Mesh } from '../model/mesh';
import { NetworkSchema } from '../model/network';
import { RouteSchema } from '../model/route';
import { SecurityGroupSchema } from '../model/security-group';
import { ServiceSchema } from '../model/service';

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
  onChange(listener: ChangeListener): () => void;
  close(): Promise<void>;
}

export type ChangeListener = (mesh: Mesh, revision: number) => void;

/** A mesh as every backend stores it (JSON), checked resource by resource when read back. */
export const StoredMeshSchema = z.strictObject({
  services: z.record(z.string(), ServiceSchema),
  endpoints: z.record(z.string(), EndpointSchema),
  routes: z.record(z.string(), RouteSchema),
  // Absent in state written before networks (security groups) existed.
  networks: z.record(z.string(), NetworkSchema).default({}),
  securityGroups: z.record(z.string(), SecurityGroupSchema).default({}),
});

/**
 * Tells every listener of a change that is saved: one that fails must not make the change
 * look refused, nor keep the others from hearing of it, so it is logged and skipped.
 */
export function notifyListeners(listeners: Iterable<ChangeListener>, mesh: Mesh, revision: number, log: Logger): void {
  for (const listener of listeners) {
    try {
      listener(mesh, revision);
    } catch (err) {
      log.error({ err: describeCause(err), revision }, 'a state change listener failed');
    }
  }
}
