import { describeCause } from '../../errors';
import type { Logger } from '../../log';
import type { Endpoint } from '../../model/endpoint';
import type { Mesh } from '../../model/mesh';
import { TENANT_LABEL } from '../../model/security-group';
import { indexSecurityGroups } from '../../model/security-group-members';
import { LOOM_MANAGED_META, externalCheckId, type CheckStatus, type ExternalRegistration, type Registry, type ServiceInstance } from '../registry';
import { isImported } from './origin';
import { isServiceEndpoint } from '../../model/endpoint';

/**
 * Model → registry: every Endpoint of the mesh is a service instance in the catalog,
 * named by its Service, with the endpoint's health as its check status, so Consul's
 * HTTP API, DNS and clients see exactly what the mesh routes to. Instances go on a node
 * of Loom's own (`loom` by default) through the catalog API, the way Consul registers
 * services whose health someone else decides (consul-esm's external nodes): the model,
 * not a probe, is the authority. Each carries meta `loom-managed=true`, which is how
 * Loom finds its own registrations again and how the registry → model direction skips
 * them. Resources that came from the registry are not registered back.
 *
 * A Service appears in the catalog through its endpoints (Consul has no service
 * without instances).
 */

export interface MeshToRegistryOptions {
  /** Catalog node holding Loom's registrations; default `loom`. */
  node?: string;
  /** That node's address (Consul requires one); default 127.0.0.1. */
  nodeAddress?: string;
}

export const DEFAULT_LOOM_NODE = 'loom';

const HEALTH_STATUS: Record<NonNullable<Endpoint['health']>, CheckStatus> = { healthy: 'passing', draining: 'warning', unhealthy: 'critical' };

/** What the catalog should hold for `mesh`, one registration per endpoint. Pure. */
export function registrationsForMesh(mesh: Mesh, opts: MeshToRegistryOptions = {}): ExternalRegistration[] {
  const node = opts.node ?? DEFAULT_LOOM_NODE;
  const nodeAddress = opts.nodeAddress ?? '127.0.0.1';
  const groups = securityGroupsByEndpoint(mesh);
  return Object.values(mesh.endpoints)
    .filter(isServiceEndpoint)
    .filter((ep) => !isImported(ep) && mesh.services[ep.service])
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((ep) => {
      const service = mesh.services[ep.service];
      const protocols = [...new Set(service.ports.map((p) => p.protocol))];
      const health = ep.health ?? 'healthy';
      return {
        node,
        nodeAddress,
        // consul-esm's convention: nobody else should probe these instances.
        nodeMeta: { 'external-node': 'true', 'external-probe': 'false' },
        id: ep.name,
        name: ep.service,
        address: ep.address,
        port: ep.port,
        tags: protocols,
        meta: {
          ...consulMeta(ep.labels),
          [LOOM_MANAGED_META]: 'true',
          'loom-endpoint': ep.name,
          protocol: protocols[0],
          ...(ep.host ? { 'loom-host': ep.host } : {}),
          ...(ep.weight ? { 'loom-weight': String(ep.weight) } : {}),
          ...(ep.network ? { 'loom-network': ep.network } : {}),
          ...(service.vip ? { 'loom-vip': service.vip } : {}),
          ...(ep.labels?.[TENANT_LABEL] ? { 'loom-tenant': ep.labels[TENANT_LABEL] } : {}),
          ...(groups.has(ep.name) ? { 'loom-security-groups': groups.get(ep.name)!.join(',') } : {}),
        },
        status: HEALTH_STATUS[health],
        output: health,
      };
    });
}

/** Each endpoint's security groups, by name, sorted: what the catalog tells other tools about its policy. */
function securityGroupsByEndpoint(mesh: Mesh): Map<string, string[]> {
  const index = indexSecurityGroups(mesh);
  const byEndpoint = new Map<string, string[]>();
  for (const group of Object.keys(mesh.securityGroups).sort()) {
    for (const ep of index.members(group)) byEndpoint.set(ep.name, [...(byEndpoint.get(ep.name) ?? []), group]);
  }
  return byEndpoint;
}

/** Labels whose keys Consul accepts as meta keys (letters, digits, `_`, `-`). */
function consulMeta(labels: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).filter(([k]) => /^[A-Za-z0-9_-]{1,128}$/.test(k) && !k.startsWith('consul-') && !k.startsWith('loom-')));
}

export interface ReconcileResult {
  registered: string[];
  deregistered: string[];
  failed: { id: string; error: string }[];
}

/**
 * Makes the catalog hold exactly `registrationsForMesh(mesh)` among Loom's own
 * registrations: registers what is missing or different, deregisters what the mesh no
 * longer has. Registrations that are already right are not written again. One failed
 * write does not stop the others; the next pass retries it.
 */
export async function reconcileRegistry(registry: Registry, mesh: Mesh, opts: MeshToRegistryOptions = {}): Promise<ReconcileResult> {
  const node = opts.node ?? DEFAULT_LOOM_NODE;
  const desired = registrationsForMesh(mesh, opts);
  const actual = new Map((await registry.nodeInstances(node)).filter((i) => i.meta[LOOM_MANAGED_META] === 'true').map((i) => [i.id, i]));
  const result: ReconcileResult = { registered: [], deregistered: [], failed: [] };
  const attempt = async (id: string, work: () => Promise<void>, done: string[]) => {
    try {
      await work();
      done.push(id);
    } catch (err) {
      result.failed.push({ id, error: describeCause(err) });
    }
  };
  const wanted = new Set(desired.map((r) => r.id));
  await Promise.all([
    ...desired.filter((r) => !matches(actual.get(r.id), r)).map((r) => attempt(r.id, () => registry.registerExternal(r), result.registered)),
    ...[...actual.keys()].filter((id) => !wanted.has(id)).map((id) => attempt(id, () => registry.deregisterExternal(node, id), result.deregistered)),
  ]);
  result.registered.sort();
  result.deregistered.sort();
  return result;
}

function matches(actual: ServiceInstance | undefined, want: ExternalRegistration): boolean {
  if (!actual) return false;
  const check = actual.checks.find((c) => c.id === externalCheckId(want.id));
  return (
    actual.service === want.name &&
    actual.address === want.address &&
    actual.port === want.port &&
    actual.nodeAddress === want.nodeAddress &&
    JSON.stringify(actual.tags) === JSON.stringify(want.tags ?? []) &&
    JSON.stringify(sortedEntries(actual.meta)) === JSON.stringify(sortedEntries(want.meta ?? {})) &&
    check?.status === want.status
  );
}

function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Where the mesh comes from: the daemon's state store fits (`current` + `onChange`). */
export interface MeshSource {
  current(): Mesh;
  onChange(listener: (mesh: Mesh) => void): () => void;
}

export interface MeshToRegistrySync {
  /** Resolves after a pass that started after this call has finished. */
  synced(): Promise<ReconcileResult>;
  close(): Promise<void>;
}

export interface SyncMeshToRegistryOptions extends MeshToRegistryOptions {
  registry: Registry;
  source: MeshSource;
  log: Logger;
  /** Full passes also run this often, repairing what someone else changed; default 30 s. */
  resyncIntervalMs?: number;
}

/** Keeps the registry in step with the mesh: a pass on every change (coalesced) and every resync interval. */
export function syncMeshToRegistry(opts: SyncMeshToRegistryOptions): MeshToRegistrySync {
  const log = opts.log.child({ component: 'registry-sync' });
  let running: Promise<ReconcileResult> | undefined;
  let queued: Promise<ReconcileResult> | undefined;
  let closed = false;

  const pass = async (): Promise<ReconcileResult> => {
    const result = await reconcileRegistry(opts.registry, opts.source.current(), opts);
    if (result.registered.length || result.deregistered.length) log.info({ registered: result.registered, deregistered: result.deregistered }, 'registry updated from the mesh');
    if (result.failed.length) log.warn({ failed: result.failed }, 'some registry updates failed; retrying on the next pass');
    return result;
  };
  /** At most one pass runs; changes during it share one pass after it. */
  const schedule = (): Promise<ReconcileResult> => {
    if (queued) return queued;
    const after = running ?? Promise.resolve();
    const next = after
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        running = next;
        return pass();
      })
      .finally(() => {
        if (running === next) running = undefined;
      });
    queued = next;
    return next;
  };
  const background = () => {
    if (closed) return;
    schedule().catch((err: unknown) => log.warn({ err: describeCause(err) }, 'registry sync pass failed; retrying on the next change or resync'));
  };

  const unsubscribe = opts.source.onChange(background);
  const timer = setInterval(background, opts.resyncIntervalMs ?? 30_000);
  timer.unref();
  background();

  return {
    synced: schedule,
    async close() {
      closed = true;
      unsubscribe();
      clearInterval(timer);
      await (queued ?? running)?.catch(() => undefined);
    },
  };
}
