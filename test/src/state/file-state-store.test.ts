import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyResources, emptyMesh } from '../../../src/model/mesh';
import { CorruptStateError, FileStateStore } from '../../../src/state/file-state-store';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'loom-state-'));

describe('FileStateStore', () => {
  it('persists every commit, so a new store sees the mesh and revision', async () => {
    const dir = tmp();
    const store = await FileStateStore.open(dir);
    const seen: number[] = [];
    store.onChange((_mesh, revision) => seen.push(revision));
    const { mesh } = applyResources(emptyMesh(), [{ resource: { kind: 'Service', name: 'echo', ports: [{ port: 1, protocol: 'grpc' }] } }]);
    await store.commit(mesh);
    expect(seen).toEqual([1]);
    const reopened = await FileStateStore.open(dir);
    expect(reopened.revision()).toBe(1);
    expect(reopened.current()).toEqual(mesh);
  });

  it('refuses a corrupt or inconsistent state file, naming it', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'state.json'), '{"format":1,"revision":3');
    await expect(FileStateStore.open(dir)).rejects.toThrow(new RegExp(`state file ${dir}/state.json is not a Loom state`));
    fs.writeFileSync(
      path.join(dir, 'state.json'),
      JSON.stringify({ format: 1, revision: 1, mesh: { services: {}, endpoints: { b1: { kind: 'Endpoint', name: 'b1', service: 'gone', address: '10.0.0.1', port: 1 } }, routes: {} } }),
    );
    await expect(FileStateStore.open(dir)).rejects.toThrow(CorruptStateError);
  });
});
