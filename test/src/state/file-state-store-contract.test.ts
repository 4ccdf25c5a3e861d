import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStateStore } from '../../../src/state/file-state-store';
import { describeStateStoreContract } from './state-store-contract';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

describeStateStoreContract('file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-state-'));
  dirs.push(dir);
  return { open: () => FileStateStore.open(dir) };
});
