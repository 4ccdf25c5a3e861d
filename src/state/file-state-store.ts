import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LoomError } from '../errors';
import { rootLogger } from '../log';
import { checkReferences, emptyMesh, type Mesh } from '../model/mesh';
import { notifyListeners, StoredMeshSchema, type ChangeListener, type StateStore } from './state-store';

const FILE_NAME = 'state.json';

const PersistedState = z.strictObject({
  format: z.literal(1),
  revision: z.number().int().min(0),
  mesh: StoredMeshSchema,
});

export class CorruptStateError extends LoomError {}

/**
 * The mesh in memory, persisted to `<dataDir>/state.json` on every commit (write to a
 * temporary file, then rename: a crash leaves the old or the new state, never half).
 */
export class FileStateStore implements StateStore {
  private readonly listeners = new Set<ChangeListener>();

  private constructor(
    private readonly file: string,
    private mesh: Mesh,
    private rev: number,
  ) {}

  static async open(dataDir: string): Promise<FileStateStore> {
    await fs.mkdir(dataDir, { recursive: true });
    const file = path.join(dataDir, FILE_NAME);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new FileStateStore(file, emptyMesh(), 0);
      throw new LoomError(`cannot read state file ${file}`, { cause: err });
    }
    let parsed: z.infer<typeof PersistedState>;
    try {
      parsed = PersistedState.parse(JSON.parse(text));
    } catch (err) {
      throw new CorruptStateError(`state file ${file} is not a Loom state (format 1): ${(err as Error).message.split('\n')[0]}; move it away to start empty`, { cause: err });
    }
    const problems = checkReferences(parsed.mesh);
    if (problems.length > 0) {
      throw new CorruptStateError(`state file ${file} is inconsistent: ${problems[0].resource}: ${problems[0].message}`);
    }
    return new FileStateStore(file, parsed.mesh, parsed.revision);
  }

  current(): Mesh {
    return this.mesh;
  }

  revision(): number {
    return this.rev;
  }

  async commit(mesh: Mesh): Promise<void> {
    const revision = this.rev + 1;
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify({ format: 1, revision, mesh }, null, 1));
    await fs.rename(tmp, this.file);
    this.mesh = mesh;
    this.rev = revision;
    notifyListeners(this.listeners, mesh, revision, rootLogger);
  }

  onChange(listener: (mesh: Mesh, revision: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
