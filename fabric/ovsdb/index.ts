/**
 * OVSDB (RFC 7047) client for the fabric: layered as OVS's own IDL is — JSON framing
 * (`JsonStreamParser`) → JSON-RPC session with reconnect (`JsonRpcSession`) → RFC 7047
 * methods (`OvsdbClient`) → schema and datum codecs (`encodeOperations`, `decodeDatum`) →
 * replica and optimistic transactions (`OvsdbDatabase`). `vswitch/` holds what the
 * per-host agent does with it: pure plans ("what to transact") and a thin runner that
 * waits for ovs-vswitchd.
 */
export { type BuildTransaction, type ChangeBatch, DatabaseClosedError, type DatabaseEvents, type DatabaseOptions, MONITOR_METHODS, type MonitorMethod, OvsdbDatabase, type ResyncInfo, type TableSpec, TransactionConflictError, type TransactOutcome, WaitTimeoutError } from './database';
export { type Atom, type AtomInput, type Datum, datumEquals, type DatumInput, isUuid, NamedUuid, namedUuid, type Row, type RowInput } from './datum';
export { decodeDatum, encodeDatum, InvalidDatumError, type DatumProblem } from './datum-codec';
export { JsonFramingError, JsonStreamParser } from './json-stream-parser';
export { ConnectError, DisconnectedError, ProbeTimeoutError, RequestCanceledError, RpcError } from './jsonrpc-errors';
export { type SessionEvents, type SessionOptions, JsonRpcSession } from './jsonrpc-session';
export { type Condition, type ConditionFunction, encodeOperations, type Mutation, type Mutator, type Operation, type WireOperation } from './operations';
export { InvalidLockNameError, type MonitorCondSinceReply, OvsdbClient, type OvsdbClientEvents, type OvsdbClientOptions, ZERO_TXN_ID } from './ovsdb-client';
export { OvsdbError, OvsdbProtocolError } from './ovsdb-error';
export { InvalidRemoteError, parseRemote, type Remote } from './remote';
export { Replica, type ReplicaColumns, type RowChange, TableNotReplicatedError } from './replica';
export { type AtomicType, type BaseType, type ColumnSchema, type ColumnShape, columnShape, type ColumnType, type DatabaseSchema, parseSchema, SchemaError, type TableSchema } from './schema';
export type { RowUpdate1, RowUpdate2, TableUpdates1, TableUpdates2, WireMonitorRequest, WireMonitorRequests, WireRow } from './table-updates';
export { type OperationFailure, type OperationResult, TransactionError } from './transact-result';
export { type RowSelector, Transaction, TransactionBuildError } from './transaction';
export { type BridgeSpec, bridgeDatapath, type DatapathType, FAIL_MODES, type FailMode, planBridge } from './vswitch/bridge-plan';
export { type ControllerSpec, planControllers } from './vswitch/controller-plan';
export { InterfaceError, interfaceStatus, type InterfaceStatus, isSettled, isWorking } from './vswitch/interface-status';
export { planHwOffload, planSwitchConfig } from './vswitch/other-config-plan';
export { flowBasedVxlanPort, type InterfaceType, planPort, planPortRemoval, type PortSpec } from './vswitch/port-plan';
export { applyToVswitchd, BridgeError, bridgeProblem, type BridgeResult, ensureBridge, type EnsureBridgeSpec, ensurePort, removePort, setControllers, setHwOffload, type VswitchOptions, waitForOfport } from './vswitch/vswitch';
export { bridgeOfPort, findByName, rootRow, VSWITCH_DATABASE, VSWITCH_TABLES, VswitchConfigError } from './vswitch/vswitch-tables';
