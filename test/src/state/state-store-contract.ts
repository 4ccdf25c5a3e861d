import { applyResources, emptyMesh, type Mesh } from '../../../src/model/mesh';
import type { StateStore } from '../../../src/state/state-store';

/**
 * What every StateStore backend promises, run by each backend's test file against its own
 * storage. `backend()` gives a fresh, empty storage (a new dir, a new key prefix) and a way
 * to open stores on it; a second `open()` on the same storage is a restart.
 */
export interface StateStoreBackend {
  open(): Promise<StateStore>;
}

export function withService(mesh: Mesh, name: string, port = 8080): Mesh {
  return applyResources(mesh, [{ resource: { kind: 'Service', name, ports: [{ port, protocol: 'grpc' }] } }]).mesh;
}

export function describeStateStoreContract(name: string, backend: () => Promise<StateStoreBackend>): void {
  describe(`StateStore contract: ${name}`, () => {
    const opened: StateStore[] = [];
    const open = async (storage: StateStoreBackend) => {
      const store = await storage.open();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('starts empty at revision 0', async () => {
      const store = await open(await backend());
      expect(store.revision()).toBe(0);
      expect(store.current()).toEqual(emptyMesh());
    });

    it('takes each commit as revision + 1, readable at once through current()', async () => {
      const store = await open(await backend());
      const one = withService(emptyMesh(), 'echo');
      await store.commit(one);
      expect([store.revision(), store.current()]).toEqual([1, one]);
      const two = withService(one, 'web');
      await store.commit(two);
      expect([store.revision(), store.current()]).toEqual([2, two]);
    });

    it('tells each listener of each commit with the mesh and revision, until it unsubscribes', async () => {
      const store = await open(await backend());
      const a: [Mesh, number][] = [];
      const b: number[] = [];
      const stopA = store.onChange((mesh, revision) => a.push([mesh, revision]));
      store.onChange((_mesh, revision) => b.push(revision));
      const one = withService(emptyMesh(), 'echo');
      await store.commit(one);
      stopA();
      await store.commit(withService(one, 'web'));
      expect(a).toEqual([[one, 1]]);
      expect(b).toEqual([1, 2]);
    });

    it('keeps the mesh and revision across close and reopen', async () => {
      const storage = await backend();
      const store = await open(storage);
      const mesh = withService(withService(emptyMesh(), 'echo'), 'web', 9090);
      await store.commit(withService(emptyMesh(), 'echo'));
      await store.commit(mesh);
      await store.close();
      const reopened = await open(storage);
      expect(reopened.revision()).toBe(2);
      expect(reopened.current()).toEqual(mesh);
      await reopened.commit(emptyMesh());
      expect([reopened.revision(), reopened.current()]).toEqual([3, emptyMesh()]);
    });
  });
}
