/**
 * The CNI plugin `loom-cni` (CNI spec 1.0.0): thin by design — it reads the network
 * config and the CNI_* environment and hands the work to the host's agent over its unix
 * socket (agent-protocol.ts). See README.md.
 */
export { AGENT_PATHS, type AgentErrorBody, type AgentStatus, type AttachedPort, type CniRequest } from './agent-protocol';
export { callAgent } from './agent-client';
export { DEFAULT_AGENT_SOCKET, type NetworkConfig, parseNetworkConfig, PLUGIN_TYPE, SUPPORTED_VERSIONS } from './cni-config';
export { CNI_COMMANDS, type CniCommand, type CniEnvironment, parseCniArgs, parseCniEnvironment } from './cni-env';
export { CNI_ERRORS, CniError, type CniErrorCode, type CniErrorOutput } from './cni-errors';
export { buildCniResult, type CniInterface, type CniIp, type CniResult, type CniRoute, type PodAttachmentSummary } from './cni-result';
export { type PluginOutcome, runPlugin } from './plugin';
