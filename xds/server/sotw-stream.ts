import type { CachedResource, Snapshot } from '../cache/snapshot';
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
  names: ReadonlySet<string>;
  /**
   * True once the client has named resources (a non-empty list) for this type on this
   * stream. Until then an empty list is the legacy LDS/CDS wildcard, also in ACKs.
   */
  named: boolean;
  /** The subscription changed and has not been answered yet. */
  unanswered: boolean;
  /** The request list `names` was made from: an unchanged (shared) list is seen by identity. */
  requested?: readonly string[];
  /**
   * What the client was sent (and holds, or rejected), without a map per stream: the
   * version in `sentSnapshot` of every name in `sentNames` ('all': of every name).
   */
  sentSnapshot?: Snapshot;
  sentNames: ReadonlySet<string> | 'all';
  /** How many resources the last full-state (LDS/CDS) response carried. */
  sentCount: number;
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
    this.ctx.begin(req.node, (previous) => this.pushAll(previous));
    const typeUrl = req.type_url;
    if (!this.ctx.serves(typeUrl)) return;
    const state = this.state(typeUrl);
    this.ctx.recordAnswer(typeUrl, req, { nonce: state.lastNonce, version: state.lastVersion });
    this.updateSubscription(typeUrl, state, req.resource_names);
    // New snapshots are pushed by pushAll: a request needs an answer only when its
    // subscription changed (or an earlier change is still unanswered).
    if (state.unanswered) this.respond(typeUrl, state);
  }

  private state(typeUrl: string): TypeState {
    let state = this.types.get(typeUrl);
    if (!state) {
      state = { wildcard: false, names: new Set(), named: false, unanswered: false, sentNames: new Set(), sentCount: 0 };
      this.types.set(typeUrl, state);
    }
    return state;
  }

  private updateSubscription(typeUrl: string, state: TypeState, names: string[]): void {
    if (names.length > 0 && names === state.requested) return;
    state.requested = names;
    const explicit = names.filter((n) => n !== '*');
    // An empty list is the legacy LDS/CDS wildcard for as long as the client has never named
    // resources of the type (Envoy ACKs its wildcard with empty lists too); after a
    // subscription it means "unsubscribe from everything".
    const wildcard = names.includes('*') || (names.length === 0 && !state.named && requiresFullState(typeUrl));
    const next = explicit.length === names.length ? sharedSet(names) : new Set(explicit);
    if (names.length > 0) state.named = true;
    if (wildcard === state.wildcard && sameSet(next, state.names)) return;
    state.wildcard = wildcard;
    state.names = next;
    state.unanswered = true;
    forgetUnsubscribed(state);
    this.ctx.callbacks.onSubscription(this.ctx.id, typeUrl, wildcard ? '*' : state.names.size);
  }

  /** After a new snapshot: answers only the types in which a subscribed resource changed. */
  private pushAll(previous: Snapshot | undefined): void {
    const snapshot = this.ctx.snapshot;
    for (const typeUrl of PUSH_ORDER) {
      const state = this.types.get(typeUrl);
      if (!state) continue;
      if (snapshot && previous && !state.unanswered && !affects(snapshot.changedSince(previous, typeUrl), state)) continue;
      this.respond(typeUrl, state);
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
      const same = desired.length === state.sentCount && desired.every((r) => held(state, typeUrl, r.name) === r.version);
      // A changed subscription is always answered, even when the answer is "none of those exist".
      if (same && !state.unanswered) return;
      resources = desired;
    } else {
      resources = desired.filter((r) => held(state, typeUrl, r.name) !== r.version);
      if (resources.length === 0) return;
    }
    // The client now holds this snapshot's version of every subscribed resource.
    state.sentSnapshot = snapshot;
    state.sentNames = state.wildcard ? 'all' : state.names;
    state.sentCount = desired.length;
    state.unanswered = false;

    const version = snapshot.typeVersion(typeUrl);
    const nonce = this.ctx.nextNonce();
    state.lastNonce = nonce;
    state.lastVersion = version;
    this.send({ version_info: version, resources: resources.map((r) => r.any), type_url: typeUrl, nonce, control_plane: { identifier: 'loom' } });
    this.ctx.callbacks.onResponse(this.ctx.id, typeUrl, version, nonce, resources.length);
  }
}

/** The version of `name` the client holds, if it was sent one. */
function held(state: TypeState, typeUrl: string, name: string): string | undefined {
  if (state.sentNames !== 'all' && !state.sentNames.has(name)) return undefined;
  return state.sentSnapshot?.get(typeUrl, name)?.version;
}

/** After a subscription change: resources no longer subscribed count as not sent. */
function forgetUnsubscribed(state: TypeState): void {
  if (state.wildcard) return;
  const sent = state.sentNames;
  if (sent === 'all') {
    state.sentNames = state.names;
    return;
  }
  for (const name of sent) {
    if (!state.names.has(name)) {
      state.sentNames = new Set([...sent].filter((n) => state.names.has(n)));
      return;
    }
  }
}

function affects(changed: ReadonlySet<string>, state: TypeState): boolean {
  if (changed.size === 0) return false;
  if (state.wildcard) return true;
  for (const name of changed) if (state.names.has(name)) return true;
  return false;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const name of a) if (!b.has(name)) return false;
  return true;
}

/** Streams with the same subscription share one set. */
const sharedSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function sharedSet(names: readonly string[]): ReadonlySet<string> {
  let set = sharedSets.get(names);
  if (!set) {
    set = new Set(names);
    if (Object.isFrozen(names)) sharedSets.set(names, set);
  }
  return set;
}
