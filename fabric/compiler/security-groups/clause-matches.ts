import { EthType, IpProto, type Match, type MaskableNumber } from '../../openflow/codec';
import { oncePerObject } from '../../../src/memo';
import { matchReg, NetworkId, TargetOfport, type LocalEndpoint } from '../../pipeline';
import type { PeerEndpoint, PolicyRule, Traffic } from './policy';
import { portPrefixes } from './port-prefixes';
import type { Direction } from './stages';

/**
 * The matches of a rule's three clauses: who it applies to (member), who the other end is
 * (peer), and what traffic (protocol and ports). A clause that would match every IPv4
 * packet is `undefined`, so the conjunction leaves it out.
 */

/**
 * One alternative of a clause: its match, and a key that is equal exactly when the match
 * is (within one table), written like the match in `ovs-ofctl` terms. Flows are merged by
 * this key, so nothing has to compare match objects.
 */
export interface Alternative {
  readonly key: string;
  readonly match: Match;
}

const IPV4: Match = { ethType: EthType.IPV4 };

/*
 * Endpoints' alternatives, by their entry in the host's plan. A plan is kept as long as its
 * view (planHost), and the controller keeps a view while endpoints and hosts stay
 * (HostStateCache): an endpoint's matches are built once, not for every rule and change.
 * Within a plan an entry is one endpoint, so one alternative per match, as interning
 * guarantees for the rest.
 */

/** The pod sends (egress: it is in_port) or receives (ingress: it is TargetOfport). */
const memberAlternative: Record<Direction, (member: LocalEndpoint) => Alternative> = {
  egress: oncePerObject((m) => ({ key: `ip,in_port=${m.ofport}`, match: { ...IPV4, inPort: m.ofport } })),
  ingress: oncePerObject((m) => ({ key: `ip,reg1=${m.ofport}`, match: matchReg(IPV4, TargetOfport, m.ofport) })),
};

/** The other end, by its address within its network (addresses repeat across networks). */
const peerAlternatives = (field: 'ipv4Src' | 'ipv4Dst', name: 'nw_src' | 'nw_dst') =>
  oncePerObject((p: PeerEndpoint): Alternative => ({ key: `ip,network=${p.network.id},${name}=${p.ip}`, match: matchReg({ ...IPV4, [field]: p.ip }, NetworkId, p.network.id) }));
const peerAlternative: Record<Direction, (peer: PeerEndpoint) => Alternative> = { ingress: peerAlternatives('ipv4Src', 'nw_src'), egress: peerAlternatives('ipv4Dst', 'nw_dst') };

/**
 * The clause alternatives of one host's compile. The same member, peer, CIDR or port
 * recurs in many rules: each is built once, and every rule gets the same object —
 * endpoints' once per plan (above), CIDRs' and traffic's once per compile.
 */
export class ClauseMatches {
  private readonly built = new Map<string, Alternative>();

  member(direction: Direction, member: LocalEndpoint): Alternative {
    return memberAlternative[direction](member);
  }

  /**
   * The other end: an endpoint by its address within its network (addresses repeat across
   * networks), a CIDR in any network. Ingress looks at the source, egress at the destination.
   */
  peers(direction: Direction, peers: PolicyRule['peers']): Alternative[] | undefined {
    if (peers === undefined) return undefined;
    const [field, name] = direction === 'ingress' ? (['ipv4Src', 'nw_src'] as const) : (['ipv4Dst', 'nw_dst'] as const);
    return [
      ...peers.endpoints.map(peerAlternative[direction]),
      // OVS prints a /32 as the bare address; so does the match.
      ...peers.cidrs.map((c) => {
        const address = c.endsWith('/32') ? c.slice(0, -3) : c;
        return this.intern(`ip,${name}=${address}`, () => ({ ...IPV4, [field]: address }));
      }),
    ];
  }

  /**
   * The protocol, with destination ports as masked prefixes (port-prefixes.ts) or an ICMP
   * type and code. A rule whose ports turned out empty matches nothing: never everything.
   */
  traffic(t: Traffic): Alternative[] | undefined {
    switch (t.protocol) {
      case 'any':
        return undefined;
      case 'icmp': {
        const { type, code } = t.icmp ?? {};
        return [
          this.intern(['icmp', ...(type !== undefined ? [`icmp_type=${type}`] : []), ...(code !== undefined ? [`icmp_code=${code}`] : [])].join(','), () => ({
            ...IPV4,
            ipProto: IpProto.ICMP,
            ...(type !== undefined ? { icmpv4Type: type } : {}),
            ...(code !== undefined ? { icmpv4Code: code } : {}),
          })),
        ];
      }
      case 'tcp':
      case 'udp': {
        const proto = { ...IPV4, ipProto: t.protocol === 'tcp' ? IpProto.TCP : IpProto.UDP };
        if (t.ports === undefined) return [this.intern(t.protocol, () => proto)];
        const field = t.protocol === 'tcp' ? 'tcpDst' : 'udpDst';
        return portPrefixes(t.ports).map((p) => this.intern(`${t.protocol},tp_dst=${portText(p)}`, () => ({ ...proto, [field]: p })));
      }
    }
  }

  private intern(key: string, match: () => Match): Alternative {
    let alternative = this.built.get(key);
    if (!alternative) {
      alternative = { key, match: match() };
      this.built.set(key, alternative);
    }
    return alternative;
  }
}

function portText(p: MaskableNumber): string {
  return typeof p === 'number' ? `${p}` : `${p.value}/0x${p.mask.toString(16)}`;
}
