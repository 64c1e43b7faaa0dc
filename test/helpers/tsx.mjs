// The TypeScript loader of the tests (ava.config.js) and of the CLI processes they spawn
// (`node --import ./test/helpers/tsx.mjs compiler/cli/run.ts`): tsx, with the dependencies' ES
// modules loaded without it (./tsx-dependency-hooks.mjs). Hooks registered later run first.
import 'tsx';
import { register } from 'node:module';

register('./tsx-dependency-hooks.mjs', import.meta.url);
