// The Vim/Neovim syntax file: its word lists match the language, and Vim itself (run headless)
// detects `.cnn` files and highlights them.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keywords } from '../../grammar/tokens.js';
import { layerNames } from '../../compiler/layers/registry.js';

const syntax = readFileSync('editors/vim/syntax/cnn.vim', 'utf8');

/** The words of every `syn keyword GROUP …` line of `group`. */
function wordsOf(group: string): string[] {
  return [...syntax.matchAll(new RegExp(`^syn keyword ${group} (.*)$`, 'gm'))]
    .flatMap((m) => m[1].trim().split(/\s+/))
    .sort();
}

test('the syntax file lists every keyword and every layer', (t) => {
  const words = ['cnnDeclaration', 'cnnControl', 'cnnOperatorWord', 'cnnBoolean'].flatMap(wordsOf);
  const expected = keywords.map((k) => k.name.replace(/Keyword$/, '').toLowerCase());
  t.deepEqual(words.sort(), expected.sort());
  // `concat` is highlighted as a keyword (it opens a block or joins values).
  t.deepEqual(
    wordsOf('cnnLayer'),
    layerNames()
      .filter((n) => n !== 'concat')
      .sort(),
  );
});

test('vim detects .cnn files and highlights them with the syntax file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnc-vim-'));
  const file = join(dir, 'net.cnn');
  const out = join(dir, 'groups.txt');
  writeFileSync(
    file,
    'model Net {\n  input x: [3, 8, 8]\n  conv(4, 3, stride=1) // why\n  Stem(2)\n  output x\n}\n',
  );
  const probes = '[[1,1],[3,3],[3,8],[3,14],[3,24],[4,3],[2,3]]';
  const run = spawnSync(
    'vim',
    [
      '-u',
      'NONE',
      '-i',
      'NONE',
      '-N',
      '-es',
      '--cmd',
      'set rtp^=editors/vim',
      '-c',
      'filetype plugin on',
      '-c',
      'syntax on',
      '-c',
      `edit ${file}`,
      '-c',
      'let r = [&filetype, &commentstring]',
      '-c',
      `for [l, c] in ${probes} | call add(r, synIDattr(synID(l, c, 1), "name")) | endfor`,
      '-c',
      `call writefile(r, "${out}")`,
      '-c',
      'qa!',
    ],
    { encoding: 'utf8', timeout: 20_000, env: { ...process.env, HOME: dir } },
  );
  t.is(run.status, 0, run.stderr);
  t.deepEqual(readFileSync(out, 'utf8').trim().split('\n'), [
    'cnn',
    '// %s',
    'cnnDeclaration', // model
    'cnnLayer', // conv
    'cnnNumber', // 4
    'cnnNamedArgument', // stride
    'cnnComment', // // why
    'cnnBlockCall', // Stem
    'cnnDeclaration', // input
  ]);
});
