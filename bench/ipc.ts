/**
 * Messages between the benchmark (server process) and the simulated ADS clients
 * (bench/sim-ads-client.ts, a forked child process).
 */

export interface OpenCommand {
  type: 'open';
  port: number;
  /** How many ADS streams to open. */
  streams: number;
  /** Streams multiplexed on one gRPC channel (one HTTP/2 connection each). */
  streamsPerChannel: number;
  /** At most this many streams are still syncing their initial config at a time. */
  concurrency: number;
  /** LDS names every client subscribes to (the service names it dials). */
  listenerNames: string[];
}

export type ParentMessage = OpenCommand | { type: 'usage' } | { type: 'close' };

export interface Usage {
  /** process.cpuUsage() of the client process, µs. */
  userMicros: number;
  systemMicros: number;
  rss: number;
  heapUsed: number;
  /** Responses received and requests sent by all simulated streams so far. */
  responses: number;
  acks: number;
}

export type ChildMessage =
  | { type: 'progress'; ready: number }
  | { type: 'ready'; ms: number; channels: number }
  | { type: 'usage'; usage: Usage }
  | { type: 'closed' }
  | { type: 'error'; message: string };
