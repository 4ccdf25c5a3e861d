import { oncePerObject } from '../../src/memo';
import { assertValidView, type HostView, type LocalHost, type NetworkView } from './view';

/**
 * What one host's flows are built from, derived from a valid view: the networks that
 * have an endpoint here, the endpoints here (with their ports) and the endpoints of those
 * networks elsewhere (with their host's underlay IP). A network without an endpoint on
 * this host contributes nothing: no packet of it can enter here from a pod, and tunnel
 * traffic for it has nowhere to go. Everything is sorted, so the same view always gives
 * the same flows in the same order.
 */
export interface HostPlan {
  readonly host: LocalHost;
  readonly networks: readonly NetworkView[];
  readonly local: readonly LocalEndpoint[];
  readonly remote: readonly RemoteEndpoint[];
}

interface PlannedEndpoint {
  readonly name: string;
  readonly network: NetworkView;
  readonly ip: string;
  /** Lower case, as OVS prints it. */
  readonly mac: string;
}

export interface LocalEndpoint extends PlannedEndpoint {
  readonly ofport: number;
}

export interface RemoteEndpoint extends PlannedEndpoint {
  readonly host: string;
  readonly underlayIp: string;
}

/**
 * Validates the view (throwing InvalidViewError) and derives this host's plan, once per
 * view object: every feature plans the same view, the controller keeps a host's view while
 * its inputs stay, and a view is not changed after it is made (hostViewFromMesh makes a
 * new one).
 */
export const planHost: (view: HostView) => HostPlan = oncePerObject(newPlan);

function newPlan(view: HostView): HostPlan {
  assertValidView(view);
  const here = view.host.name;
  const networkByName = new Map(view.networks.map((n) => [n.name, n]));
  const underlay = new Map(view.hosts.map((h) => [h.name, h.underlayIp]));

  const local: LocalEndpoint[] = view.endpoints
    .filter((e) => e.host === here)
    .map((e) => ({ name: e.name, network: networkByName.get(e.network)!, ip: e.ip, mac: e.mac.toLowerCase(), ofport: e.ofport! }))
    .sort((a, b) => a.ofport - b.ofport);

  const present = new Set(local.map((e) => e.network.name));
  const networks = view.networks.filter((n) => present.has(n.name)).sort((a, b) => a.id - b.id);

  const remote: RemoteEndpoint[] = view.endpoints
    .filter((e) => e.host !== here && present.has(e.network))
    .map((e) => ({ name: e.name, network: networkByName.get(e.network)!, ip: e.ip, mac: e.mac.toLowerCase(), host: e.host, underlayIp: underlay.get(e.host)! }))
    .sort((a, b) => a.network.id - b.network.id || compare(a.name, b.name));

  return { host: view.host, networks, local, remote };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
