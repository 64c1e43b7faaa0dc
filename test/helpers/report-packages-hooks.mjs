// Module hooks of ./report-packages.mjs: writes `<package>\n` to file descriptor 3 for each module
// loaded from node_modules (nothing when descriptor 3 is not open).
import { writeSync } from 'node:fs';

/** The `load` hook: reports, then loads as the next hook does. */
export async function load(url, context, nextLoad) {
  const [, path] = url.split('/node_modules/');
  if (path !== undefined) {
    const parts = path.split('/');
    const name = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    try {
      writeSync(3, `${name}\n`);
    } catch {
      // not run by the test: no descriptor 3
    }
  }
  return nextLoad(url, context);
}
