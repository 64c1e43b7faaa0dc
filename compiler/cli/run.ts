// Runs the CLI from the TypeScript sources (used by tests and `npm run cnnc` in development).
import { main } from './main.js';

process.exitCode = await main(process.argv);
