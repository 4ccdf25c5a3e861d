import { Counter, Gauge, type Registry } from 'prom-client';
import type { ApplyResult, MeshOperations } from '../api/mesh-operations';
import type { Logger } from '../log';
import { parseResourceDocuments } from '../model/documents';
import type { Kind, Resource } from '../model/kinds';
import { applyResources, deleteResource, getResource, listResources, type ApplyOutcome, type Mesh } from '../model/mesh';
import { assignServiceVips, checkServiceCidr, DEFAULT_SERVICE_CIDR } from '../model/service-vips';
import { StateConflictError } from '../state/redis-state-store';
import type { StateStore } from '../state/state-store';
import type { MeshSnapshots } from '../../xds/mesh-snapshots';
import type { StreamRegistry } from '../../xds/server/stream-registry';

/** How often a change is recomputed when other instances keep committing first. */
const CONFLICT_RETRIES = 5;

export interface MeshManagerOptions {
  /**
   * Brings runtime state kept beside the mesh (the fabric's address pools) in line with
   * it: before a change here is persisted (throwing refuses the change, e.g. a pool in
   * use), and after another instance's change.
   */
  beforeCommit?: (mesh: Mesh) => Promise<void>;
  /** Where Service VIPs come from; default DEFAULT_SERVICE_CIDR. */
  serviceCidr?: string;
}

/**
 * Every change to the mesh, in one place and one at a time: validate, translate for the
 * enforcement points, persist, then publish. A failure at any step before persisting
 * leaves state and clients exactly as they were.
 *
 * With state shared by several control-plane instances (Redis), another instance may
 * commit first: the change is then recomputed on the state that won (it is validated
 * again, so it may now be refused). What other instances commit is published here too.
 */
export class MeshManager implements MeshOperations {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly changes: Counter<'operation' | 'result'>;
  /** The mesh this instance is committing: the store's change feed echoes it, and it is published already. */
  private own: Mesh | undefined;
  private readonly unsubscribe: () => void;
  /** The revision xDS clients and the fabric were last given. */
  private published: number;
  private readonly beforeCommit: (mesh: Mesh) => Promise<void>;
  private readonly serviceCidr: string;

  constructor(
    private readonly store: StateStore,
    private readonly snapshots: MeshSnapshots,
    private readonly streams: StreamRegistry,
    metrics: Registry,
    private readonly log: Logger,
    options: MeshManagerOptions = {},
  ) {
    this.beforeCommit = options.beforeCommit ?? (async () => {});
    this.serviceCidr = options.serviceCidr ?? DEFAULT_SERVICE_CIDR;
    checkServiceCidr(store.current(), this.serviceCidr);
    this.changes = new Counter({ name: 'loom_mesh_changes_total', help: 'Apply and delete requests, by result', labelNames: ['operation', 'result'], registers: [metrics] });
    new Gauge({ name: 'loom_mesh_revision', help: 'Revision of the desired state', registers: [metrics], collect: function () { this.set(store.revision()); } });
    this.published = store.revision();
    this.unsubscribe = store.onChange((mesh) => {
      if (mesh !== this.own) this.queue = this.queue.then(() => this.adopt());
    });
  }

  /** Stops following other instances' changes. */
  close(): void {
    this.unsubscribe();
  }

  apply(text: string, source: string): Promise<ApplyResult> {
    return this.serialized(async () => {
      const documents = parseResourceDocuments(text, source);
      const outcome = this.withVips(applyResources(this.store.current(), documents));
      // Nothing new (a sync re-applying what is there): no commit, so no revision for watchers to chase.
      if (outcome.created.length + outcome.configured.length > 0) await this.change(outcome.mesh);
      const result = { revision: this.store.revision(), created: outcome.created, configured: outcome.configured, unchanged: outcome.unchanged };
      this.log.info({ source, ...result }, 'applied');
      return result;
    }, 'apply');
  }

  delete(kind: Kind, name: string): Promise<void> {
    return this.serialized(async () => {
      await this.change(this.withVips({ mesh: deleteResource(this.store.current(), kind, name), created: [], configured: [], unchanged: [] }).mesh);
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

  /**
   * Every Service with its VIP (kept, or the lowest free one) and no Network over the
   * service CIDR. A service applied again without its VIP is unchanged, not configured.
   */
  private withVips(outcome: ApplyOutcome): ApplyOutcome {
    const previous = this.store.current();
    const mesh = assignServiceVips(previous, outcome.mesh, this.serviceCidr);
    checkServiceCidr(mesh, this.serviceCidr);
    const same = (label: string) => {
      const [kind, name] = label.split('/');
      return kind === 'service' && JSON.stringify(previous.services[name]) === JSON.stringify(mesh.services[name]);
    };
    return { ...outcome, mesh, configured: outcome.configured.filter((l) => !same(l)), unchanged: [...outcome.unchanged, ...outcome.configured.filter(same)] };
  }

  private async change(mesh: Mesh): Promise<void> {
    const prepared = this.snapshots.prepare(mesh);
    await this.beforeCommit(mesh);
    this.own = mesh;
    try {
      await this.store.commit(mesh);
    } finally {
      this.own = undefined;
    }
    this.snapshots.publish(prepared);
    this.published = this.store.revision();
  }

  /**
   * Publishes what another instance committed (it validated it; the store checked it
   * again) — the store's newest state, so a notification that arrives late never
   * publishes an older mesh over a newer one.
   */
  private async adopt(): Promise<void> {
    const [mesh, revision] = [this.store.current(), this.store.revision()];
    if (revision <= this.published) return;
    try {
      await this.beforeCommit(mesh);
      this.snapshots.publish(this.snapshots.prepare(mesh));
      this.published = revision;
      this.log.info({ revision }, 'published a change made by another control-plane instance');
    } catch (err) {
      this.log.error({ err, revision }, 'cannot publish a change made by another control-plane instance; clients keep the previous state');
    }
  }

  /** Runs `work` after every earlier change; recomputes it when another instance committed first. */
  private serialized<T>(work: () => Promise<T>, operation: 'apply' | 'delete'): Promise<T> {
    const attempt = async (retries: number): Promise<T> => {
      try {
        return await work();
      } catch (err) {
        if (!(err instanceof StateConflictError) || retries === 0) throw err;
        this.log.info({ operation, revision: err.storedRevision }, 'another instance changed the state first; recomputing the change on it');
        // The store caught up before throwing; what it announced is queued behind this change, so publish it first.
        await this.adopt();
        return attempt(retries - 1);
      }
    };
    const result = this.queue.then(() => attempt(CONFLICT_RETRIES)).then(
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
