// `npm run bench`: cnnc (wasm and gpu.js targets) against TensorFlow.js (wasm, cpu), ONNX Runtime
// and PyTorch on the workloads of issue 11, all in one run. Each engine × workload runs in its own
// child process (warm-up, then timed repeats); the report and the acceptance lines are computed
// from this run alone. See bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parseBenchArgs, USAGE, type BenchOptions } from './lib/args.js';
import { selectEngines, type Engine, type EngineId } from './lib/engines.js';
import {
  bundleTfjsGradients,
  PYTHON,
  prepareModel,
  runCnnc,
  summaryCounts,
  writeInputs,
  type PreparedModel,
} from './lib/prepare.js';
import { RESULT_PREFIX, type ChildResult, type ChildSpec } from './lib/protocol.js';
import {
  acceptance,
  cnncEngine,
  renderReport,
  type BenchRun,
  type CellResult,
  type WorkloadResult,
} from './lib/report.js';
import { relativeDifference, summarizeTimes } from './lib/stats.js';
import { formatMs } from './lib/table.js';
import { selectWorkloads, type Architecture, type Workload } from './lib/workloads.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Under build/, which git, eslint and prettier ignore.
const WORK = join(ROOT, 'build', 'bench');

const CHILDREN: Record<EngineId, (spec: string) => [string, string[]]> = {
  'cnnc-wasm': (spec) => [process.execPath, ['--import', 'tsx', 'bench/children/cnnc.ts', spec]],
  'cnnc-gpujs': (spec) => [process.execPath, ['--import', 'tsx', 'bench/children/cnnc.ts', spec]],
  'tfjs-wasm': (spec) => [process.execPath, ['--import', 'tsx', 'bench/children/tfjs.ts', spec]],
  'tfjs-cpu': (spec) => [process.execPath, ['--import', 'tsx', 'bench/children/tfjs.ts', spec]],
  ort: (spec) => [process.execPath, ['--import', 'tsx', 'bench/children/ort.ts', spec]],
  pytorch: (spec) => [PYTHON, ['bench/children/torch_bench.py', 'run', spec]],
};

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function torchAvailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} absent`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  return probe.status === 0 ? null : 'python3-torch absent';
}

/** Runs one child; its result line, or why there is none (timeout, crash). */
function runChild(engine: EngineId, specPath: string, timeoutMs: number): Promise<ChildResult> {
  const [command, args] = CHILDREN[engine](specPath);
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (line !== undefined)
        return done(JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult);
      const last = stderr.trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit ${code}`;
      done({
        ok: false,
        reason: timedOut ? `killed after the ${timeoutMs / 1000} s timeout` : last.slice(0, 160),
      });
    });
  });
}

/** Why `engine` does not run `workload` in this run, before any child starts; null when it runs. */
function skipReason(
  engine: Engine,
  workload: Workload,
  model: PreparedModel,
  options: BenchOptions,
  torch: string | null,
): string | null {
  const cannot = engine.cannot(workload);
  if (cannot !== null) return cannot;
  if (engine.id === 'cnnc-wasm' && model.wasmModule === null) return model.wasmReason;
  if (engine.id === 'ort' && model.onnxPath === null) return model.onnxReason;
  if (engine.id === 'pytorch' && torch !== null) return torch;
  return options.all ? null : engine.slow(workload);
}

function toCell(result: ChildResult): CellResult {
  if (!result.ok || result.timesMs === undefined)
    return { status: 'na', reason: result.reason ?? 'no result' };
  return {
    status: 'ok',
    timesMs: result.timesMs,
    warmupMs: result.warmupMs ?? NaN,
    setupMs: result.setupMs ?? NaN,
    peakRssBytes: result.peakRssBytes ?? NaN,
    baselineRssBytes: result.baselineRssBytes ?? NaN,
    ...(result.loss !== undefined ? { loss: result.loss } : {}),
    ...(result.note !== undefined ? { note: result.note } : {}),
  };
}

function readOutput(path: string): Float32Array | null {
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

function compileTimes(engines: Engine[]): BenchRun['compile'] {
  const targets: { target: string; args: string[] }[] = [];
  if (engines.some((e) => e.id === 'cnnc-gpujs'))
    targets.push({ target: 'gpu.js', args: ['--target', 'gpujs'] });
  if (engines.some((e) => e.id === 'cnnc-wasm'))
    targets.push({ target: 'wasm', args: ['--target', 'wasm'] });
  return targets.map(({ target, args }) => {
    const out = join(WORK, 'compile', target.split(' ')[0]);
    rmSync(out, { recursive: true, force: true });
    const run = runCnnc(ROOT, [
      'build',
      'examples/resnet50.cnn',
      '-o',
      out,
      '--emit',
      'js',
      ...args,
    ]);
    log(`compile ResNet-50 (${target}): ${run.ok ? formatMs(run.ms) : run.error}`);
    return run.ok ? { target, ms: run.ms } : { target, ms: null, reason: run.error };
  });
}

async function main(): Promise<number> {
  const parsed = parseBenchArgs(process.argv.slice(2));
  if (!parsed.ok) {
    console.error(`error: ${parsed.error}`);
    return 2;
  }
  const options = parsed.options;
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.render !== null) {
    const saved = JSON.parse(readFileSync(resolve(options.render), 'utf8')) as BenchRun;
    await writeReport(saved, resolve(ROOT, options.outDir), null);
    return 0;
  }
  let workloads: Workload[];
  let engines: Engine[];
  try {
    workloads = selectWorkloads(options.only);
    engines = selectEngines(options.engines);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
  const loadBefore = loadavg();
  mkdirSync(WORK, { recursive: true });
  const torch = torchAvailable();
  const has = (id: EngineId) => engines.some((e) => e.id === id);
  const needs = {
    wasm: has('cnnc-wasm'),
    onnx: has('ort'),
    pytorch: has('pytorch') || has('ort'),
    torchAvailable: torch === null,
  };
  const models = new Map<Architecture, PreparedModel>();
  for (const workload of workloads) {
    if (models.has(workload.arch)) continue;
    log(`preparing ${workload.arch} …`);
    models.set(workload.arch, prepareModel(ROOT, WORK, workload.arch, workload.file, needs));
  }
  const trainsTfjs =
    (has('tfjs-cpu') || has('tfjs-wasm')) && workloads.some((w) => w.kind === 'train');
  const tfjsGradientsPath = trainsTfjs ? await bundleTfjsGradients(ROOT, WORK) : null;
  const compile = options.compileTime ? compileTimes(engines) : [];

  const results: WorkloadResult[] = [];
  for (const workload of workloads) {
    const model = models.get(workload.arch) as PreparedModel;
    const counts = summaryCounts(ROOT, workload);
    const { inputPath, labelsPath } = writeInputs(WORK, workload, model.info);
    const result: WorkloadResult = {
      workload,
      flopsPerImage: counts.flopsPerImage,
      trainingEstimateBytes: counts.trainingBytesBatch,
      cells: {},
      agreement: {},
    };
    const outputs = new Map<EngineId, string>();
    for (const engine of engines) {
      const skip = skipReason(engine, workload, model, options, torch);
      if (skip !== null) {
        result.cells[engine.id] = { status: 'na', reason: skip };
        continue;
      }
      const outputPath = join(WORK, 'outputs', `${workload.id}.${engine.id}.f32`);
      mkdirSync(dirname(outputPath), { recursive: true });
      rmSync(outputPath, { force: true });
      const spec: ChildSpec = {
        engine: engine.id,
        workload,
        root: ROOT,
        modulePath: engine.id === 'cnnc-wasm' ? model.wasmModule : model.gpujsModule,
        weightsPath: model.weightsPath,
        infoPath: model.infoPath,
        inputPath,
        labelsPath,
        onnxPath: model.onnxPath,
        torchModulePath: model.torchModule,
        tfjsGradientsPath,
        outputPath,
        repeats: options.repeats,
        budgetMs: options.budgetSeconds * 1000,
        threads: options.threads,
      };
      const specPath = join(WORK, 'specs', `${workload.id}.${engine.id}.json`);
      mkdirSync(dirname(specPath), { recursive: true });
      writeFileSync(specPath, JSON.stringify(spec, null, 2));
      const cell = toCell(await runChild(engine.id, specPath, options.timeoutSeconds * 1000));
      if (cell.status === 'ok' && engine.id === 'ort') cell.note = model.onnxNote;
      result.cells[engine.id] = cell;
      if (cell.status === 'ok') outputs.set(engine.id, outputPath);
      log(
        `${workload.id} × ${engine.id}: ` +
          (cell.status === 'ok'
            ? `median ${formatMs(summarizeTimes(cell.timesMs).medianMs)} (n=${cell.timesMs.length})`
            : `n/a (${cell.reason})`),
      );
    }
    const lead = cnncOutput(result, outputs);
    if (lead !== null) {
      for (const [engine, path] of outputs) {
        const other = readOutput(path);
        if (engine !== lead.engine && other !== null)
          result.agreement[engine] = relativeDifference(other, lead.output);
      }
    }
    results.push(result);
  }

  const date = new Date().toISOString();
  const run: BenchRun = {
    date,
    machine: {
      cpus: cpus()[0]?.model ?? 'unknown CPU',
      cores: cpus().length,
      node: process.version,
      loadBefore,
      loadAfter: loadavg(),
    },
    command: [
      'npm run bench',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' '),
    engines: engines.map((e) => e.id),
    workloads: results,
    compile,
  };
  await writeReport(
    run,
    resolve(ROOT, options.outDir),
    `${date.slice(0, 19).replace(/:/g, '-')}.json`,
  );
  return 0;
}

/**
 * Writes `latest.md` (and `jsonName`, the whole run, unless null) to `outDir`, formatted as
 * `npm run format` would (the repository's .prettierrc) so that committed results pass
 * `prettier --check`, then prints the table and the acceptance lines.
 */
async function writeReport(run: BenchRun, outDir: string, jsonName: string | null): Promise<void> {
  const formatted = async (path: string, text: string) =>
    format(text, { ...((await resolveConfig(path)) ?? {}), filepath: path });
  mkdirSync(outDir, { recursive: true });
  if (jsonName !== null) {
    const jsonPath = join(outDir, jsonName);
    writeFileSync(jsonPath, await formatted(jsonPath, JSON.stringify(run)));
  }
  const table = await formatted(join(outDir, 'latest.md'), renderReport(run));
  writeFileSync(join(outDir, 'latest.md'), table);
  console.log(table);
  for (const line of acceptance(run)) console.log(`${line.status} ${line.text}`);
}

/** The output of the cnnc engine the ratios use, which the other engines are compared with. */
function cnncOutput(
  result: WorkloadResult,
  outputs: Map<EngineId, string>,
): { engine: EngineId; output: Float32Array } | null {
  const engine = cnncEngine(result);
  const path = engine === null ? undefined : outputs.get(engine);
  const output = path === undefined ? null : readOutput(path);
  return engine === null || output === null ? null : { engine, output };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
