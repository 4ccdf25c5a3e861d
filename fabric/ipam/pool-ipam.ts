import { AddressInUseError, AddressMismatchError, InvalidAddressError, InvalidRequestError, IpamClosedError, IpamError, PoolExhaustedError, PoolInUseError, UnknownNetworkError } from './ipam-errors';
import type { Allocation, AllocationRequest, GcOptions, Ipam, PoolSpec, ReleaseOptions } from './ipam';
import { normalizeMac, type MacProblem } from '../../src/net/mac-address';
import { PoolLayout } from './pool-layout';
import type { AllocateRefusal, PoolContents, PoolStore, StoredAllocation } from './pool-store';

/** Attempts while the pool keeps changing under us; each change needs a redefinition of an empty pool. */
const MAX_ATTEMPTS = 5;

const MAC_PROBLEMS: Record<MacProblem, string> = {
  syntax: 'not a MAC address',
  multicast: 'is a multicast address (the lowest bit of its first byte is set)',
  zero: 'is the all-zero address',
};

/**
 * The `Ipam` over any `PoolStore`: checks requests, works out offsets and MACs from the
 * pool's layout, and turns the store's outcomes into allocations and errors, so every
 * backend answers, and refuses, in the same words.
 */
export class PoolIpam implements Ipam {
  private closed = false;

  constructor(private readonly store: PoolStore) {}

  async definePool(spec: PoolSpec): Promise<void> {
    this.assertOpen();
    const layout = PoolLayout.fromSpec(spec);
    const outcome = await this.store.definePool(layout);
    if (outcome.kind === 'in-use') throw new PoolInUseError(spec.network, describePool(outcome.current), describePool(layout), outcome.allocations);
  }

  async allocate(request: AllocationRequest): Promise<Allocation> {
    this.assertOpen();
    const { network, owner, host } = request;
    requireName('network', network);
    requireName('owner', owner);
    requireName('host', host);
    const mac = request.mac === undefined ? undefined : staticMac(network, request.mac);
    let layout = await this.store.pool(network);
    for (let attempt = 1; layout; attempt++) {
      const offset = request.ip === undefined ? undefined : layout.offsetOf(request.ip);
      const outcome = await this.store.allocate(layout, { owner, host, offset, mac });
      if (outcome.kind === 'allocated') return toAllocation(layout, outcome.allocation);
      if (outcome.kind === 'unknown-network') break;
      if (outcome.kind !== 'stale') throw refusal(layout, owner, outcome);
      if (attempt === MAX_ATTEMPTS) throw new IpamError(`network "${network}": its pool changed during each of ${attempt} attempts to allocate; try again`);
      layout = outcome.layout;
    }
    throw new UnknownNetworkError(network);
  }

  async release(network: string, owner: string, options: ReleaseOptions = {}): Promise<Allocation | undefined> {
    this.assertOpen();
    const freed = await this.store.release(network, owner, options.host);
    return freed && freed.allocations.length ? toAllocation(freed.layout, freed.allocations[0]) : undefined;
  }

  async get(network: string, owner: string): Promise<Allocation | undefined> {
    const found = await this.known(network, () => this.store.get(network, owner));
    return found.length ? found[0] : undefined;
  }

  list(network: string): Promise<Allocation[]> {
    return this.known(network, () => this.store.list(network));
  }

  gc(network: string, liveOwners: ReadonlySet<string>, options: GcOptions = {}): Promise<Allocation[]> {
    return this.known(network, () => this.store.gc(network, liveOwners, options.host));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.store.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The allocations `read` found, by address; a network without a pool is an error. */
  private async known(network: string, read: () => Promise<PoolContents | undefined>): Promise<Allocation[]> {
    this.assertOpen();
    const contents = await read();
    if (!contents) throw new UnknownNetworkError(network);
    return contents.allocations.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0)).map((a) => toAllocation(contents.layout, a));
  }

  private assertOpen(): void {
    if (this.closed) throw new IpamClosedError();
  }
}

function requireName(field: 'network' | 'owner' | 'host', value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new InvalidRequestError(field, value);
}

function staticMac(network: string, text: string): string {
  const normalized = normalizeMac(text);
  if ('mac' in normalized) return normalized.mac;
  throw new InvalidAddressError(network, 'MAC', text, MAC_PROBLEMS[normalized.problem], 'a unicast MAC such as 0a:58:0a:f4:00:05 (colon- or hyphen-separated)');
}

function refusal(layout: PoolLayout, owner: string, outcome: AllocateRefusal): IpamError {
  const network = layout.spec.network;
  switch (outcome.kind) {
    case 'exhausted':
      return new PoolExhaustedError(network, layout.cidr, layout.assignable);
    case 'in-use':
      if (outcome.what === 'IP') return new AddressInUseError(network, 'IP', layout.ipAt(outcome.offset), outcome.owner);
      return new AddressInUseError(network, 'MAC', outcome.mac, outcome.owner, outcome.derivedFrom === undefined ? undefined : layout.ipAt(outcome.derivedFrom));
    case 'mismatch':
      if (outcome.what === 'IP') return new AddressMismatchError(network, owner, 'IP', layout.ipAt(outcome.held), layout.ipAt(outcome.requested));
      return new AddressMismatchError(network, owner, 'MAC', outcome.held, outcome.requested);
  }
}

function toAllocation(layout: PoolLayout, stored: StoredAllocation): Allocation {
  const allocation: Allocation = {
    network: layout.spec.network,
    owner: stored.owner,
    ip: layout.ipAt(stored.offset),
    prefixLength: layout.prefixLength,
    mac: stored.mac,
    host: stored.host,
  };
  if (layout.spec.gateway !== undefined) allocation.gateway = layout.spec.gateway;
  return allocation;
}

function describePool(layout: PoolLayout): string {
  const { gateway, reserved } = layout.spec;
  const extras = [gateway && `gateway ${gateway}`, reserved.length && `reserved ${reserved.join(', ')}`].filter(Boolean);
  return layout.cidr + (extras.length ? ` (${extras.join('; ')})` : '');
}
