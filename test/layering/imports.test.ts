// The layering of ARCHITECTURE.md ("Layers") holds: every file that tsconfig.json compiles belongs
// to a layer, imports only the layers its row lists, and does IO only if its row allows it.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkLayering,
  checkTable,
  formatViolations,
  layeredFolders,
  readLayerTable,
  repositoryRoot,
} from '../helpers/layering.js';

const table = readLayerTable(readFileSync(join(repositoryRoot, 'ARCHITECTURE.md'), 'utf8'));

test('the layer table of ARCHITECTURE.md names existing paths and layers, without cycles', (t) => {
  t.deepEqual(checkTable(table, repositoryRoot), []);
});

test('every import of the source tree keeps the layer table', (t) => {
  const folders = layeredFolders(repositoryRoot);
  t.true(folders.includes('compiler') && folders.includes('runtime'), folders.join(', '));
  const violations = checkLayering(repositoryRoot, folders, table);
  t.is(formatViolations(violations), '', `${violations.length} forbidden imports`);
});
