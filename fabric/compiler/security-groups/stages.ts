import { Feature, type TableName } from '../../pipeline';

/**
 * Where security groups sit in the pipeline (fabric/pipeline/tables.ts), and the
 * priorities of their flows, highest first. Both tables see packets the connection tracker
 * has classified in the network's zone, invalid ones already dropped:
 *
 *   ESTABLISHED  +est or +rel: replies and related packets (ICMP errors) of connections
 *                that were allowed when they began, so no rule needs a reverse twin
 *   DIRECT       a rule that needs no conjunction (any protocol, from or to anywhere):
 *                one flow per member
 *   RULE         conjunction clauses and `conj_id` flows: only +new IPv4 gets here
 *   ISOLATED     a member of a group: IPv4 no rule allowed is dropped
 *   (0)          the pipeline's own pass-through: pods no group isolates
 *
 * DIRECT sits above RULE because a flow matching the same member as a clause would have the
 * same (table, priority, match) and could not also carry conjunction actions.
 */
export const Priority = { ESTABLISHED: 200, DIRECT: 150, RULE: 100, ISOLATED: 10 } as const;

export type Direction = 'ingress' | 'egress';

export interface Stage {
  table: TableName;
  /** Where allowed packets go. */
  next: TableName;
  feature: Feature;
}

/**
 * Egress: packets from a pod here, after the service LB (a service connection already
 * has its backend's address as nw_dst); the pod is in_port. Ingress: packets to a pod
 * here, from a pod here or the tunnel (nw_src is the real client); the pod is TargetOfport.
 */
export const STAGES: Record<Direction, Stage> = {
  egress: { table: 'EgressSecurity', next: 'L3Rewrite', feature: Feature.EgressSecurity },
  ingress: { table: 'IngressSecurity', next: 'ConntrackCommit', feature: Feature.IngressSecurity },
};
