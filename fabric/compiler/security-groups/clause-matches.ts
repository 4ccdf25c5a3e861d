import { EthType, IpProto, type Match } from '../../openflow/codec';
import { matchReg, NetworkId, TargetOfport, type LocalEndpoint } from '../../pipeline';
import type { PolicyRule, Traffic } from './policy';
import { portPrefixes } from './port-prefixes';
import type { Direction } from './stages';

/**
 * The matches of a rule's three clauses: who it applies to (member), who the other end is
 * (peer), and what traffic (protocol and ports). A clause that would match every IPv4
 * packet is `undefined`, so the conjunction leaves it out.
 */

const IPV4: Match = { ethType: EthType.IPV4 };

/** The pod sends (egress: it is in_port) or receives (ingress: it is TargetOfport). */
export function memberMatch(direction: Direction, member: LocalEndpoint): Match {
  return direction === 'egress' ? { ...IPV4, inPort: member.ofport } : matchReg(IPV4, TargetOfport, member.ofport);
}

/**
 * The other end: an endpoint by its address within its network (addresses repeat across
 * networks), a CIDR in any network. Ingress looks at the source, egress at the destination.
 */
export function peerMatches(direction: Direction, peers: PolicyRule['peers']): Match[] | undefined {
  if (peers === undefined) return undefined;
  const field = direction === 'ingress' ? 'ipv4Src' : 'ipv4Dst';
  return [
    ...peers.endpoints.map((p) => matchReg({ ...IPV4, [field]: p.ip }, NetworkId, p.networkId)),
    // OVS prints a /32 as the bare address; so does the match.
    ...peers.cidrs.map((c) => ({ ...IPV4, [field]: c.endsWith('/32') ? c.slice(0, -3) : c })),
  ];
}

/**
 * The protocol, with destination ports as masked prefixes (port-prefixes.ts) or an ICMP
 * type and code. A rule whose ports turned out empty matches nothing: never everything.
 */
export function trafficMatches(t: Traffic): Match[] | undefined {
  switch (t.protocol) {
    case 'any':
      return undefined;
    case 'icmp':
      return [{ ...IPV4, ipProto: IpProto.ICMP, ...(t.icmp ? { icmpv4Type: t.icmp.type } : {}), ...(t.icmp?.code !== undefined ? { icmpv4Code: t.icmp.code } : {}) }];
    case 'tcp':
    case 'udp': {
      const proto = { ...IPV4, ipProto: t.protocol === 'tcp' ? IpProto.TCP : IpProto.UDP };
      if (t.ports === undefined) return [proto];
      const field = t.protocol === 'tcp' ? 'tcpDst' : 'udpDst';
      return portPrefixes(t.ports).map((p) => ({ ...proto, [field]: p }));
    }
  }
}
