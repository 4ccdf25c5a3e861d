import type { CniErrorOutput } from './cni-errors';
import type { CniResult } from './cni-result';

/**
 * How the plugin talks to the host's agent: HTTP/1.1 with JSON bodies over the agent's
 * unix socket (root only; the socket is 0660).
 *
 *   POST /v1/cni/add    CniRequest → 200 CniResult
 *   POST /v1/cni/del    CniRequest → 200 {}
 *   POST /v1/cni/check  CniRequest → 200 {}
 *   GET  /v1/status     → 200 AgentStatus (host setup, ports, OVSDB and control plane health)
 *
 * A refused request answers 4xx/5xx with a CNI error body (`{cniVersion, code, msg,
 * details}`) that the plugin prints as it is. The plugin holds no logic of its own beyond
 * reading stdin and the environment.
 */
export const AGENT_PATHS = { add: '/v1/cni/add', del: '/v1/cni/del', check: '/v1/cni/check', status: '/v1/status' } as const;

export interface CniRequest {
  cniVersion: string;
  containerId: string;
  /** Empty on a DEL whose namespace is already gone. */
  netns: string;
  ifname: string;
  /** The Loom Network (the network config's `network`). */
  network: string;
  /** CNI_ARGS: `K8S_POD_NAME`, `K8S_POD_NAMESPACE`, `IP`, `MAC`, … */
  args: Record<string, string>;
  prevResult?: CniResult;
}

export type AgentErrorBody = CniErrorOutput;

/** One pod interface attached on this host. */
export interface AttachedPort {
  /** The endpoint's name, which is also the IPAM owner and the port's `external_ids:iface-id`. */
  owner: string;
  network: string;
  containerId: string;
  ifname: string;
  /** The host's veth end, and the br-int port of the same name. */
  port: string;
  ip: string;
  mac: string;
  ofport?: number;
}

export interface AgentStatus {
  host: string;
  /** OVSDB replica connected and current. */
  ovsdbConnected: boolean;
  datapathType?: 'system' | 'netdev';
  fallback?: string;
  tunnelOfport?: number;
  datapathId?: string;
  podMtu?: number;
  hwOffload?: { enabled: boolean; offloadedFlows: number };
  /** The last host report, and why it failed if it did. */
  lastReport?: { at: string; ok: boolean; error?: string };
  /** The last reconciliation of the host's OVS configuration, and what it had to repair. */
  lastReconcile?: { at: string; ok: boolean; repaired: string[]; error?: string };
  /** The last reconciliation that had to repair something (OVS lost bridges, ports, the underlay address). */
  lastRepair?: { at: string; repaired: string[] };
  ports: AttachedPort[];
}
