/**
 * The overlay pipeline's tables, declared by name in pipeline order: a table's id is its
 * position, so inserting a stage renumbers the ones after it and nothing else changes —
 * flows, tests and dumps refer to tables by name. OpenFlow only allows `goto_table` to a
 * later table, so the order is also the order packets move in.
 *
 *   Classifier       in_port (+ tun_id for the tunnel) → NetworkId and PacketSource in reg0
 *   SpoofGuard       a pod may send only from its own MAC and IP (IPv4 and ARP)
 *   ArpResponder     answers ARP requests for known IPs on the sender's own port
 *   ServiceLB        extension point: service load balancing (pass-through for now)
 *   EgressSecurity   extension point: security groups, egress rules (pass-through)
 *   L2Forwarding     destination MAC within the network → TargetOfport (+ tunnel fields)
 *   IngressSecurity  extension point: security groups, ingress rules (pass-through)
 *   Output           TargetOfport → output
 *
 * Traffic from a pod walks every table; traffic from the tunnel goes from Classifier
 * straight to L2Forwarding (the sending host already guarded, answered ARP and balanced).
 */
export const TABLES = [
  'Classifier',
  'SpoofGuard',
  'ArpResponder',
  'ServiceLB',
  'EgressSecurity',
  'L2Forwarding',
  'IngressSecurity',
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
