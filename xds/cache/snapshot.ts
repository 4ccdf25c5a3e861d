import { createHash } from 'node:crypto';
import { LoomError } from '../../src/errors';
import { encodeAny, type EncodedAny } from '../protos';
import type { ResourcesByType } from '../resources/mesh-resources';
import { referencedNames } from '../resources/references';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, type ResourceTypeUrl } from '../resources/type-urls';

/**
 * An immutable set of encoded xDS resources. Each resource is encoded once, here, and
 * versioned by a hash of its bytes: a push to many streams re-uses the bytes, and a
 * client is only sent the resources whose version it does not have.
 */
export interface CachedResource {
  name: string;
  version: string;
  any: EncodedAny;
}

export class InconsistentSnapshotError extends LoomError {
  constructor(readonly missing: { type: 'RDS' | 'EDS'; name: string; referencedBy: string }[]) {
    super(`snapshot refused: ${missing.map((m) => `${m.type} "${m.name}" (referenced by ${m.referencedBy})`).join(', ')} missing`);
  }
}

export class Snapshot {
  private constructor(private readonly byType: ReadonlyMap<string, ReadonlyMap<string, CachedResource>>) {}

  /** Encodes and versions resources; refuses a snapshot whose references do not resolve. */
  static fromResources(resources: ResourcesByType, previous?: Snapshot): Snapshot {
    checkConsistency(resources);
    const byType = new Map<string, Map<string, CachedResource>>();
    for (const [typeUrl, named] of Object.entries(resources) as [ResourceTypeUrl, Map<string, Record<string, unknown>>][]) {
      const encoded = new Map<string, CachedResource>();
      for (const [name, object] of named) {
        const any = encodeAny({ '@type': typeUrl, ...object });
        const version = createHash('sha256').update(any.value).digest('base64url').slice(0, 16);
        // Keep the previous object when nothing changed, so identity checks stay cheap.
        const old = previous?.get(typeUrl, name);
        encoded.set(name, old && old.version === version ? old : { name, version, any });
      }
      byType.set(typeUrl, encoded);
    }
    return new Snapshot(byType);
  }

  private readonly typeVersions = new Map<string, string>();
  private readonly diffs = new WeakMap<Snapshot, Map<string, ReadonlySet<string>>>();

  /**
   * The version of every resource of a type, computed once per snapshot: SotW responses
   * carry it, so a push to N streams hashes once instead of N times.
   */
  typeVersion(typeUrl: string): string {
    let version = this.typeVersions.get(typeUrl);
    if (version === undefined) {
      version = aggregateVersion(this.all(typeUrl).values());
      this.typeVersions.set(typeUrl, version);
    }
    return version;
  }

  /** Names of a type added, removed or changed since `previous`; computed once per pair. */
  changedSince(previous: Snapshot, typeUrl: string): ReadonlySet<string> {
    let byType = this.diffs.get(previous);
    if (!byType) {
      byType = new Map();
      this.diffs.set(previous, byType);
    }
    let changed = byType.get(typeUrl);
    if (!changed) {
      const now = this.all(typeUrl);
      const before = previous.all(typeUrl);
      const names = new Set<string>();
      // fromResources keeps the previous object when a resource did not change.
      for (const [name, r] of now) if (before.get(name) !== r) names.add(name);
      for (const name of before.keys()) if (!now.has(name)) names.add(name);
      changed = names;
      byType.set(typeUrl, changed);
    }
    return changed;
  }

  /**
   * This snapshot plus the resources of `typeUrls` that `previous` had and this one
   * dropped: the interim step of a break-after-make removal.
   */
  retaining(previous: Snapshot, typeUrls: readonly string[]): Snapshot {
    const byType = new Map(this.byType);
    for (const typeUrl of typeUrls) {
      const merged = new Map(this.all(typeUrl));
      for (const [name, r] of previous.all(typeUrl)) if (!merged.has(name)) merged.set(name, r);
      byType.set(typeUrl, merged);
    }
    return new Snapshot(byType);
  }

  /** Whether `next` drops any resource of `typeUrl` that this snapshot has. */
  loses(next: Snapshot, typeUrl: string): boolean {
    for (const name of this.all(typeUrl).keys()) if (!next.get(typeUrl, name)) return true;
    return false;
  }

  get(typeUrl: string, name: string): CachedResource | undefined {
    return this.byType.get(typeUrl)?.get(name);
  }

  /** Every resource of a type, for wildcard subscriptions. */
  all(typeUrl: string): ReadonlyMap<string, CachedResource> {
    return this.byType.get(typeUrl) ?? new Map();
  }
}

/** A version for a set of resources: stable whatever order they were listed in. */
export function aggregateVersion(resources: Iterable<{ name: string; version: string }>): string {
  const hash = createHash('sha256');
  for (const r of [...resources].sort((a, b) => (a.name < b.name ? -1 : 1))) hash.update(r.name).update('\0').update(r.version).update('\0');
  return hash.digest('base64url').slice(0, 16);
}

function checkConsistency(resources: ResourcesByType): void {
  const missing: InconsistentSnapshotError['missing'] = [];
  for (const [name, listener] of resources[LISTENER_TYPE_URL]) {
    for (const routeName of referencedNames(LISTENER_TYPE_URL, listener)) {
      if (!resources[ROUTE_TYPE_URL].has(routeName)) missing.push({ type: 'RDS', name: routeName, referencedBy: `listener ${name}` });
    }
  }
  for (const [name, cluster] of resources[CLUSTER_TYPE_URL]) {
    for (const edsName of referencedNames(CLUSTER_TYPE_URL, cluster)) {
      if (!resources[ENDPOINT_TYPE_URL].has(edsName)) missing.push({ type: 'EDS', name: edsName, referencedBy: `cluster ${name}` });
    }
  }
  if (missing.length > 0) throw new InconsistentSnapshotError(missing);
}
