import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LoomError } from '../../errors';
import type { CatalogData } from './records';

const FILE_NAME = 'registry.json';

const Strings = z.record(z.string(), z.string());
const Indexes = { CreateIndex: z.number().int(), ModifyIndex: z.number().int() };
const Status = z.enum(['passing', 'warning', 'critical']);

const PersistedCatalog = z.object({
  format: z.literal(1),
  catalog: z.object({
    index: z.number().int().min(0),
    topics: z.record(z.string(), z.number().int()),
    kvReapIndex: z.number().int().min(0),
    nodes: z.array(z.object({ ID: z.string(), Node: z.string(), Address: z.string(), TaggedAddresses: Strings, Meta: Strings, ...Indexes })),
    services: z.array(
      z.object({
        Node: z.string(),
        ID: z.string(),
        Service: z.string(),
        Tags: z.array(z.string()),
        Address: z.string(),
        Port: z.number().int(),
        Meta: Strings,
        Weights: z.object({ Passing: z.number().int(), Warning: z.number().int() }),
        EnableTagOverride: z.boolean(),
        TaggedAddresses: z.record(z.string(), z.object({ Address: z.string(), Port: z.number().int() })),
        Agent: z.boolean(),
        ...Indexes,
      }),
    ),
    checks: z.array(
      z.object({
        Node: z.string(),
        CheckID: z.string(),
        Name: z.string(),
        Status,
        Notes: z.string(),
        Output: z.string(),
        ServiceID: z.string(),
        ServiceName: z.string(),
        Type: z.string(),
        Run: z
          .object({
            ttlMs: z.number().optional(),
            http: z.string().optional(),
            tcp: z.string().optional(),
            intervalMs: z.number().optional(),
            timeoutMs: z.number().optional(),
            method: z.string().optional(),
            header: z.record(z.string(), z.array(z.string())).optional(),
            body: z.string().optional(),
            tlsSkipVerify: z.boolean().optional(),
            deregisterCriticalAfterMs: z.number().optional(),
            successBeforePassing: z.number().int().optional(),
            failuresBeforeWarning: z.number().int().optional(),
            failuresBeforeCritical: z.number().int().optional(),
          })
          .optional(),
        ...Indexes,
      }),
    ),
    kv: z.array(z.object({ Key: z.string(), Value: z.string().nullable(), Flags: z.number().int(), ...Indexes })),
    kvTombstones: z.array(z.object({ Key: z.string(), Index: z.number().int(), At: z.number() })),
  }),
});

export class CorruptRegistryError extends LoomError {}

/**
 * The embedded catalog on disk: `<dataDir>/registry.json`, replaced whole by
 * write-then-rename (a crash leaves the old or the new file, never half of one).
 * Writes are grouped: while one is in flight, every change after it shares the next
 * write, so a burst of registrations costs a few writes, and each writer can await the
 * write that contains its change before acknowledging it.
 */
export class CatalogFile {
  private writing: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  private constructor(readonly file: string) {}

  static async open(dataDir: string): Promise<{ file: CatalogFile; data: CatalogData | undefined }> {
    await fs.mkdir(dataDir, { recursive: true });
    const file = new CatalogFile(path.join(dataDir, FILE_NAME));
    let text: string;
    try {
      text = await fs.readFile(file.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, data: undefined };
      throw new LoomError(`cannot read registry file ${file.file}`, { cause: err });
    }
    try {
      return { file, data: PersistedCatalog.parse(JSON.parse(text)).catalog };
    } catch (err) {
      throw new CorruptRegistryError(`registry file ${file.file} is not a Loom registry (format 1): ${(err as Error).message.split('\n')[0]}; move it away to start empty`, { cause: err });
    }
  }

  /** Resolves once a write that started after this call (so holds everything until now) is done. */
  save(snapshot: () => CatalogData): Promise<void> {
    if (this.next) return this.next;
    const previous = this.writing ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      this.next = undefined;
      const writing = this.write(snapshot());
      this.writing = writing;
      try {
        await writing;
      } finally {
        if (this.writing === writing) this.writing = undefined;
      }
    });
    this.next = next;
    return next;
  }

  /** Resolves when nothing is left to write. */
  async flushed(): Promise<void> {
    while (this.next || this.writing) await (this.next ?? this.writing)!.catch(() => undefined);
  }

  private async write(data: CatalogData): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify({ format: 1, catalog: data }));
    await fs.rename(tmp, this.file);
  }
}
