/**
 * OpenFlow controller runtime: switch connections (handshake, echo, xids, barriers,
 * bundles), the server that accepts them, desired-state flow (owned by cookies) and group
 * sync, flow counters, and master/slave roles driven by a leader election. See README.md.
 */

export { ControllerServer, AddressInUseError, type ControllerServerEvents, type ControllerServerOptions } from './controller-server';
export { SwitchConnection, type SwitchConnectionEvents, type SwitchConnectionOptions } from './switch-connection';
export { TrackedBatch } from './tracked-batch';
export { commitBundle, type BundleOptions } from './bundle';
export { FlowSync, type FlowSyncEvents, type FlowSyncOptions, type SwitchSource } from './flow-sync';
export type { SyncResult, SyncStatus } from './switch-sync';
export type { GroupChanges } from './group-sync';
export { DesiredFlows, type Flow } from './desired-flows';
export { DesiredGroups, type Group } from './desired-groups';
export type { FlowCounters, FlowStatsFilter } from './flow-counters';
export { CookieSpace } from './flow-cookie';
export { flowHash } from './flow-hash';
export { RoleManager } from './role';
export { MemoryElection, MemoryElectionGroup, type LeaderElection } from './leader-election';
export { LeaseFileElection, type LeaseFileElectionOptions } from './lease-file-election';
export { RedisLeaseElection, type RedisLeaseElectionOptions } from './redis-lease-election';
export { formatListenAddress, ListenAddressError, parseListenAddress, type ListenAddress } from './listen-address';
export { describeFlow, describeGroup, describeMessage } from './describe';
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
  GroupsRejectedError,
  HandshakeError,
  InvalidFlowError,
  InvalidGroupsError,
  InvalidOptionError,
  NotConnectedError,
  OpenFlowError,
  RequestTimeoutError,
  type RejectedFlow,
  type RejectedGroup,
} from './errors';
