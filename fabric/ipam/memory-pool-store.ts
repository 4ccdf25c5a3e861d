import { PoolIpam } from './pool-ipam';
import type { PoolLayout } from './pool-layout';
import type { AllocateOutcome, AllocationClaim, DefineOutcome, PoolContents, PoolStore, StoredAllocation } from './pool-store';

/** One network's pool and the indexes that keep its IPs and MACs unique. */
class MemoryPool {
  readonly owners = new Map<string, StoredAllocation>();
  readonly byOffset = new Map<bigint, string>();
  readonly byMac = new Map<string, string>();
  readonly searchExcluded: ReadonlySet<number>;
  /** Where the next search starts: just past the last address handed out, so a freed one is reused last. */
  cursor = 0;

  constructor(readonly layout: PoolLayout) {
    this.searchExcluded = new Set(layout.searchExcluded);
  }

  contents(allocations: StoredAllocation[]): PoolContents {
    return { layout: this.layout, allocations };
  }

  add(allocation: StoredAllocation): void {
    this.owners.set(allocation.owner, allocation);
    this.byOffset.set(allocation.offset, allocation.owner);
    this.byMac.set(allocation.mac, allocation.owner);
  }

  delete(allocation: StoredAllocation): void {
    this.owners.delete(allocation.owner);
    this.byOffset.delete(allocation.offset);
    this.byMac.delete(allocation.mac);
  }

  /** The next free offset from the cursor whose MAC (static, or derived) is free too. */
  search(mac: string | undefined): { offset: bigint; mac: string } | undefined {
    const { searched } = this.layout;
    // Fast refusal of a full pool; counts static IPs past the searched range too, which only an IPv6 pool of more than 2^32 allocations could have.
    if (this.byOffset.size + this.searchExcluded.size >= searched) return undefined;
    for (let i = 0; i < searched; i++) {
      const n = (this.cursor + i) % searched;
      const offset = BigInt(n);
      if (this.searchExcluded.has(n) || this.byOffset.has(offset)) continue;
      const candidate = mac ?? this.layout.macAt(offset);
      if (mac === undefined && this.byMac.has(candidate)) continue;
      this.cursor = (n + 1) % searched;
      return { offset, mac: candidate };
    }
    return undefined;
  }
}

/**
 * Pools in this process's memory, for a single process; nothing survives it. Each method
 * runs to completion without awaiting, which is what makes it atomic here.
 */
export class MemoryPoolStore implements PoolStore {
  private readonly pools = new Map<string, MemoryPool>();

  async pool(network: string): Promise<PoolLayout | undefined> {
    return this.pools.get(network)?.layout;
  }

  async definePool(layout: PoolLayout): Promise<DefineOutcome> {
    const current = this.pools.get(layout.spec.network);
    if (current?.layout.key === layout.key) return { kind: 'defined' };
    if (current && current.owners.size > 0) return { kind: 'in-use', current: current.layout, allocations: current.owners.size };
    this.pools.set(layout.spec.network, new MemoryPool(layout));
    return { kind: 'defined' };
  }

  async allocate(layout: PoolLayout, claim: AllocationClaim): Promise<AllocateOutcome> {
    const pool = this.pools.get(layout.spec.network);
    if (!pool) return { kind: 'unknown-network' };
    if (pool.layout.key !== layout.key) return { kind: 'stale', layout: pool.layout };
    const held = pool.owners.get(claim.owner);
    if (held) {
      if (claim.offset !== undefined && claim.offset !== held.offset) return { kind: 'mismatch', what: 'IP', held: held.offset, requested: claim.offset };
      if (claim.mac !== undefined && claim.mac !== held.mac) return { kind: 'mismatch', what: 'MAC', held: held.mac, requested: claim.mac };
      const moved = { ...held, host: claim.host };
      pool.owners.set(claim.owner, moved);
      return { kind: 'allocated', allocation: moved };
    }
    const macHolder = claim.mac === undefined ? undefined : pool.byMac.get(claim.mac);
    if (claim.mac !== undefined && macHolder !== undefined) return { kind: 'in-use', what: 'MAC', mac: claim.mac, owner: macHolder };
    let found: { offset: bigint; mac: string } | undefined;
    if (claim.offset !== undefined) {
      const ipHolder = pool.byOffset.get(claim.offset);
      if (ipHolder !== undefined) return { kind: 'in-use', what: 'IP', offset: claim.offset, owner: ipHolder };
      found = { offset: claim.offset, mac: claim.mac ?? layout.macAt(claim.offset) };
      const derivedHolder = pool.byMac.get(found.mac);
      if (derivedHolder !== undefined) return { kind: 'in-use', what: 'MAC', mac: found.mac, owner: derivedHolder, derivedFrom: claim.offset };
    } else {
      found = pool.search(claim.mac);
      if (!found) return { kind: 'exhausted' };
    }
    const allocation = { owner: claim.owner, host: claim.host, ...found };
    pool.add(allocation);
    return { kind: 'allocated', allocation };
  }

  async release(network: string, owner: string, host: string | undefined): Promise<PoolContents | undefined> {
    const pool = this.pools.get(network);
    if (!pool) return undefined;
    const held = pool.owners.get(owner);
    if (!held || (host !== undefined && held.host !== host)) return pool.contents([]);
    pool.delete(held);
    return pool.contents([held]);
  }

  async get(network: string, owner: string): Promise<PoolContents | undefined> {
    const pool = this.pools.get(network);
    const held = pool?.owners.get(owner);
    return pool?.contents(held ? [held] : []);
  }

  async list(network: string): Promise<PoolContents | undefined> {
    const pool = this.pools.get(network);
    return pool?.contents([...pool.owners.values()]);
  }

  async gc(network: string, liveOwners: ReadonlySet<string>, host: string | undefined): Promise<PoolContents | undefined> {
    const pool = this.pools.get(network);
    if (!pool) return undefined;
    const dead = [...pool.owners.values()].filter((a) => !liveOwners.has(a.owner) && (host === undefined || a.host === host));
    for (const allocation of dead) pool.delete(allocation);
    return pool.contents(dead);
  }

  async close(): Promise<void> {}
}

/** An IPAM for one process. */
export function createMemoryIpam(): PoolIpam {
  return new PoolIpam(new MemoryPoolStore());
}
