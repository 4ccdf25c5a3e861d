import fs from 'node:fs';
import path from 'node:path';
import type { HopRun, TracePlan } from '../../../fabric/trace';

/**
 * Real ofproto/trace output (OVS 3.1) and the plans the API returned for it, captured
 * from the two-host cluster of test/e2e/fabric/trace.test.ts (`UPDATE_TRACE_FIXTURES=1`
 * rewrites them); `no-match.txt` from a bridge without flows.
 */
const DIR = path.join(__dirname, 'fixtures');

export function traceText(name: string): string {
  return fs.readFileSync(path.join(DIR, name), 'utf8');
}

export function fixturePlan(name: string): TracePlan {
  return JSON.parse(traceText(`${name}.plan.json`)) as TracePlan;
}

/** Answers each hop of `name` with its captured text, in order; a hop past the captured ones is unreachable. */
export function capturedHops(name: string): () => Promise<HopRun> {
  let hop = 0;
  return async () => {
    hop += 1;
    const file = path.join(DIR, `${name}.hop${hop}.txt`);
    return fs.existsSync(file) ? { text: fs.readFileSync(file, 'utf8') } : { unreachable: `no capture of hop ${hop}` };
  };
}
