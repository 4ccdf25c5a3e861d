/**
 * The overlay pipeline's tables, declared by name in pipeline order: a table's id is its
 * position, so inserting a stage renumbers the ones after it and nothing else changes —
 * flows, tests and dumps refer to tables by name. OpenFlow only allows `goto_table` to a
 * later table, so the order is also the order packets move in.
 *
 *   Classifier       in_port (+ tun_id for the tunnel) → NetworkId and PacketSource in reg0
 *   SpoofGuard       a pod may send only from its own MAC and IP (IPv4 and ARP)
 *   ArpResponder     answers ARP requests for known IPs on the sender's own port
 *   Conntrack        IPv4 through the connection tracker, in the network's zone, with NAT
 *                    (established service connections are translated here, both ways)
 *   ConntrackState   drops invalid packets; tunnel traffic skips to L2Forwarding
 *   ServiceLB        new connections to a service VIP → a backend (select group, DNAT)
 *   EgressSecurity   security groups, egress rules of the sending pod
 *   L3Rewrite        a packet for the gateway MAC whose (translated) IP is a pod's → that pod's MAC
 *   L2Forwarding     destination MAC within the network → TargetOfport (+ tunnel fields)
 *   IngressSecurity  security groups, ingress rules of the receiving pod (here only)
 *   ConntrackCommit  commits new connections that got this far, so replies are established
 *   Output           TargetOfport → output
 *
 * Traffic from a pod walks every table. Traffic from the tunnel is tracked too (a reply to
 * a service connection is reverse-translated on the client's host), then goes from
 * ConntrackState straight to L2Forwarding: the sending host already guarded, answered ARP,
 * balanced and applied egress rules.
 */
export const TABLES = [
  'Classifier',
  'SpoofGuard',
  'ArpResponder',
  'Conntrack',
  'ConntrackState',
  'ServiceLB',
  'EgressSecurity',
  'L3Rewrite',
  'L2Forwarding',
  'IngressSecurity',
  'ConntrackCommit',
  'Output',
] as const;

export type TableName = (typeof TABLES)[number];

const IDS: ReadonlyMap<string, number> = new Map(TABLES.map((name, id) => [name, id]));

/** The OpenFlow table id of `name`: its position in TABLES. */
export function tableId(name: TableName): number {
  const id = IDS.get(name);
  if (id === undefined) throw new RangeError(`unknown pipeline table ${JSON.stringify(name)}; tables are ${TABLES.join(', ')}`);
  return id;
}

/** The name of table `id`, or undefined for an id outside the pipeline. */
export function tableName(id: number): TableName | undefined {
  return TABLES[id];
}
