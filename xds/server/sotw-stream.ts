import { aggregateVersion, type CachedResource } from '../cache/snapshot';
import { PUSH_ORDER, requiresFullState } from '../resources/type-urls';
import type { DiscoveryRequest, DiscoveryResponse } from './discovery-codec';
import type { StreamContext } from './stream-context';

/**
 * One state-of-the-world ADS stream. Per type it keeps what the client asked for and
 * what it was sent, and sends whenever the two differ — so a request with a stale nonce,
 * a re-subscription after reconnect or a new snapshot all converge the same way.
 */
interface TypeState {
  wildcard: boolean;
  names: Set<string>;
  /**
   * True once the client has named resources (a non-empty list) for this type on this
   * stream. Until then an empty list is the legacy LDS/CDS wildcard, also in ACKs.
   */
  named: boolean;
  /** The subscription changed and has not been answered yet. */
  unanswered: boolean;
  /** name → version the client was sent (and holds, or rejected). */
  sent: Map<string, string>;
  lastNonce?: string;
  lastVersion?: string;
}

export class SotwStream {
  private readonly types = new Map<string, TypeState>();

  constructor(
    private readonly ctx: StreamContext,
    private readonly send: (response: DiscoveryResponse) => void,
  ) {}

  onRequest(req: DiscoveryRequest): void {
    this.ctx.begin(req.node, () => this.pushAll());
    const typeUrl = req.type_url;
    if (!this.ctx.serves(typeUrl)) return;
    const state = this.state(typeUrl);
    this.ctx.recordAnswer(typeUrl, req, { nonce: state.lastNonce, version: state.lastVersion });
    this.updateSubscription(typeUrl, state, req.resource_names);
    this.respond(typeUrl, state);
  }

  private state(typeUrl: string): TypeState {
    let state = this.types.get(typeUrl);
    if (!state) {
      state = { wildcard: false, names: new Set(), named: false, unanswered: false, sent: new Map() };
      this.types.set(typeUrl, state);
    }
    return state;
  }

  private updateSubscription(typeUrl: string, state: TypeState, names: string[]): void {
    const explicit = names.filter((n) => n !== '*');
    // An empty list is the legacy LDS/CDS wildcard for as long as the client has never named
    // resources of the type (Envoy ACKs its wildcard with empty lists too); after a
    // subscription it means "unsubscribe from everything".
    const wildcard = names.includes('*') || (names.length === 0 && !state.named && requiresFullState(typeUrl));
    const changed = wildcard !== state.wildcard || explicit.length !== state.names.size || explicit.some((n) => !state.names.has(n));
    if (names.length > 0) state.named = true;
    if (!changed) return;
    state.wildcard = wildcard;
    state.names = new Set(explicit);
    state.unanswered = true;
    for (const name of state.sent.keys()) if (!this.isSubscribed(state, name)) state.sent.delete(name);
    this.ctx.callbacks.onSubscription(this.ctx.id, typeUrl, wildcard ? '*' : state.names.size);
  }

  private isSubscribed(state: TypeState, name: string): boolean {
    return state.wildcard || state.names.has(name);
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
    const desired = state.wildcard
      ? [...snapshot.all(typeUrl).values()]
      : [...state.names].map((name) => snapshot.get(typeUrl, name)).filter((r): r is CachedResource => r !== undefined);

    let resources: CachedResource[];
    if (requiresFullState(typeUrl)) {
      const same = desired.length === state.sent.size && desired.every((r) => state.sent.get(r.name) === r.version);
      // A changed subscription is always answered, even when the answer is "none of those exist".
      if (same && !state.unanswered) return;
      resources = desired;
      state.sent = new Map(desired.map((r) => [r.name, r.version]));
    } else {
      resources = desired.filter((r) => state.sent.get(r.name) !== r.version);
      if (resources.length === 0) return;
      for (const r of resources) state.sent.set(r.name, r.version);
    }
    state.unanswered = false;

    const version = aggregateVersion(desired);
    const nonce = this.ctx.nextNonce();
    state.lastNonce = nonce;
    state.lastVersion = version;
    this.send({ version_info: version, resources: resources.map((r) => r.any), type_url: typeUrl, nonce, control_plane: { identifier: 'loom' } });
    this.ctx.callbacks.onResponse(this.ctx.id, typeUrl, version, nonce, resources.length);
  }
}
