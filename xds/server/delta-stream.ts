import { aggregateVersion, type CachedResource } from '../cache/snapshot';
import { PUSH_ORDER, requiresFullState } from '../resources/type-urls';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from './discovery-codec';
import type { StreamContext } from './stream-context';

/**
 * One incremental (Delta) ADS stream. Requests are changes to the subscription, so every
 * request is applied, even one with a stale nonce. Responses carry only resources whose
 * version the client does not hold, and `removed_resources` for those that went away (or
 * were asked for and do not exist).
 */
interface TypeState {
  wildcard: boolean;
  /** The wildcard came from an empty first request, not from "*": naming resources ends it. */
  legacyWildcard: boolean;
  names: Set<string>;
  /** name → version the client holds. */
  known: Map<string, string>;
  /** Subscribed names already reported as absent. */
  reportedAbsent: Set<string>;
  /** The first request of this type is answered even when there is nothing to send. */
  unanswered: boolean;
  lastNonce?: string;
  /** A version for what the client holds after the last response, for status. */
  lastVersion?: string;
}

export class DeltaStream {
  private readonly types = new Map<string, TypeState>();

  constructor(
    private readonly ctx: StreamContext,
    private readonly send: (response: DeltaDiscoveryResponse) => void,
  ) {}

  onRequest(req: DeltaDiscoveryRequest): void {
    this.ctx.begin(req.node, () => this.pushAll());
    const typeUrl = req.type_url;
    if (!this.ctx.serves(typeUrl)) return;
    let state = this.types.get(typeUrl);
    if (!state) {
      // initial_resource_versions: what the client kept from an earlier stream.
      const legacyWildcard = req.resource_names_subscribe.length === 0 && requiresFullState(typeUrl);
      state = {
        wildcard: legacyWildcard,
        legacyWildcard,
        names: new Set(),
        known: new Map(Object.entries(req.initial_resource_versions ?? {})),
        reportedAbsent: new Set(),
        unanswered: true,
      };
      this.types.set(typeUrl, state);
    } else {
      this.ctx.recordAnswer(typeUrl, req, { nonce: state.lastNonce, version: state.lastVersion });
    }

    for (const name of req.resource_names_subscribe) {
      if (name === '*') {
        state.wildcard = true;
        state.legacyWildcard = false;
      } else {
        if (state.legacyWildcard) state.wildcard = state.legacyWildcard = false;
        // Subscribing again to a name asks for it again, unless this first request said which version it holds.
        if (state.names.has(name) || !(name in (req.initial_resource_versions ?? {}))) state.known.delete(name);
        state.names.add(name);
        state.reportedAbsent.delete(name);
      }
    }
    for (const name of req.resource_names_unsubscribe) {
      if (name === '*') state.wildcard = false;
      else {
        state.names.delete(name);
        state.known.delete(name);
        state.reportedAbsent.delete(name);
      }
    }
    this.ctx.callbacks.onSubscription(this.ctx.id, typeUrl, state.wildcard ? '*' : state.names.size);
    this.respond(typeUrl, state);
  }

  private pushAll(): void {
    for (const typeUrl of PUSH_ORDER) {
      const state = this.types.get(typeUrl);
      if (state) this.respond(typeUrl, state);
    }
  }

  private respond(typeUrl: string, state: TypeState): void {
    const snapshot = this.ctx.snapshot;
    if (!snapshot) return;
    const changed: CachedResource[] = [];
    const removed: string[] = [];
    const consider = (name: string) => {
      const r = snapshot.get(typeUrl, name);
      if (r) {
        if (state.known.get(name) !== r.version) changed.push(r);
      } else if (state.known.has(name) || (state.names.has(name) && !state.reportedAbsent.has(name))) {
        removed.push(name);
      }
    };
    const candidates = new Set([...state.names, ...state.known.keys()]);
    if (state.wildcard) for (const name of snapshot.all(typeUrl).keys()) candidates.add(name);
    for (const name of candidates) {
      if (state.wildcard || state.names.has(name)) consider(name);
    }
    if (changed.length === 0 && removed.length === 0 && !state.unanswered) return;

    for (const r of changed) state.known.set(r.name, r.version);
    for (const name of removed) {
      state.known.delete(name);
      if (state.names.has(name)) state.reportedAbsent.add(name);
    }
    state.unanswered = false;
    const nonce = this.ctx.nextNonce();
    state.lastNonce = nonce;
    state.lastVersion = aggregateVersion([...state.known].map(([name, version]) => ({ name, version })));
    this.send({
      system_version_info: '',
      resources: changed.map((r) => ({ name: r.name, version: r.version, resource: r.any })),
      removed_resources: removed,
      type_url: typeUrl,
      nonce,
      control_plane: { identifier: 'loom' },
    });
    this.ctx.callbacks.onResponse(this.ctx.id, typeUrl, state.lastVersion, nonce, changed.length);
  }
}
