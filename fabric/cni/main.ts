import { runPlugin } from './plugin';

/** `loom-cni` as the runtime executes it (bin/loom-cni.js): stdin and CNI_* in, JSON on stdout, exit 0 or 1. */
export async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  // A runtime always writes the config; VERSION may come with none, and a closed stdin is not an error.
  if (!process.stdin.isTTY) for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const outcome = await runPlugin(Buffer.concat(chunks).toString('utf8'), process.env);
  process.stdout.write(outcome.stdout);
  process.exitCode = outcome.exitCode;
}
