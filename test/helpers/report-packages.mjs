// Preloaded (`node --import`) into a CLI run by test/cli/lazy-dependencies.test.ts: reports on file
// descriptor 3 the name of every package under node_modules whose entry the process loads, one a
// line, so a test can tell which dependencies a command pulls in.
import { register } from 'node:module';

register('./report-packages-hooks.mjs', import.meta.url);
