// Chevrotain's runtime values, loaded from the single-file bundle the package ships. Its default
// entry point pulls in lodash-es as hundreds of ES modules, which costs about 330 ms at every
// start of `cnnc`; the bundle (the same code, same version) loads in about 15 ms. Types still
// come from the package itself.
import type * as Chevrotain from 'chevrotain';

async function load(): Promise<typeof Chevrotain> {
  try {
    const entry = import.meta.resolve('chevrotain');
    return (await import(new URL('../chevrotain.mjs', entry).href)) as typeof Chevrotain;
  } catch {
    // NOTE: a layout without the bundle (a future version) falls back to the package entry.
    return import('chevrotain');
  }
}

const chevrotain = await load();

export const { CstParser, EOF, Lexer, createToken, createTokenInstance } = chevrotain;
