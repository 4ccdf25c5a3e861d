/** The result of ADD in the CNI 1.0.0 format ("Success"), which the runtime records and passes back to DEL and CHECK as `prevResult`. */
export interface CniResult {
  cniVersion: string;
  interfaces: CniInterface[];
  ips: CniIp[];
  routes: CniRoute[];
  dns: Record<string, never> | { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] };
}

export interface CniInterface {
  name: string;
  mac: string;
  /** Set for the pod's interface: the path of its network namespace. */
  sandbox?: string;
}

export interface CniIp {
  /** CIDR notation: the pod's IP and the network's prefix length. */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

/** What ADD set up, as the agent knows it. */
export interface PodAttachmentSummary {
  hostInterface: { name: string; mac: string };
  podInterface: { name: string; mac: string; netns: string };
  ip: string;
  prefixLength: number;
  /** The network's CIDR, for the connected route of a network without gateway. */
  cidr: string;
  gateway?: string;
}

/**
 * The ADD result: the host's veth end, then the pod's (index 1, which the address refers
 * to); a default route via the gateway when the network has one, else only the network's
 * own (connected) route. DNS is not Loom's to configure here.
 */
export function buildCniResult(cniVersion: string, a: PodAttachmentSummary): CniResult {
  return {
    cniVersion,
    interfaces: [
      { name: a.hostInterface.name, mac: a.hostInterface.mac },
      { name: a.podInterface.name, mac: a.podInterface.mac, sandbox: a.podInterface.netns },
    ],
    ips: [{ address: `${a.ip}/${a.prefixLength}`, ...(a.gateway ? { gateway: a.gateway } : {}), interface: 1 }],
    routes: a.gateway ? [{ dst: '0.0.0.0/0', gw: a.gateway }] : [{ dst: a.cidr }],
    dns: {},
  };
}
