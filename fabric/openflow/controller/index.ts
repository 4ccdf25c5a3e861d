/**
 * OpenFlow controller runtime: switch connections (handshake, echo, xids, barriers,
 * bundles), the server that accepts them, desired-state flow sync owned by cookies, and
 * master/slave roles driven by a leader election. See README.md.
 */

export { ControllerServer, AddressInUseError, type ControllerServerEvents, type ControllerServerOptions } from './controller-server';
export { SwitchConnection, type SwitchConnectionEvents, type SwitchConnectionOptions } from './switch-connection';
export { TrackedBatch } from './tracked-batch';
export { commitBundle, type BundleOptions } from './bundle';
export { FlowSync, type FlowSyncEvents, type FlowSyncOptions, type SwitchSource } from './flow-sync';
export type { SyncResult, SyncStatus } from './switch-sync';
export { DesiredFlows, type Flow } from './desired-flows';
export { CookieSpace } from './flow-cookie';
export { flowHash } from './flow-hash';
export { RoleManager } from './role';
export { MemoryElection, MemoryElectionGroup, type LeaderElection } from './leader-election';
export { LeaseFileElection, type LeaseFileElectionOptions } from './lease-file-election';
export { RedisLeaseElection, type RedisLeaseElectionOptions } from './redis-lease-election';
export { formatListenAddress, ListenAddressError, parseListenAddress, type ListenAddress } from './listen-address';
export { describeFlow, describeMessage } from './describe';
export type { Outgoing, OutgoingBundleAdd, OutgoingRequest, ReplyTo, RequestType } from './outgoing';
export {
  BatchError,
  BundleError,
  ConnectionClosedError,
  DuplicateFlowError,
  EchoTimeoutError,
  FlowConflictError,
  FlowsRejectedError,
  FlowSyncClosedError,
  HandshakeError,
  InvalidFlowError,
  InvalidOptionError,
  OpenFlowError,
  RequestTimeoutError,
  type RejectedFlow,
} from './errors';
