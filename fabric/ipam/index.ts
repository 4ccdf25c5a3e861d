/**
 * Cluster IPAM: per-Network pools shared by all hosts (`ipam.ts` says what it promises).
 * Rules and messages live once in `PoolIpam`; backends implement the narrow `PoolStore`:
 * `createMemoryIpam()` for one process, `createRedisIpam()` for a cluster.
 */
export type { Allocation, AllocationRequest, GcOptions, Ipam, PoolSpec, ReleaseOptions } from './ipam';
export {
  AddressInUseError,
  type AddressKind,
  AddressMismatchError,
  InvalidAddressError,
  InvalidPoolError,
  InvalidRequestError,
  IpamBackendError,
  IpamClosedError,
  IpamError,
  PoolExhaustedError,
  PoolInUseError,
  UnknownNetworkError,
} from './ipam-errors';
export { formatIp, type IpAddress, type IpFamily, parseCidr, parseIp } from '../../src/net/ip-address';
export { generatedMac, normalizeMac } from '../../src/net/mac-address';
export { createMemoryIpam, MemoryPoolStore } from './memory-pool-store';
export { PoolIpam } from './pool-ipam';
export { PoolLayout } from './pool-layout';
export type { PoolStore } from './pool-store';
export { createRedisIpam, RedisPoolStore, type RedisIpamOptions } from './redis-pool-store';
