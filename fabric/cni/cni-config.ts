import { CNI_ERRORS, CniError } from './cni-errors';
import type { CniResult } from './cni-result';

/** The CNI spec versions this plugin speaks; the result format is 1.0.0's. */
export const SUPPORTED_VERSIONS = ['1.0.0'] as const;
export const PLUGIN_TYPE = 'loom-cni';
export const DEFAULT_AGENT_SOCKET = '/run/loom/agent.sock';

/**
 * The network configuration the runtime sends on stdin, e.g.
 * `{"cniVersion":"1.0.0","name":"blue","type":"loom-cni","network":"blue","agentSocket":"/run/loom/agent.sock"}`.
 * Fields the runtime adds (`runtimeConfig`, `args`, `capabilities`, …) are ignored, except
 * `prevResult`, which DEL and CHECK pass on to the agent.
 */
export interface NetworkConfig {
  cniVersion: string;
  /** The CNI network's name (the conflist's). */
  name: string;
  /** The Loom Network the pod attaches to. */
  network: string;
  agentSocket: string;
  prevResult?: CniResult;
}

const EXAMPLE = '{"cniVersion":"1.0.0","name":"blue","type":"loom-cni","network":"blue"}';

/** Parses and checks stdin; a CniError names the field and what is accepted. */
export function parseNetworkConfig(stdin: string): NetworkConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (err) {
    const shown = stdin.trim() === '' ? 'stdin is empty' : `stdin is not JSON (${(err as Error).message})`;
    throw new CniError(CNI_ERRORS.DECODE_FAILED, `loom-cni: cannot read the network configuration: ${shown}`, `expected a JSON object such as ${EXAMPLE}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CniError(CNI_ERRORS.DECODE_FAILED, 'loom-cni: the network configuration on stdin is not a JSON object', `expected a JSON object such as ${EXAMPLE}`);
  }
  const config = raw as Record<string, unknown>;
  const version = config.cniVersion;
  if (typeof version !== 'string' || !(SUPPORTED_VERSIONS as readonly string[]).includes(version)) {
    throw new CniError(CNI_ERRORS.INCOMPATIBLE_VERSION, `loom-cni: network configuration: cniVersion ${JSON.stringify(version)} is not supported; supported: ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  const problems: string[] = [];
  const text = (field: string, required: boolean): string | undefined => {
    const value = config[field];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value === '') problems.push(`${field}: expected a non-empty string, got ${JSON.stringify(value)}`);
    return typeof value === 'string' ? value : undefined;
  };
  const name = text('name', true);
  const type = text('type', true);
  if (type !== undefined && type !== PLUGIN_TYPE) problems.push(`type: ${JSON.stringify(type)} is not this plugin; expected "${PLUGIN_TYPE}"`);
  const network = text('network', true);
  const agentSocket = text('agentSocket', false) ?? DEFAULT_AGENT_SOCKET;
  if (!agentSocket.startsWith('/')) problems.push(`agentSocket: ${JSON.stringify(agentSocket)} is not an absolute path (default ${DEFAULT_AGENT_SOCKET})`);
  const prevResult = config.prevResult;
  if (prevResult !== undefined && (typeof prevResult !== 'object' || prevResult === null || Array.isArray(prevResult))) problems.push('prevResult: expected a CNI result object');
  if (problems.length) {
    throw new CniError(CNI_ERRORS.INVALID_NETWORK_CONFIG, `loom-cni: invalid network configuration${name ? ` "${name}"` : ''}: ${problems.join('; ')}`, `expected e.g. ${EXAMPLE}`);
  }
  return { cniVersion: version, name: name!, network: network!, agentSocket, ...(prevResult ? { prevResult: prevResult as CniResult } : {}) };
}
