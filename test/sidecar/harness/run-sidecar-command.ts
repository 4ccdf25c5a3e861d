import { Command } from 'commander';
import { registerSidecarCommands } from '../../../src/cli/sidecar-commands';

/**
 * Runs one of the sidecar commands in-process, as `loom <args>` would, and collects what
 * it writes. An error is returned as thrown (src/cli/main.ts turns it into `loom: error:`).
 */
export interface CommandOutcome {
  stdout: string;
  stderr: string;
  error?: Error;
}

export async function runSidecarCommand(args: string[], env: Record<string, string> = {}): Promise<CommandOutcome> {
  const program = new Command('loom').exitOverride();
  registerSidecarCommands(program);
  const out = { stdout: '', stderr: '' };
  const saved = { ...process.env };
  const writes = (['stdout', 'stderr'] as const).map((stream) =>
    jest.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      out[stream] += chunk.toString();
      return true;
    }),
  );
  Object.assign(process.env, env);
  try {
    await program.parseAsync(args, { from: 'user' });
    return out;
  } catch (error) {
    return { ...out, error: error as Error };
  } finally {
    for (const w of writes) w.mockRestore();
    for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
