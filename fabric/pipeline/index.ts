/**
 * The overlay's OpenFlow pipeline: named tables in order, named register fields, and pure
 * functions from a host's view of the cluster to that host's flows. No I/O: the
 * controller's flow sync installs what `hostFlows` returns. See README.md.
 */

export { TABLES, tableId, tableName, type TableName } from './tables';
export { NetworkId, PacketSource, REG_FIELDS, Source, TargetOfport, loadReg, matchReg, type RegField, type RegName } from './registers';
export { Feature, FlowBuilder, flow, type PipelineFlow } from './flow';
export type { PipelineGroup } from './group';
export { assertValidView, InvalidViewError, validateView, type EndpointView, type HostRef, type HostView, type LocalHost, type NetworkView, type ViewProblem } from './view';
export { planHost, type HostPlan, type LocalEndpoint, type RemoteEndpoint } from './host-plan';
export { hostFlows } from './host-flows';
export { hostViewFromMesh } from './mesh-view';
export { classifierFlows } from './classifier';
export { spoofGuardFlows } from './spoof-guard';
export { arpResponderFlows } from './arp-responder';
export { conntrackFlows } from './conntrack';
export { extensionPointFlows } from './extension-points';
export { l2ForwardingFlows } from './l2-forwarding';
export { outputFlows } from './output';
export { PACKET_IN_MAX_LEN } from './packet-in';
export { formatFlow, formatFlows, type FormatOptions } from './format';
export { formatGroup, formatGroups } from './format-groups';
