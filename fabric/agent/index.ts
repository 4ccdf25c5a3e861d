/**
 * The per-host agent (`loom agent`): sets up the host's Open vSwitch (br-int, br-phy, the
 * VXLAN port, controllers, hardware offload), serves the CNI plugin on a unix socket,
 * reports the host to the control plane and repairs its setup when OVS loses it. See
 * README.md.
 */
export { type AgentConfig, type AgentFlags, DEFAULT_RECONCILE_INTERVAL_MS, DEFAULT_REPORT_INTERVAL_MS, parseAgentConfig } from './agent-config';
export { type RunningAgent, startAgent } from './agent';
export { type AgentServer, serveCniSocket, SocketInUseError } from './agent-server';
export { CniService, type CniServiceDeps } from './cni-service';
export { toCniError } from './cni-errors-map';
export { CommandError, type Commands, localCommands } from './commands';
export { ControlPlaneClient, ControlPlaneError, ControlPlaneUnreachableError, type PodEndpoint } from './control-plane';
export { endpointName, sanitizeName } from './endpoint-name';
export { type HostMemory, type HostSetup, setUpHost, stableDatapathId } from './host-setup';
export { countOffloadedFlows, findVswitchdControl } from './offload-stats';
export { AGENT_TABLES, BR_INT, BR_PHY, CONTROLLER_BURST_LIMIT, CONTROLLER_RATE_LIMIT, PORT_IDS, TUNNEL_PORT, VXLAN_OVERHEAD, VXLAN_PORT } from './ovs-layout';
export { hostVethName, PodInterfaceError } from './pod-interface';
export { type PodPortRecord, PodPorts } from './pod-ports';
export { UnderlayError } from './underlay';
