/**
 * iputils `ping` output, read (pure): the summary of a short ping, and the per-reply
 * timestamps of a continuous one (`ping -D`), from which outages are measured.
 */

export interface PingResult {
  /** At least one reply. */
  ok: boolean;
  transmitted: number;
  received: number;
  /** Round-trip time of each reply. */
  rttMs: number[];
  /** The whole output, for failure messages. */
  output: string;
}

export interface PingReply {
  seq: number;
  /** When the reply arrived (ms since the epoch, the clock `Date.now()` reads). */
  at: number;
  rttMs: number;
  /** The address it came from. */
  from: string;
}

/** What a continuous `ping -D` saw, in arrival order. */
export interface PingLog {
  replies: PingReply[];
  transmitted: number;
  received: number;
  output: string;
}

const REPLY = /^\[(\d+\.\d+)\] \d+ bytes from ([\d.]+): icmp_seq=(\d+) ttl=\d+ time=([\d.]+) ms$/gm;
const SUMMARY = /(\d+) packets transmitted, (\d+) (?:packets )?received/;

export function parsePingSummary(output: string): Omit<PingResult, 'ok' | 'rttMs' | 'output'> {
  const m = SUMMARY.exec(output);
  return m ? { transmitted: Number(m[1]), received: Number(m[2]) } : { transmitted: 0, received: 0 };
}

export function parsePingResult(output: string): PingResult {
  const summary = parsePingSummary(output);
  const rttMs = [...output.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  return { ok: summary.received > 0, ...summary, rttMs, output };
}

/** Parses the output of `ping -D` (replies with their arrival time, and the summary printed on SIGINT). */
export function parsePingLog(output: string): PingLog {
  const replies = [...output.matchAll(REPLY)].map((m) => ({ at: Number(m[1]) * 1000, from: m[2], seq: Number(m[3]), rttMs: Number(m[4]) }));
  return { replies, ...parsePingSummary(output), output };
}

/** The first reply that arrived after `t` (ms since the epoch). */
export function firstReplyAfter(log: PingLog, t: number): PingReply | undefined {
  return log.replies.find((r) => r.at > t);
}

/** The last reply that arrived before `t`. */
export function lastReplyBefore(log: PingLog, t: number): PingReply | undefined {
  return log.replies.filter((r) => r.at < t).at(-1);
}

/** The longest time between two consecutive replies (0 with fewer than two). */
export function longestSilence(log: PingLog): { from: number; to: number; ms: number } {
  let worst = { from: 0, to: 0, ms: 0 };
  for (let i = 1; i < log.replies.length; i++) {
    const ms = log.replies[i].at - log.replies[i - 1].at;
    if (ms > worst.ms) worst = { from: log.replies[i - 1].at, to: log.replies[i].at, ms };
  }
  return worst;
}
