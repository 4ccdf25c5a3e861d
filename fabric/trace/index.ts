/**
 * Seeing what the pipeline does with traffic, in the model's terms: per-rule hit counts of
 * security groups, and traces of a packet through the real flows (ofproto/trace). Pure,
 * except run-ofproto-trace.ts. See README.md.
 */
export { parseTraceInput, planTrace, TraceRequestError, traceFlow, connectionHash, DEFAULT_SOURCE_PORT, TRACE_PROTOCOLS, type TraceEndpoint, type TraceHop, type TraceHost, type TraceInput, type TracePacket, type TracePlan, type TraceProtocol } from './trace-plan';
export { parseOfprotoTrace, flowFields, TraceParseError, type ParsedTrace, type TracePass, type TraceStep } from './parse-trace';
export { explainHop, describePacket, type Balancing, type DropCause, type ExplainedHop, type ExplainedStep, type HopOutcome, type RuleRef } from './explain-trace';
export { traceflow, nextHop, type HopResult, type HopRun, type RunHop, type TraceResult, type VerdictKind } from './traceflow';
export { runOfprotoTrace, OfprotoTraceError } from './run-ofproto-trace';
export { ruleHits, ruleKey, ruleLabel, securityGroupStats, type HostCounters, type RuleStat, type SecurityGroupStats } from './rule-stats';
