import fs from 'node:fs';
import path from 'node:path';
import { parseResourceDocuments } from '../../../src/model/documents';
import { applyResources, emptyMesh } from '../../../src/model/mesh';
import { ALL_PROFILES } from '../../../xds/resources/client-profile';
import { meshResources } from '../../../xds/resources/mesh-resources';
import { Snapshot } from '../../../xds/cache/snapshot';

const EXAMPLES = path.join(__dirname, '../../../deploy/examples');

describe.each(fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')))('deploy/examples/%s', (file) => {
  it('applies and translates for every client profile', () => {
    const { mesh } = applyResources(emptyMesh(), parseResourceDocuments(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'), file));
    for (const profile of ALL_PROFILES) expect(() => Snapshot.fromResources(meshResources(mesh, profile))).not.toThrow();
  });
});
