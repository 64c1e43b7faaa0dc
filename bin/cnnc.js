#!/usr/bin/env node
// The `cnnc` command: runs the compiled CLI from dist/ (built by `npm install` through `prepare`).
import { main } from '../dist/compiler/cli/main.js';

process.exitCode = await main(process.argv);
