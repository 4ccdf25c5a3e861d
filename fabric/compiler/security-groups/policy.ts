import { isIPv4 } from 'node:net';
import type { Endpoint } from '../../../src/model/endpoint';
import type { Mesh } from '../../../src/model/mesh';
import { portRangeOf, ruleOf, type PortRange, type SecurityGroup, type SgProtocol, type SgRule } from '../../../src/model/security-group';
import { indexSecurityGroups, type SecurityGroupIndex } from '../../../src/model/security-group-members';
import type { HostPlan, LocalEndpoint, RemoteEndpoint } from '../../pipeline';
import { describeExport, describePeer, describeTraffic } from './describe';
import type { Direction } from './stages';

/**
 * The security groups of a mesh as one host enforces them: every rule reduced to the pods
 * here it applies to (members), the addresses it lets them talk to (peers) and what
 * traffic. Pure; no flows yet (conjunction.ts builds them).
 *
 * - Group rules apply to the group's members; peers are endpoints (matched in their own
 *   network) or CIDRs (in any network). An endpoint outside the overlay — no network,
 *   such as a service registered in Consul by others — is matched by its address, like a
 *   /32 CIDR.
 * - An export is two rules: into the exported endpoints from the target groups' members,
 *   and out of those members that are egress-isolated towards the exported endpoints. A
 *   service export allows TCP to the Service's ports (a connection to its VIP keeps its
 *   port: the service LB translates only the address) and to its backends' Endpoint.port
 *   (where xDS clients connect directly).
 * - A tenant's implicit group: its endpoints accept anything from each other.
 *
 * A member is ingress-isolated when it is in any group or tenant, egress-isolated when
 * it is in a group that has `egress`. Endpoints of networks no member of the rule is in
 * are left out: no packet of theirs can meet the rule's members.
 */

export type RuleKind = 'rule' | 'export' | 'tenant';

export interface RuleIdentity {
  kind: RuleKind;
  /** The group's name; the tenant's for kind `tenant`. */
  group: string;
  direction: Direction;
  /** Position in the group's `ingress`, `egress` or `exports` list; 0 for a tenant. */
  index: number;
}

/** What a rule allows, as the flows match it. */
export interface Traffic {
  protocol: SgProtocol;
  /** tcp and udp; absent: every port. */
  ports?: PortRange[];
  icmp?: { type: number; code?: number };
}

/** A peer endpoint as the host's plan has it: its network (by id) and address are what its flows match. */
export type PeerEndpoint = LocalEndpoint | RemoteEndpoint;

export interface PolicyRule extends RuleIdentity {
  description: string;
  /** The pods here the rule applies to; never empty. */
  members: readonly LocalEndpoint[];
  /** Who members may talk to; absent when a peer is 0.0.0.0/0 (anywhere). Never empty. */
  peers?: { endpoints: PeerEndpoint[]; cidrs: string[] };
  traffic: Traffic;
}

export interface Policy {
  /** Every rule of the mesh (kind/group/direction/index), here or not: conjunction ids come from all of them. */
  keys: string[];
  /** The rules that can let a packet through on this host. */
  rules: PolicyRule[];
  /** The pods here that accept (ingress) or send (egress) only what a rule allows. */
  isolated: Record<Direction, LocalEndpoint[]>;
}

export function ruleKey(r: RuleIdentity): string {
  return `${r.kind}/${r.group}/${r.direction}/${r.index}`;
}

const ANYWHERE = '0.0.0.0/0';

export function securityPolicy(mesh: Mesh, plan: HostPlan): Policy {
  const index = indexSecurityGroups(mesh);
  const local = new Map(plan.local.map((e) => [e.name, e]));
  const seen = new Map<string, LocalEndpoint | RemoteEndpoint>([...plan.remote, ...plan.local].map((e) => [e.name, e]));
  const localOf = (eps: readonly Endpoint[]) => eps.flatMap((ep) => local.get(ep.name) ?? []);
  const groups = Object.values(mesh.securityGroups).sort((a, b) => compare(a.name, b.name));

  const inGroup = new Set(groups.flatMap((g) => index.members(g.name).map((ep) => ep.name)));
  const egressIsolated = new Set(groups.filter((g) => g.egress !== undefined).flatMap((g) => index.members(g.name).map((ep) => ep.name)));
  const inTenant = new Set([...index.tenants.values()].flatMap((eps) => eps.map((ep) => ep.name)));
  const isolated: Policy['isolated'] = {
    ingress: plan.local.filter((e) => inGroup.has(e.name) || inTenant.has(e.name)),
    egress: plan.local.filter((e) => egressIsolated.has(e.name)),
  };

  const keys: string[] = [];
  const rules: PolicyRule[] = [];
  const add = (identity: RuleIdentity, description: string, members: LocalEndpoint[], peers: PolicyRule['peers'] | 'none', traffic: Traffic) => {
    keys.push(ruleKey(identity));
    if (members.length > 0 && peers !== 'none') rules.push({ ...identity, description, members, peers, traffic });
  };
  /** Peer endpoints as addresses, in the networks of `members` only; 'none' when nothing is left. */
  const addresses = (eps: readonly Endpoint[], members: readonly LocalEndpoint[], given: string[] = []): PolicyRule['peers'] | 'none' => {
    const cidrs = [...given, ...eps.filter((ep) => ep.network === undefined && isIPv4(ep.address)).map((ep) => `${ep.address}/32`)];
    if (cidrs.includes(ANYWHERE)) return undefined;
    const networks = new Set(members.map((m) => m.network.id));
    // One entry per address and network (the mesh refuses two endpoints with one address in a network).
    const endpoints = new Set<PeerEndpoint>();
    for (const ep of eps) {
      const v = seen.get(ep.name);
      if (v && networks.has(v.network.id)) endpoints.add(v);
    }
    return endpoints.size + cidrs.length > 0 ? { endpoints: [...endpoints], cidrs: [...new Set(cidrs)] } : 'none';
  };

  for (const group of groups) {
    const members = localOf(index.members(group.name));
    for (const direction of ['ingress', 'egress'] as const) {
      group[direction]?.forEach((r, i) => {
        const rule = ruleOf(r);
        const traffic = trafficOf(rule);
        const peers = addresses(rule.peers.flatMap((p) => index.peerEndpoints(p)), members, rule.peers.flatMap((p) => p.cidr ?? []));
        const description = `group ${group.name} ${direction}[${i}]: ${describeTraffic(traffic)} ${direction === 'ingress' ? 'from' : 'to'} ${rule.peers.map(describePeer).join(', ')}`;
        add({ kind: 'rule', group: group.name, direction, index: i }, description, members, peers, traffic);
      });
    }
    exportRules(mesh, index, group).forEach(({ identity, exported, targets, traffic, description }) => {
      const [into, from] = identity.direction === 'ingress' ? [exported, targets] : [targets, exported];
      const members = localOf(into).filter((e) => identity.direction === 'ingress' || egressIsolated.has(e.name));
      add(identity, description, members, addresses(from, members), traffic);
    });
  }

  for (const [tenant, eps] of index.tenants) {
    const members = localOf(eps);
    add({ kind: 'tenant', group: tenant, direction: 'ingress', index: 0 }, `tenant ${tenant}: ingress from its own endpoints`, members, addresses(eps, members), { protocol: 'any' });
  }
  return { keys, rules, isolated };
}

interface ExportRule {
  identity: RuleIdentity;
  exported: readonly Endpoint[];
  /** The target groups' members. */
  targets: readonly Endpoint[];
  traffic: Traffic;
  description: string;
}

/** Each export as its ingress rule (into the exported endpoints) and its egress rule (out of the targets' isolated members). */
function exportRules(mesh: Mesh, index: SecurityGroupIndex, group: SecurityGroup): ExportRule[] {
  return (group.exports ?? []).flatMap((exp, i) => {
    const service = exp.service === undefined ? undefined : mesh.services[exp.service];
    // An export of a service that is gone allows nothing (the mesh checks refuse that anyway).
    if (exp.service !== undefined && !service) return [];
    const exported = index.exported(group.name, exp);
    const targets = unique(exp.to.flatMap((t) => index.members(t)));
    const ports = service ? [...new Set([...service.ports.map((p) => p.port), ...exported.flatMap((ep) => ep.port ?? [])])].sort((a, b) => a - b) : [];
    const traffic: Traffic = service ? { protocol: 'tcp', ports: ports.map((p) => ({ from: p, to: p })) } : { protocol: 'any' };
    const what = `group ${group.name} exports[${i}]: ${describeExport(exp)} (${describeTraffic(traffic)})`;
    return (['ingress', 'egress'] as const).map((direction) => ({
      identity: { kind: 'export' as const, group: group.name, direction, index: i },
      exported,
      targets,
      traffic,
      description: direction === 'ingress' ? `${what}, into the exported endpoints` : `${what}, out of the target groups' members`,
    }));
  });
}

function trafficOf(rule: SgRule): Traffic {
  const ports = rule.ports?.map((p) => portRangeOf(p)).filter((r): r is PortRange => !('error' in r));
  return { protocol: rule.protocol, ...(ports ? { ports } : {}), ...(rule.icmp ? { icmp: rule.icmp } : {}) };
}

function unique(eps: readonly Endpoint[]): Endpoint[] {
  return [...new Map(eps.map((ep) => [ep.name, ep])).values()];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
