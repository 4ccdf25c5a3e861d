import { CtFlags, CtState, EthType, NatFlags, type Action, type Match } from '../../openflow/codec';
import { Feature, flow, NetworkId, planHost, tableId, type HostView, type PipelineFlow, type PipelineGroup } from '../../pipeline';
import type { Mesh } from '../../../src/model/mesh';
import { formatIp } from '../../../src/net/ip-address';
import { affinitySlots } from './affinity-slots';
import { groupIds, groupKey } from './group-ids';
import { l3RewriteFlows } from './l3-rewrite';
import { vipTargets, type Backend, type VipTarget } from './vip-targets';

/** A new connection to a VIP: balanced. */
const NEW_CONNECTION = 100;
/** Anything else to a VIP (every packet when no backend serves): dropped, not sent to the controller as an unknown MAC. */
const OTHER_TO_VIP = 90;

export interface ServiceLbFlows {
  /** ServiceLB and L3Rewrite flows, above the pass-throughs hostFlows already has; in table order. */
  flows: PipelineFlow[];
  /** The select groups the flows send to, by id. */
  groups: PipelineGroup[];
}

/**
 * One host's service load balancing, from the model and the host's view (see README.md):
 * a new connection from a pod here to a VIP goes to one serving backend of the service in
 * the pod's network — by a select group, or by the client's address with ClientIP
 * affinity — through conntrack DNAT, so its later packets and the replies are translated
 * by the Conntrack table. Throws InvalidViewError for an invalid view. Pure.
 */
export function serviceLbFlows(mesh: Pick<Mesh, 'services' | 'endpoints'>, view: HostView): ServiceLbFlows {
  const plan = planHost(view);
  const targets = vipTargets(mesh, plan);
  const grouped = targets.filter((t) => t.backends.length > 0 && !t.clientIpAffinity);
  const ids = groupIds(grouped.map((t) => groupKey(t.service, t.network.name)));
  const flows: PipelineFlow[] = [];
  const groups: PipelineGroup[] = [];
  for (const t of targets) {
    const toVip = (priority: number) => flow('ServiceLB', priority).match({ ethType: EthType.IPV4, ipv4Dst: t.vip }).matchReg(NetworkId, t.network.id);
    flows.push(toVip(OTHER_TO_VIP).build(Feature.ServiceLB));
    if (t.backends.length === 0) continue;
    const newConnection = toVip(NEW_CONNECTION).match({ ctState: { value: CtState.trk | CtState.new, mask: CtState.trk | CtState.new } });
    if (t.clientIpAffinity) {
      flows.push(...affinityFlows(t).map(({ match, backend }) => newConnection.match(match).apply(toBackend(backend)).build(Feature.ServiceLB)));
    } else {
      const groupId = ids.get(groupKey(t.service, t.network.name))!;
      groups.push({ groupId, groupType: 'select', buckets: t.backends.map((b) => ({ weight: b.weight, actions: [toBackend(b)] })) });
      flows.push(newConnection.apply({ type: 'group', groupId }).build(Feature.ServiceLB));
    }
  }
  flows.push(...l3RewriteFlows(plan, new Set(targets.map((t) => t.network.id))));
  return { flows: flows.sort((a, b) => a.tableId - b.tableId), groups: groups.sort((a, b) => a.groupId - b.groupId) };
}

/**
 * Commits the connection in the network's zone with the backend as its destination and
 * goes on to the egress rules, which see the backend's address. Later packets (and the
 * replies, back to the VIP) are translated by Conntrack's `ct(nat)`.
 */
function toBackend(b: Backend): Action {
  return {
    type: 'ct',
    flags: CtFlags.COMMIT,
    zone: { field: NetworkId.reg, ofs: NetworkId.ofs, nbits: NetworkId.nbits },
    recircTable: tableId('EgressSecurity'),
    actions: [{ type: 'nat', flags: NatFlags.DST, ipMin: b.ip }],
  };
}

/** One match per slot on the low bits of the client's address (see affinity-slots.ts). */
function affinityFlows(t: VipTarget): { match: Match; backend: Backend }[] {
  const byName = new Map(t.backends.map((b) => [b.name, b]));
  const slots = affinitySlots(t.backends);
  if (slots.length === 1) return [{ match: {}, backend: byName.get(slots[0])! }];
  const mask = formatIp({ family: 4, value: BigInt(slots.length - 1) });
  return slots.map((name, slot) => ({ match: { ipv4Src: `${formatIp({ family: 4, value: BigInt(slot) })}/${mask}` }, backend: byName.get(name)! }));
}
