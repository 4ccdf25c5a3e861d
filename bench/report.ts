import { round } from './stats';

/** What a benchmark prints: one JSON line per metric on stdout, progress on stderr. */
export interface BenchReport {
  /** `{"bench", "scenario", "metric", "value", "unit", …extra}`; a scenario left undefined is left out. */
  emit(scenario: string | undefined, metric: string, value: number, unit: string, extra?: Record<string, unknown>): void;
  progress(message: string): void;
}

/** The output of benchmark `bench`; progress lines read `[bench:<tag>] …`. */
export function benchReport(bench: string, tag = bench): BenchReport {
  return {
    emit(scenario, metric, value, unit, extra = {}) {
      process.stdout.write(JSON.stringify({ bench, scenario, metric, value: round(value), unit, ...extra }) + '\n');
    },
    progress(message) {
      process.stderr.write(`[bench:${tag}] ${message}\n`);
    },
  };
}
