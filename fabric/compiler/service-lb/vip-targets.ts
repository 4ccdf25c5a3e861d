import type { HostPlan, NetworkView } from '../../pipeline';
import { isServing } from '../../../src/model/endpoint';
import type { Mesh } from '../../../src/model/mesh';

/**
 * What the load balancer of one host balances: for each service with a VIP and each
 * network here that has a gateway, the service's serving backends in that network.
 * Clients reach the VIP through their gateway (it is off their subnet), so a network
 * without one has no way to send to it. Backends come from the host's plan, so only
 * endpoints the overlay can deliver to here (their host has reported) are picked.
 */
export interface VipTarget {
  readonly service: string;
  readonly vip: string;
  readonly clientIpAffinity: boolean;
  readonly network: NetworkView & { gatewayMac: string };
  /** Sorted by name; empty when no backend serves in this network. */
  readonly backends: readonly Backend[];
}

export interface Backend {
  readonly name: string;
  readonly ip: string;
  /** The endpoint's weight, 1 when it has none (as xDS does). */
  readonly weight: number;
}

export function vipTargets(mesh: Pick<Mesh, 'services' | 'endpoints'>, plan: HostPlan): VipTarget[] {
  const backends = new Map<string, Backend[]>();
  for (const e of [...plan.local, ...plan.remote]) {
    const ep = mesh.endpoints[e.name];
    if (ep?.service === undefined || ep.network !== e.network.name || !isServing(ep)) continue;
    const key = `${ep.service}\0${e.network.name}`;
    const list = backends.get(key) ?? [];
    list.push({ name: e.name, ip: e.ip, weight: ep.weight ?? 1 });
    backends.set(key, list);
  }
  const networks = plan.networks.filter((n): n is VipTarget['network'] => n.gatewayMac !== undefined);
  return Object.values(mesh.services)
    .filter((svc) => svc.vip !== undefined)
    .sort((a, b) => compare(a.name, b.name))
    .flatMap((svc) =>
      networks.map((network) => ({
        service: svc.name,
        vip: svc.vip!,
        clientIpAffinity: svc.sessionAffinity === 'ClientIP',
        network,
        backends: (backends.get(`${svc.name}\0${network.name}`) ?? []).sort((a, b) => compare(a.name, b.name)),
      })),
    );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
