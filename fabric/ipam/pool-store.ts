import type { PoolLayout } from './pool-layout';

/**
 * Where pools and allocations live: the one narrow interface between the IPAM's rules and
 * messages (`PoolIpam`) and a backend (memory, Redis). Each method is one atomic step on
 * the backend, so two hosts never both get an address and nothing is half-applied; the
 * outcomes are data, and `PoolIpam` turns refusals into errors.
 */

/** One owner's addresses, as a backend keeps them: the IP as its offset in the pool. */
export interface StoredAllocation {
  owner: string;
  offset: bigint;
  mac: string;
  host: string;
}

export interface AllocationClaim {
  owner: string;
  host: string;
  /** A static IP's offset (already checked against the layout). */
  offset?: bigint;
  /** A static MAC, normalized. Without one, the MAC derives from the IP (`PoolLayout.macAt`). */
  mac?: string;
}

export type AllocateOutcome =
  /** New, or the owner's existing allocation (its `host` updated). */
  | { kind: 'allocated'; allocation: StoredAllocation }
  | { kind: 'exhausted' }
  | { kind: 'in-use'; what: 'IP'; offset: bigint; owner: string }
  /** `derivedFrom`: no MAC was requested, and this is the one derived from the static IP at that offset. */
  | { kind: 'in-use'; what: 'MAC'; mac: string; owner: string; derivedFrom?: bigint }
  /** The owner holds other addresses than the claim's static ones (the IP is compared first). */
  | { kind: 'mismatch'; what: 'IP'; held: bigint; requested: bigint }
  | { kind: 'mismatch'; what: 'MAC'; held: string; requested: string }
  | { kind: 'unknown-network' }
  /** The pool was redefined since the caller read `layout`; try again with this one. */
  | { kind: 'stale'; layout: PoolLayout };

/** The outcomes that refuse a claim. */
export type AllocateRefusal = Extract<AllocateOutcome, { kind: 'exhausted' | 'in-use' | 'mismatch' }>;

export type DefineOutcome = { kind: 'defined' } | { kind: 'in-use'; current: PoolLayout; allocations: number };

/** Allocations read, freed or collected, with the pool they were in. */
export interface PoolContents {
  layout: PoolLayout;
  allocations: StoredAllocation[];
}

export interface PoolStore {
  pool(network: string): Promise<PoolLayout | undefined>;
  definePool(layout: PoolLayout): Promise<DefineOutcome>;
  allocate(layout: PoolLayout, claim: AllocationClaim): Promise<AllocateOutcome>;
  /** Frees the owner's allocation (only if on `host`, when given). Undefined for an unknown network. */
  release(network: string, owner: string, host: string | undefined): Promise<PoolContents | undefined>;
  /** Undefined for an unknown network; `allocations` holds the owner's, if any. */
  get(network: string, owner: string): Promise<PoolContents | undefined>;
  list(network: string): Promise<PoolContents | undefined>;
  /** Frees every allocation (on `host`, when given) whose owner is not live; resolves with them. */
  gc(network: string, liveOwners: ReadonlySet<string>, host: string | undefined): Promise<PoolContents | undefined>;
  close(): Promise<void>;
}
