// The file-system SourceHost used by the CLI: imports resolve relative to the importing file.
import { dirname, relative, resolve } from 'node:path';
import type { SourceHost } from '../compile.js';
import { readSource } from './read-source.js';

export const fileSystemHost: SourceHost = {
  read(path) {
    const result = readSource(path);
    return result.kind === 'ok' ? result.text : undefined;
  },
  resolve(fromFile, spec) {
    return relative(process.cwd(), resolve(dirname(fromFile), spec)) || spec;
  },
};
