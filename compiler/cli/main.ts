// The `cnnc` command line. Exit codes: 0 success, 1 errors in the input, 2 usage errors.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { runCheck } from './check.js';
import { explainCode } from './explain.js';
import { runFmt } from './fmt.js';
import type { BuildCliOptions } from './build.js';
import type { GraphCliOptions } from './graph.js';
import type { TrainCliOptions } from '../../trainer/app/train.js';
import type { InspectCliOptions } from '../../trainer/app/inspect.js';
import { runSummary, type SummaryCliOptions } from './summary.js';
import { processIo, type Io } from '../host/io.js';

/** The repository root (this file is compiler/cli/main.ts, or dist/compiler/cli/main.js). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'cnnc') return dir;
    } catch {
      // not here; go up
    }
    dir = dirname(dir);
  }
  return process.cwd();
}

function version(root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const root = packageRoot();
  const program = new Command('cnnc')
    .description(
      'cnnc: check, summarise, build and train convolutional networks written in .cnn files',
    )
    .version(version(root), '-V, --version')
    .showHelpAfterError('(run `cnnc --help` for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  program
    .command('check')
    .description('parse and shape-check model files, reporting every error')
    .argument('<files...>', '.cnn files')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .option('--deny-warnings', 'treat warnings as errors', false)
    .action((files: string[], opts: { format: 'text' | 'json'; denyWarnings: boolean }) => {
      setExit(runCheck(files, opts, io));
    });

  program
    .command('fmt')
    .description('format model files in the canonical layout')
    .argument('<files...>', '.cnn files')
    .option('--check', 'only report files that are not formatted (exit 1 if any)', false)
    .action((files: string[], opts: { check: boolean }) => {
      setExit(runFmt(files, opts, io));
    });

  program
    .command('explain')
    .description('explain a diagnostic code, e.g. `cnnc explain CNN3001`')
    .argument('<code>', 'a code such as CNN2001, or its slug')
    .action((code: string) => {
      const result = explainCode(code, join(root, 'docs', 'errors'));
      if (result.ok) io.out(result.text.trimEnd());
      else io.err(`error: ${result.message}`);
      setExit(result.ok ? 0 : 2);
    });

  // More commands are registered below, one call each (build, graph, inspect, lsp, summary, train).

  program
    .command('build')
    .description('optimise a model file and emit a typed TypeScript module per model')
    .argument('<file>', 'a .cnn file')
    .option('-o, --out <dir>', 'output directory', '.')
    .option('--model <name>', 'build only this model')
    .addOption(
      new Option(
        '--target <target>',
        'where the module runs: auto (wasm when every layer runs there, else gpujs), wasm (generated WebAssembly SIMD), gpujs or its alias node (gpu.js), browser (gpu.js, bundled)',
      )
        .choices(['auto', 'wasm', 'gpujs', 'node', 'browser'])
        .default('auto'),
    )
    .addOption(
      new Option('--emit <lang>', 'output language')
        .choices(['ts', 'js', 'onnx', 'pytorch'])
        .default('ts'),
    )
    .option('--weights <file>', '--emit onnx: export these safetensors weights')
    .option('--seed <n>', '--emit onnx: seed of the exported initial weights (default 0)')
    .option('-O, --opt-level <level>', 'optimisation level: 0, 1 or 2', '2')
    .addOption(
      new Option('--conv <lowering>', 'convolution lowering')
        .choices(['auto', 'im2col', 'direct'])
        .default('auto'),
    )
    .option('--print-ir-after <pass>', 'print the IR after a pass (or `all`)')
    .option('--explain-opt', 'list what each pass did to which layer', false)
    .option(
      '--runtime <specifier>',
      "module specifier of the built target's runtime (default cnnc/runtime/wasm or cnnc/runtime)",
    )
    .option('--train', 'also emit the training half (trainStep, evaluate, train()/eval())', false)
    .action(async (file: string, opts: BuildCliOptions) => {
      // Loaded on use: code generation pulls in ts-morph and prettier, which `check` never needs.
      const { runBuild } = await import('./build.js');
      setExit(await runBuild(file, opts, io));
    });

  program
    .command('inspect')
    .description('draw the feature maps of a trained model for one held-out image')
    .argument('<file>', 'a .cnn file')
    .option('--model <name>', 'the model (default: the one with a `train` section)')
    .option('--weights <file>', 'trained weights (.safetensors, e.g. from `cnnc train`)')
    .option('--image <n>', 'index of the held-out image', '0')
    .option('--data <dir>', '`mnist` (default), `fashion-mnist`, or a folder of IDX or .npy files')
    .option('-o, --out <file>', 'the picture, .svg or .png (default: inspect-<n>.svg)')
    .action(async (file: string, opts: InspectCliOptions) => {
      const { runInspect } = await import('../../trainer/app/inspect.js');
      setExit(await runInspect(file, opts, io));
    });

  program
    .command('graph')
    .description('draw a model: layers with shapes, parameters and lines, blocks as clusters')
    .argument('<file>', 'a .cnn file')
    .option('--model <name>', 'the model to draw (needed when the file has several)')
    .option('-o, --out <file>', 'write .svg, .dot or .html (default: SVG on stdout)')
    .option('--collapse-blocks', 'draw each outermost block call as one box', false)
    .action(async (file: string, opts: GraphCliOptions) => {
      // Loaded on use: Graphviz (WebAssembly) is only needed here.
      const { runGraph } = await import('./graph.js');
      setExit(await runGraph(file, opts, io));
    });

  program
    .command('lsp')
    .description('run the language server over stdin/stdout (for editors)')
    .option('--stdio', 'talk LSP over stdin/stdout (the default; accepted for editor clients)')
    .option('--debounce <ms>', 'delay diagnostics after a change by this many ms', '10')
    .allowUnknownOption()
    .action(async (opts: { debounce: string }) => {
      const { runLanguageServer } = await import('../lsp/server.js');
      setExit(await runLanguageServer({ debounceMs: Math.max(0, Number(opts.debounce) || 0) }));
    });

  program
    .command('summary')
    .description('print per-layer output shapes, parameters, MACs and memory')
    .argument('<file>', 'a .cnn file')
    .option('--model <name>', 'only this model (default: every model in the file)')
    .option('--batch <n>', 'batch size for the batch totals', '1')
    .option('--json', 'print JSON (schema in docs/summary-json.md)', false)
    .action((file: string, opts: SummaryCliOptions) => {
      setExit(runSummary(file, opts, io));
    });

  program
    .command('train')
    .description('train a model on digits (default: the mnist package) and write a report')
    .argument('<file>', 'a .cnn file')
    .option('--model <name>', 'the model to train (default: the one with a `train` section)')
    .option('--data <dir>', '`mnist` (default), `fashion-mnist`, or a folder of IDX or .npy files')
    .option('--epochs <n>', 'epochs (default: the `train` section)')
    .option('--batch <n>', 'batch size (default: the `train` section)')
    .option('--lr <rate>', 'learning rate (default: the `train` section)')
    .option('--seed <n>', 'seed of initialisation, shuffling and dropout')
    .option('-o, --out <dir>', 'checkpoints, weights and report (default: runs/<file>)')
    .option('--resume <checkpoint>', 'continue from a checkpoint file or run directory')
    .option(
      '--target <target>',
      '`auto` (default: wasm when every layer can train there, else gpujs), `wasm` or `gpujs`',
    )
    .action(async (file: string, opts: TrainCliOptions) => {
      // Loaded on use: training pulls in code generation and the runtime.
      const { runTrain } = await import('../../trainer/app/train.js');
      setExit(await runTrain(file, opts, io));
    });

  return program;
}

/** Runs the CLI on `argv` (as in `process.argv`) and returns the exit code; never throws. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code));
  for (const command of program.commands)
    command
      .version(program.version() ?? '', '-V, --version')
      .exitOverride()
      .configureOutput({
        writeOut: (s) => io.out(s.trimEnd()),
        writeErr: (s) => io.err(s.trimEnd()),
      });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(
        error.code,
      );
      return ok ? 0 : 2;
    }
    // A guard behind the nesting limits (CNN1017, CNN2029): should some input still exhaust the
    // stack, say so in one line rather than print a stack trace.
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      io.err(
        'error: the input is nested too deeply for cnnc (the JavaScript stack ran out); please report it with the input',
      );
      return 1;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.err(
      `internal error: cnnc crashed; this is a bug, please report it with the input that caused it.\n${message}`,
    );
    return 3;
  }
}
