// Module hooks (see ./tsx.mjs): an ES module under node_modules is loaded as Node loads it, so tsx
// does not re-scan it. tsx would only add its CommonJS interop to the module's dynamic `import()`s
// (which production Node does not do either), at a cost that grows with the file: 4.4 s of CPU for
// binaryen's 14.8 MB `index.js`, against 0.3 s in plain Node.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The `load` hook: dependencies' ES modules short-circuit tsx; everything else goes through it. */
export async function load(url, context, nextLoad) {
  if (context.format === 'module' && url.startsWith('file:') && url.includes('/node_modules/')) {
    return { format: 'module', source: await readFile(fileURLToPath(url)), shortCircuit: true };
  }
  return nextLoad(url, context);
}
