import type { SecurityGroupStats, TracePlan } from '../../fabric/trace';

/** What the fabric can tell about traffic (implemented by the daemon): rule hit counts, and plans for `loom trace`. */
export interface FabricDiagnostics {
  /** Per-rule hits summed over the hosts; `available: false` (hits null) when no counter could be read. */
  securityGroupStats(): Promise<SecurityGroupStats>;
  /** The ofproto/trace to run for a request `{from, to, proto, dport?, sport?}`, and the legend to read it; TraceRequestError for bad input. */
  planTrace(request: unknown): TracePlan;
}
