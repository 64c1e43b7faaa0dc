// `cnnc graph FILE [--model NAME] [-o out.svg|.dot|.html] [--collapse-blocks]`: the model as a
// picture, laid out by Graphviz. Without `-o` the SVG goes to stdout. Exit codes as `cnnc check`.
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { renderTerminal } from '../diagnostics/render-terminal.js';
import { modelDot } from '../graph/dot.js';
import { renderDot, type GraphFormat } from '../graph/render.js';
import { compileFile } from './check.js';
import type { Io } from '../host/io.js';

/** Options of `cnnc graph`, as commander parses them. */
export interface GraphCliOptions {
  model?: string;
  out?: string;
  collapseBlocks: boolean;
}

const FORMATS: Record<string, GraphFormat> = {
  '.svg': 'svg',
  '.dot': 'dot',
  '.gv': 'dot',
  '.html': 'html',
};

/** Runs `cnnc graph`; returns the exit code. */
export async function runGraph(file: string, options: GraphCliOptions, io: Io): Promise<number> {
  const format = options.out === undefined ? 'svg' : FORMATS[extname(options.out).toLowerCase()];
  if (!format) return usage(io, `-o must end in .svg, .dot or .html, found \`${options.out}\``);
  const compiled = compileFile(file);
  if (compiled.usage) return usage(io, compiled.usage);
  if (!compiled.result) return 1;
  const { program, texts, diagnostics } = compiled.result;
  if (diagnostics.some((d) => d.severity === 'error')) {
    io.err(
      renderTerminal(diagnostics, (f) => texts.get(f), {
        color: io.color,
        files: [file],
      }).trimEnd(),
    );
    return 1;
  }
  const models = program.models.filter((m) => !options.model || m.name === options.model);
  if (models.length === 0)
    return usage(
      io,
      options.model ? `no model \`${options.model}\` in ${file}` : `no model in ${file}`,
    );
  if (models.length > 1)
    return usage(
      io,
      `${file} has several models (${models.map((m) => m.name).join(', ')}); choose one with --model`,
    );
  const model = models[0];
  const dot = modelDot(model, {
    collapseBlocks: options.collapseBlocks,
    sources: (f) => texts.get(f),
  });
  const text = await renderDot(dot, format, `${model.name} (${file})`);
  if (options.out === undefined) io.out(text.trimEnd());
  else {
    writeFileSync(options.out, text);
    io.err(`drew ${model.name} → ${options.out}`);
  }
  return 0;
}

function usage(io: Io, message: string): number {
  io.err(`error: ${message}`);
  return 2;
}
