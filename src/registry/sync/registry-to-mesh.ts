import type { MeshOperations } from '../../api/mesh-operations';
import { InvalidInputError, describeCause } from '../../errors';
import type { Logger } from '../../log';
import type { Endpoint } from '../../model/endpoint';
import type { Resource } from '../../model/kinds';
import type { Service } from '../../model/service';
import type { Registry } from '../registry';
import { watchCatalog, type Catalog } from './catalog-watch';
import { meshFromRegistry, type ExternalMesh } from './mesh-from-registry';
import { isImported } from './origin';

/**
 * Registry → model: the services others registered become mesh services (xDS clusters
 * and endpoints), through the same operations as `loom apply` and `loom delete`, so the
 * daemon validates, persists and publishes them like any change. Only resources
 * labelled `loom/origin: registry` are changed or deleted; a name Loom already owns
 * keeps Loom's Service (external instances join it as endpoints) or Loom's Endpoint
 * (the external one is refused).
 */

export interface ApplyExternalResult {
  applied: string[];
  deleted: string[];
  refused: { resource: string; error: string }[];
}

const SOURCE = 'registry';

/** Brings the mesh's imported resources to `external`: one atomic apply, then deletions. */
export async function applyExternalMesh(ops: MeshOperations, external: ExternalMesh): Promise<ApplyExternalResult> {
  const result: ApplyExternalResult = { applied: [], deleted: [], refused: [] };
  const services = ops.list('Service') as Service[];
  const endpoints = ops.list('Endpoint') as Endpoint[];
  const current = new Map<string, Resource>([...services, ...endpoints].map((r) => [`${r.kind}/${r.name}`, r]));
  const owned = new Set([...services, ...endpoints].filter((r) => !isImported(r)).map((r) => `${r.kind}/${r.name}`));

  const wanted = new Map<string, Resource>();
  for (const r of [...external.services, ...external.endpoints]) {
    const key = `${r.kind}/${r.name}`;
    if (owned.has(key)) {
      if (r.kind === 'Endpoint') result.refused.push({ resource: key, error: 'Loom already has an endpoint of that name' });
      continue;
    }
    wanted.set(key, r);
  }
  const changed = [...wanted.entries()].filter(([key, r]) => stableJson(current.get(key)) !== stableJson(withKeptVip(r, current.get(key)))).map(([, r]) => r);
  if (changed.length > 0) await applyInGroups(ops, changed, result);

  const gone = [...current.entries()].filter(([key, r]) => isImported(r) && !wanted.has(key));
  // Endpoints first: a service can only go once nothing refers to it.
  for (const [key, r] of gone.sort(([a], [b]) => (a.startsWith('Endpoint') === b.startsWith('Endpoint') ? a.localeCompare(b) : a.startsWith('Endpoint') ? -1 : 1))) {
    try {
      await ops.delete(r.kind, r.name);
      result.deleted.push(key);
    } catch (err) {
      result.refused.push({ resource: key, error: describeCause(err) });
    }
  }
  return result;
}

/** All changes in one apply; if the model refuses it, service by service, so one bad service does not hold back the rest. */
async function applyInGroups(ops: MeshOperations, resources: Resource[], result: ApplyExternalResult): Promise<void> {
  const label = (r: Resource) => `${r.kind}/${r.name}`;
  try {
    await ops.apply(documents(resources), SOURCE);
    result.applied.push(...resources.map(label));
    return;
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
  }
  const groups = new Map<string, Resource[]>();
  for (const r of resources) {
    // Imported endpoints always belong to the service they were registered under.
    const service = r.kind === 'Endpoint' ? r.service! : r.name;
    groups.set(service, [...(groups.get(service) ?? []), r]);
  }
  for (const group of groups.values()) {
    try {
      await ops.apply(documents(group), SOURCE);
      result.applied.push(...group.map(label));
    } catch (err) {
      for (const r of group) result.refused.push({ resource: label(r), error: describeCause(err) });
    }
  }
}

/** The catalog knows nothing of VIPs: an imported service keeps the one Loom gave it, and that is no change. */
function withKeptVip(wanted: Resource, current: Resource | undefined): Resource {
  return wanted.kind === 'Service' && wanted.vip === undefined && current?.kind === 'Service' && current.vip !== undefined ? { ...wanted, vip: current.vip } : wanted;
}

/** JSON is YAML: one document per resource. */
function documents(resources: Resource[]): string {
  return resources.map((r) => JSON.stringify(r)).join('\n---\n');
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

export interface RegistryToMeshSync {
  /** Resolves once the first complete catalog has been applied. */
  ready: Promise<void>;
  /** Resolves when the latest catalog seen has been applied. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface MeshServicesFromRegistryOptions {
  registry: Registry;
  ops: MeshOperations;
  log: Logger;
  /** Passed to the catalog watch (tests shorten the blocking wait). */
  waitMs?: number;
  coalesceMs?: number;
}

/** Watches the registry and applies each catalog it reports; the latest catalog wins. */
export function meshServicesFromRegistry(opts: MeshServicesFromRegistryOptions): RegistryToMeshSync {
  const log = opts.log.child({ component: 'registry-import' });
  let latest: Catalog | undefined;
  let applying: Promise<void> | undefined;
  let closed = false;

  const applyLatest = async () => {
    while (latest && !closed) {
      const catalog = latest;
      latest = undefined;
      const external = meshFromRegistry(catalog);
      for (const s of external.skipped) log.debug(s, 'registry instance not imported');
      try {
        const r = await applyExternalMesh(opts.ops, external);
        if (r.applied.length || r.deleted.length) log.info({ applied: r.applied, deleted: r.deleted }, 'mesh updated from the registry');
        if (r.refused.length) log.warn({ refused: r.refused }, 'some registry services could not be imported');
      } catch (err) {
        log.error({ err: describeCause(err) }, 'importing registry services failed; retrying with the next change');
      }
    }
  };
  const onCatalog = (catalog: Catalog) => {
    latest = catalog;
    applying ??= applyLatest().finally(() => (applying = undefined));
  };

  const watch = watchCatalog(opts.registry, onCatalog, { log, waitMs: opts.waitMs, coalesceMs: opts.coalesceMs });
  const idle = async () => {
    while (applying) await applying;
  };
  return {
    ready: watch.ready.then(idle),
    idle,
    async close() {
      closed = true;
      watch.close();
      await idle();
    },
  };
}
