import type { ReportedHost } from '../../src/model/host';
import type { Mesh } from '../../src/model/mesh';
import { parseIp } from '../../src/net/ip-address';
import { generatedMac } from '../../src/net/mac-address';
import type { HostView, NetworkView } from './view';

/**
 * The model and the agents' host reports, seen from one host: the pipeline's input.
 * Pure. A host that has not reported its tunnel port yet has no view (no flows), and
 * endpoints on hosts that have not reported are left out until their host does: there
 * is no tunnel to send to them yet.
 */
export function hostViewFromMesh(mesh: Pick<Mesh, 'networks' | 'endpoints'>, hosts: readonly ReportedHost[], hostName: string): HostView | undefined {
  const self = hosts.find((h) => h.name === hostName);
  if (!self?.tunnelOfport) return undefined;
  const reported = new Set(hosts.map((h) => h.name));
  return {
    host: { name: self.name, underlayIp: self.underlayIp, tunnelOfport: self.tunnelOfport },
    networks: networkViews(mesh),
    endpoints: Object.values(mesh.endpoints)
      .filter((ep) => ep.network && ep.mac && ep.host && reported.has(ep.host) && (ep.host !== hostName || ep.ofport !== undefined))
      .map((ep) => ({ name: ep.name, network: ep.network!, ip: ep.address, mac: ep.mac!, host: ep.host!, ...(ep.host === hostName ? { ofport: ep.ofport } : {}) })),
    hosts: hosts.map((h) => ({ name: h.name, underlayIp: h.underlayIp })),
  };
}

/**
 * Network ids (the register value that keeps networks apart) are positions in VNI order:
 * stable while networks stay, and the flow sync swaps a host's flows atomically when
 * one is added.
 */
function networkViews(mesh: Pick<Mesh, 'networks'>): NetworkView[] {
  return Object.values(mesh.networks)
    .sort((a, b) => a.vni - b.vni)
    .map((net, i) => ({
      name: net.name,
      id: i + 1,
      vni: net.vni,
      cidr: net.cidr,
      ...(net.gateway ? { gatewayIp: net.gateway, gatewayMac: generatedMac(parseIp(net.gateway)!.value) } : {}),
    }));
}
