import Redis from 'ioredis';
import { rootLogger, type Logger } from '../../src/log';
import { IpamBackendError } from './ipam-errors';
import { PoolIpam } from './pool-ipam';
import { PoolLayout } from './pool-layout';
import type { AllocateOutcome, AllocationClaim, DefineOutcome, PoolContents, PoolStore, StoredAllocation } from './pool-store';
import { ALLOCATE, DEFINE_POOL, GC, RELEASE } from './redis-scripts';

export interface RedisIpamOptions {
  /** `redis://host:port/db`; the IPAM opens its own connection and closes it on `close()`. */
  url?: string;
  /** A connection to share instead; `close()` leaves it open. */
  client?: Redis;
  /** Prepended to every key, so several clusters can share one Redis. Default `loom:`. */
  keyPrefix?: string;
  log?: Logger;
}

type Reply = string | number | null | Reply[];

/** The client with the scripts defined on it (ioredis runs them by EVALSHA, loading them on NOSCRIPT). */
interface ScriptedRedis extends Redis {
  loomIpamDefinePool(...keysAndArgs: string[]): Promise<Reply>;
  loomIpamAllocate(...keysAndArgs: string[]): Promise<Reply>;
  loomIpamRelease(...keysAndArgs: string[]): Promise<Reply>;
  loomIpamGc(...keysAndArgs: string[]): Promise<Reply>;
}

interface StoredRecord {
  offset: string;
  mac: string;
  host: string;
}

/**
 * Pools in Redis, shared by every host's agent. Each change is one Lua script
 * (`redis-scripts.ts`), each read one MULTI, so every step sees and leaves a consistent
 * pool. Layouts are cached by network; the allocate script checks the cached one is still
 * the pool's and answers `stale` with the new one if not.
 */
export class RedisPoolStore implements PoolStore {
  private readonly redis: ScriptedRedis;
  private readonly layouts = new Map<string, PoolLayout>();

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly ownsClient: boolean,
  ) {
    this.redis = redis as ScriptedRedis;
    this.redis.defineCommand('loomIpamDefinePool', { numberOfKeys: 3, lua: DEFINE_POOL });
    this.redis.defineCommand('loomIpamAllocate', { numberOfKeys: 5, lua: ALLOCATE });
    this.redis.defineCommand('loomIpamRelease', { numberOfKeys: 5, lua: RELEASE });
    this.redis.defineCommand('loomIpamGc', { numberOfKeys: 5, lua: GC });
  }

  async pool(network: string): Promise<PoolLayout | undefined> {
    const cached = this.layouts.get(network);
    if (cached) return cached;
    const key = await this.call('allocate', network, () => this.redis.hget(this.keys(network)[0], 'spec'));
    return key === null ? undefined : this.layout(network, key);
  }

  async definePool(layout: PoolLayout): Promise<DefineOutcome> {
    const network = layout.spec.network;
    const [pool, owners, , , used] = this.keys(network);
    const reply = await this.call('definePool', network, () =>
      this.redis.loomIpamDefinePool(pool, owners, used, layout.key, String(layout.searched), String(layout.base & 0xffffffffn), JSON.stringify(layout.searchExcluded)),
    );
    const [kind, current, count] = reply as [string, string?, number?];
    if (kind === 'in-use') return { kind, current: this.layout(network, current!), allocations: count! };
    this.layouts.set(network, layout);
    return { kind: 'defined' };
  }

  async allocate(layout: PoolLayout, claim: AllocationClaim): Promise<AllocateOutcome> {
    const network = layout.spec.network;
    const derivedMac = claim.offset === undefined || claim.mac !== undefined ? '' : layout.macAt(claim.offset);
    const reply = await this.call('allocate', network, () =>
      this.redis.loomIpamAllocate(...this.keys(network), layout.key, claim.owner, claim.host, claim.offset?.toString() ?? '', claim.mac ?? '', derivedMac),
    );
    const [kind, ...fields] = reply as string[];
    switch (kind) {
      case 'allocated':
        return { kind, allocation: parseRecord(claim.owner, fields[0]) };
      case 'exhausted':
        return { kind };
      case 'in-use': {
        const [what, owner, address, derivedFrom] = fields;
        return what === 'IP' ? { kind, what, owner, offset: BigInt(address) } : { kind, what: 'MAC', owner, mac: address, derivedFrom: derivedFrom ? BigInt(derivedFrom) : undefined };
      }
      case 'mismatch': {
        const [what, held, requested] = fields;
        return what === 'IP' ? { kind, what, held: BigInt(held), requested: BigInt(requested) } : { kind, what: 'MAC', held, requested };
      }
      case 'stale':
        return { kind, layout: this.layout(network, fields[0]) };
      case 'unknown-network':
        this.layouts.delete(network);
        return { kind };
      default:
        throw new IpamBackendError('allocate', network, new Error(`unexpected reply from the allocate script: ${JSON.stringify(reply)}`));
    }
  }

  async release(network: string, owner: string, host: string | undefined): Promise<PoolContents | undefined> {
    const reply = await this.call('release', network, () => this.redis.loomIpamRelease(...this.keys(network), owner, host ?? ''));
    if (reply === null) return undefined;
    const [spec, record] = reply as [string, string?];
    return { layout: this.layout(network, spec), allocations: record === undefined ? [] : [parseRecord(owner, record)] };
  }

  async get(network: string, owner: string): Promise<PoolContents | undefined> {
    const [pool, owners] = this.keys(network);
    const [spec, record] = await this.read('get', network, this.redis.multi().hget(pool, 'spec').hget(owners, owner));
    if (spec === null) return undefined;
    return { layout: this.layout(network, spec as string), allocations: record === null ? [] : [parseRecord(owner, record as string)] };
  }

  async list(network: string): Promise<PoolContents | undefined> {
    const [pool, owners] = this.keys(network);
    const [spec, records] = await this.read('list', network, this.redis.multi().hget(pool, 'spec').hgetall(owners));
    if (spec === null) return undefined;
    const allocations = Object.entries(records as Record<string, string>).map(([owner, record]) => parseRecord(owner, record));
    return { layout: this.layout(network, spec as string), allocations };
  }

  async gc(network: string, liveOwners: ReadonlySet<string>, host: string | undefined): Promise<PoolContents | undefined> {
    const reply = await this.call('gc', network, () => this.redis.loomIpamGc(...this.keys(network), host ?? '', JSON.stringify([...liveOwners])));
    if (reply === null) return undefined;
    const [spec, ...freed] = reply as string[];
    const allocations: StoredAllocation[] = [];
    for (let i = 0; i < freed.length; i += 2) allocations.push(parseRecord(freed[i], freed[i + 1]));
    return { layout: this.layout(network, spec), allocations };
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** pool, owners, ips, macs, used; one hash tag per network keeps them in one Redis Cluster slot. */
  private keys(network: string): [string, string, string, string, string] {
    const base = `${this.keyPrefix}ipam:{${network}}:`;
    return [`${base}pool`, `${base}owners`, `${base}ips`, `${base}macs`, `${base}used`];
  }

  /** The layout of a stored spec, parsed once per change of spec. */
  private layout(network: string, key: string): PoolLayout {
    let layout = this.layouts.get(network);
    if (layout?.key !== key) {
      layout = PoolLayout.fromKey(key);
      this.layouts.set(network, layout);
    }
    return layout;
  }

  private async call<T>(operation: string, network: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw new IpamBackendError(operation, network, err);
    }
  }

  private async read(operation: string, network: string, transaction: ReturnType<Redis['multi']>): Promise<unknown[]> {
    const results = await this.call(operation, network, () => transaction.exec());
    if (!results) throw new IpamBackendError(operation, network, new Error('the transaction was discarded'));
    return results.map(([err, value]) => {
      if (err) throw new IpamBackendError(operation, network, err);
      return value;
    });
  }
}

function parseRecord(owner: string, json: string): StoredAllocation {
  const record = JSON.parse(json) as StoredRecord;
  return { owner, offset: BigInt(record.offset), mac: record.mac, host: record.host };
}

/** An IPAM whose pools live in Redis, shared by every host's agent. */
export function createRedisIpam(options: RedisIpamOptions): PoolIpam {
  const keyPrefix = options.keyPrefix ?? 'loom:';
  if (options.client) return new PoolIpam(new RedisPoolStore(options.client, keyPrefix, false));
  const log = (options.log ?? rootLogger).child({ component: 'ipam' });
  const redis = new Redis(options.url ?? 'redis://127.0.0.1:6379');
  // Without a listener ioredis prints every failed reconnect; once per outage is enough, as commands fail with the cause.
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message, url: options.url }, 'IPAM lost its Redis connection; reconnecting');
    down = true;
  });
  redis.on('ready', () => (down = false));
  return new PoolIpam(new RedisPoolStore(redis, keyPrefix, true));
}
