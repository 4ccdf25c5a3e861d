/**
 * Messages between bench/openflow.ts (the controller side) and the simulated switches
 * (bench/openflow-sim-switch.ts, a forked child process).
 */

export interface SimConfig {
  /** The controller's address: `tcp:HOST:PORT` or `unix:PATH`. */
  address: string;
  switches: number;
  /** PACKET_INs each switch keeps outstanding (1 is cbench's latency mode). */
  window: number;
  /** Distinct destination MACs each switch cycles through, as cbench's "hosts". */
  macs: number;
}

export type ParentMessage = { type: 'connect'; config: SimConfig } | { type: 'run'; warmupMs: number; durationMs: number } | { type: 'close' };

export interface SimResult {
  /** FLOW_MODs answered within the measured interval. */
  setups: number;
  seconds: number;
  /** PACKET_IN sent → FLOW_MOD for that buffer received, µs. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** CPU time of the simulator process during the interval, s (user + system). */
  cpuSeconds: number;
  /** FLOW_MODs checked by full decoding (a sample) and how many of those were wrong. */
  checked: number;
  wrong: number;
}

export type ChildMessage = { type: 'connected' } | { type: 'result'; result: SimResult } | { type: 'error'; message: string };
