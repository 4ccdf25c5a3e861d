import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLoomUp, type LoomUp } from './loom-process';
import { planeApi, type PlaneApi } from './pod';

/**
 * Several control planes sharing their state through Redis, as a highly available
 * deployment runs them: each a real `loom up --state redis://…` process (so one can be
 * killed outright), each listening for OpenFlow on its own unix socket in every host's OVS
 * run dir. Which one is master is the Redis lease's business; `masterOf` asks OVS.
 */
export interface PlaneProcess extends PlaneApi {
  /** 0, 1, …: the order they were started in. */
  readonly index: number;
  readonly up: LoomUp;
  /** Whether its process still runs. */
  alive(): boolean;
  /** SIGKILL: no goodbye to the switches, no resignation of the lease. Resolves once the process is gone. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** The OpenFlow socket of plane `index` in a host's OVS run dir. */
export function planeSocket(runDir: string, index: number): string {
  return `${runDir}/loom-of-${index}.sock`;
}

export async function startPlaneProcesses(count: number, redisUrl: string, runDirs: readonly string[], logLevel = 'error'): Promise<PlaneProcess[]> {
  const planes: PlaneProcess[] = [];
  try {
    // One after another: the first takes the lease, so which is master is predictable.
    for (let index = 0; index < count; index++) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `loom-plane-${index}-`));
      const up = await startLoomUp(dataDir, { state: redisUrl, openflow: runDirs.map((d) => `unix:${planeSocket(d, index)}`), logLevel });
      planes.push(planeProcess(index, up));
    }
  } catch (err) {
    await Promise.all(planes.map((p) => p.stop()));
    throw err;
  }
  return planes;
}

function planeProcess(index: number, up: LoomUp): PlaneProcess {
  const gone = () => up.process.exitCode !== null || up.process.signalCode !== null;
  return {
    index,
    up,
    ...planeApi(up.api),
    alive: () => !gone(),
    kill: () =>
      new Promise<void>((resolve) => {
        if (gone()) return resolve();
        up.process.once('exit', () => resolve());
        up.process.kill('SIGKILL');
      }),
    async stop() {
      await up.stop();
      fs.rmSync(up.dataDir, { recursive: true, force: true });
    },
  };
}
