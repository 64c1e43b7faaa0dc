// The file-system SourceHost of the CLI and the trainer: imports resolve relative to the importing
// file.
import { dirname, relative, resolve } from 'node:path';
import type { SourceHost } from '../compile.js';
import { readSource } from './read-source.js';

/** Why each path could not be read (a device, too large, not UTF-8…), for the import error. */
const failures = new Map<string, string>();

export const fileSystemHost: SourceHost = {
  read(path) {
    // readSource reads only regular files, up to the size limit: `import "/dev/zero"` is refused.
    const result = readSource(path);
    if (result.kind === 'ok') return result.text;
    failures.set(path, result.kind === 'usage' ? result.message : result.diagnostic.message);
    return undefined;
  },
  whyUnreadable: (path) => failures.get(path),
  resolve(fromFile, spec) {
    return relative(process.cwd(), resolve(dirname(fromFile), spec)) || spec;
  },
};
