import { Counter, Gauge, type Registry } from 'prom-client';
import type { ApplyResult, MeshOperations } from '../api/mesh-operations';
import type { Logger } from '../log';
import { parseResourceDocuments } from '../model/documents';
import type { Kind, Resource } from '../model/kinds';
import { applyResources, deleteResource, getResource, listResources, type Mesh } from '../model/mesh';
import type { StateStore } from '../state/state-store';
import type { MeshSnapshots } from '../../xds/mesh-snapshots';
import type { StreamRegistry } from '../../xds/server/stream-registry';

/**
 * Every change to the mesh, in one place and one at a time: validate, translate for the
 * enforcement points, persist, then publish. A failure at any step before persisting
 * leaves state and clients exactly as they were.
 */
export class MeshManager implements MeshOperations {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly changes: Counter<'operation' | 'result'>;

  constructor(
    private readonly store: StateStore,
    private readonly snapshots: MeshSnapshots,
    private readonly streams: StreamRegistry,
    metrics: Registry,
    private readonly log: Logger,
    /** Runs before a change is persisted; throwing refuses the change (e.g. a pool in use). */
    private readonly beforeCommit: (mesh: Mesh) => Promise<void> = async () => {},
  ) {
    this.changes = new Counter({ name: 'loom_mesh_changes_total', help: 'Apply and delete requests, by result', labelNames: ['operation', 'result'], registers: [metrics] });
    new Gauge({ name: 'loom_mesh_revision', help: 'Revision of the desired state', registers: [metrics], collect: function () { this.set(store.revision()); } });
  }

  apply(text: string, source: string): Promise<ApplyResult> {
    return this.serialized(async () => {
      const documents = parseResourceDocuments(text, source);
      const outcome = applyResources(this.store.current(), documents);
      await this.change(outcome.mesh);
      const result = { revision: this.store.revision(), created: outcome.created, configured: outcome.configured, unchanged: outcome.unchanged };
      this.log.info({ source, ...result }, 'applied');
      return result;
    }, 'apply');
  }

  delete(kind: Kind, name: string): Promise<void> {
    return this.serialized(async () => {
      await this.change(deleteResource(this.store.current(), kind, name));
      this.log.info({ kind, name, revision: this.store.revision() }, 'deleted');
    }, 'delete');
  }

  current(): Mesh {
    return this.store.current();
  }

  list(kind: Kind): Resource[] {
    return listResources(this.store.current(), kind);
  }

  get(kind: Kind, name: string): Resource {
    return getResource(this.store.current(), kind, name);
  }

  proxyStatus(): unknown[] {
    return this.streams.list();
  }

  private async change(mesh: Mesh): Promise<void> {
    const prepared = this.snapshots.prepare(mesh);
    await this.beforeCommit(mesh);
    await this.store.commit(mesh);
    this.snapshots.publish(prepared);
  }

  private serialized<T>(work: () => Promise<T>, operation: 'apply' | 'delete'): Promise<T> {
    const result = this.queue.then(work).then(
      (value) => (this.changes.inc({ operation, result: 'ok' }), value),
      (err: unknown) => {
        this.changes.inc({ operation, result: 'refused' });
        throw err;
      },
    );
    this.queue = result.catch(() => undefined);
    return result;
  }
}
