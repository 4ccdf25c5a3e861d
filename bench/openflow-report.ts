import { round } from './stats';

/** Output of bench:openflow: one JSON line per metric on stdout, progress on stderr. */

export const BENCH = 'openflow';

export function emit(scenario: string, metric: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ bench: BENCH, scenario, metric, value: round(value), unit, ...extra }) + '\n');
}

export function progress(message: string): void {
  process.stderr.write(`[bench:openflow] ${message}\n`);
}
