// The benchmark's report: tables (time, ratios, memory, agreement, compile time) and the issue's
// acceptance lines, all computed from one run's results. Pure, so it is tested without timing.
import { ENGINES, type EngineId } from './engines.js';
import { summarizeTimes } from './stats.js';
import { formatMb, formatMs, renderTable } from './table.js';
import type { Workload } from './workloads.js';

export type CellResult =
  | {
      status: 'ok';
      timesMs: number[];
      warmupMs: number;
      setupMs: number;
      peakRssBytes: number;
      baselineRssBytes: number;
      loss?: number;
      note?: string;
    }
  | { status: 'na'; reason: string };

export interface WorkloadResult {
  workload: Workload;
  /** FLOPs (2 × MACs) of one image's forward pass, from `cnnc summary --json`. */
  flopsPerImage: number;
  /** `cnnc summary --json --batch B`'s `trainingBytesBatch`. */
  trainingEstimateBytes: number;
  cells: Partial<Record<EngineId, CellResult>>;
  /** Relative output difference of each engine from the cnnc engine that leads (`cnncEngine`). */
  agreement: Partial<Record<EngineId, number>>;
}

export interface BenchRun {
  date: string;
  machine: { cpus: string; cores: number; node: string; loadBefore: number[]; loadAfter: number[] };
  command: string;
  engines: EngineId[];
  workloads: WorkloadResult[];
  /** `cnnc build examples/resnet50.cnn` per target: wall ms, or why not. */
  compile: { target: string; ms: number | null; reason?: string }[];
}

/** A training step is counted as 3 forward passes of FLOPs (forward, input and weight gradients). */
export const TRAIN_FLOP_FACTOR = 3;

/** The cnnc engine a workload's ratios use: the wasm target when it ran, else gpu.js. */
export function cnncEngine(result: WorkloadResult): EngineId | null {
  if (result.cells['cnnc-wasm']?.status === 'ok') return 'cnnc-wasm';
  if (result.cells['cnnc-gpujs']?.status === 'ok') return 'cnnc-gpujs';
  return null;
}

export function medianMs(result: WorkloadResult, engine: EngineId): number | null {
  const cell = result.cells[engine];
  return cell?.status === 'ok' ? summarizeTimes(cell.timesMs).medianMs : null;
}

/** How many times faster `engine` is than `other` on this workload (other's median ÷ engine's). */
export function speedup(
  result: WorkloadResult,
  engine: EngineId | null,
  other: EngineId,
): number | null {
  if (engine === null) return null;
  const mine = medianMs(result, engine);
  const theirs = medianMs(result, other);
  return mine === null || theirs === null ? null : theirs / mine;
}

function timeCell(result: WorkloadResult, engine: EngineId): string {
  const cell = result.cells[engine];
  if (cell === undefined) return '—';
  if (cell.status === 'na') return `n/a (${cell.reason})`;
  const timing = summarizeTimes(cell.timesMs);
  const { batch, kind } = result.workload;
  const flops = result.flopsPerImage * batch * (kind === 'train' ? TRAIN_FLOP_FACTOR : 1);
  const seconds = timing.medianMs / 1000;
  return (
    `${formatMs(timing.medianMs)} (${formatMs(timing.minMs)}–${formatMs(timing.maxMs)}, n=${timing.count}); ` +
    `${(flops / seconds / 1e9).toFixed(1)} GFLOP/s; ${(batch / seconds).toFixed(1)} img/s`
  );
}

function ratio(value: number | null): string {
  if (value === null) return '—';
  // Two significant digits below 0.1, so that a 300× slower engine does not read "0.00×".
  if (value >= 10) return `${value.toFixed(0)}×`;
  return value >= 0.1 ? `${value.toFixed(2)}×` : `${value.toPrecision(2)}×`;
}

/** The Markdown report: one section per table. */
export function renderReport(run: BenchRun): string {
  const engines = ENGINES.filter((e) => run.engines.includes(e.id));
  const timeRows = run.workloads.map((r) => [
    r.workload.label,
    (r.flopsPerImage / 1e9).toFixed(3),
    ...engines.map((e) => timeCell(r, e.id)),
  ]);
  const ratioRows = run.workloads.map((r) => {
    const cnnc = cnncEngine(r);
    return [
      r.workload.label,
      cnnc ?? 'n/a',
      ratio(speedup(r, 'cnnc-wasm', 'tfjs-wasm')),
      ratio(speedup(r, cnnc, 'tfjs-wasm')),
      ratio(speedup(r, cnnc, 'tfjs-cpu')),
      ratio(speedup(r, cnnc, 'ort')),
      ratio(speedup(r, cnnc, 'pytorch')),
    ];
  });
  const memoryRows = run.workloads.map((r) => [
    r.workload.label,
    ...engines.map((e) => {
      const cell = r.cells[e.id];
      if (cell?.status !== 'ok') return '—';
      return `${formatMb(cell.peakRssBytes)} (+${formatMb(cell.peakRssBytes - cell.baselineRssBytes)})`;
    }),
  ]);
  const agreementRows = run.workloads.map((r) => [
    r.workload.label,
    cnncEngine(r) ?? 'n/a',
    ...engines.map((e) => {
      const diff = r.agreement[e.id];
      return diff === undefined ? '—' : diff.toExponential(1);
    }),
  ]);
  const trainingRows = run.workloads
    .filter((r) => r.workload.kind === 'train')
    .map((r) => {
      const check = trainingMemory(r);
      return [
        r.workload.label,
        check.engine ?? 'n/a',
        formatMb(r.trainingEstimateBytes),
        check.peakBytes === null ? '—' : formatMb(check.peakBytes),
        check.grownBytes === null ? '—' : formatMb(check.grownBytes),
        check.ratio === null ? '—' : `${check.ratio.toFixed(2)}×`,
      ];
    });
  const notes = run.workloads.flatMap((r) =>
    engines.flatMap((e) => {
      const cell = r.cells[e.id];
      if (cell?.status !== 'ok' || (cell.note === undefined && cell.loss === undefined)) return [];
      const loss = cell.loss === undefined ? [] : [`first step's loss ${cell.loss.toFixed(6)}`];
      return [
        `- ${r.workload.id} × ${e.id}: ${[...(cell.note ? [cell.note] : []), ...loss].join('; ')}`,
      ];
    }),
  );
  const engineTitles = engines.map((e) => e.title);
  const right = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
  return [
    `# cnnc speed benchmark, ${run.date}`,
    '',
    `\`${run.command}\` on ${run.machine.cores} × ${run.machine.cpus}, Node ${run.machine.node}; ` +
      `load average ${run.machine.loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ` +
      `${run.machine.loadAfter.map((l) => l.toFixed(1)).join(' ')} after (measured under load ` +
      'when these are above 1). Medians of the timed repeats after one warm-up; each engine × ' +
      'workload ran in its own process.',
    '',
    '## Time per batch: median (min–max, repeats); GFLOP/s (2 × MACs; a training step counts 3 × the forward); images/s',
    '',
    renderTable(['workload', 'GFLOP/img', ...engineTitles], timeRows, [1]),
    '',
    '## Speed-up of cnnc (other engine’s median ÷ cnnc’s; above 1× cnnc is faster)',
    '',
    renderTable(
      [
        'workload',
        'cnnc engine',
        'cnnc-wasm / tfjs-wasm',
        'cnnc / tfjs-wasm',
        'cnnc / tfjs-cpu',
        'cnnc / ORT',
        'cnnc / PyTorch',
      ],
      ratioRows,
      right(2, 5),
    ),
    '',
    '## Peak resident memory (growth over the process after its imports, before the model)',
    '',
    renderTable(['workload', ...engineTitles], memoryRows, right(1, engines.length)),
    '',
    '## Training memory: `cnnc summary` estimate against cnnc’s peak RSS growth',
    '',
    renderTable(
      [
        'workload',
        'cnnc engine',
        'summary estimate',
        'peak RSS',
        'peak − baseline',
        'growth / estimate',
      ],
      trainingRows,
      [2, 3, 4, 5],
    ),
    '',
    '## Output agreement: max |other − cnnc| / max |cnnc| of the first output (training: the first step’s)',
    '',
    renderTable(
      ['workload', 'cnnc engine', ...engineTitles],
      agreementRows,
      right(2, engines.length),
    ),
    '',
    '## Compile time: `cnnc build examples/resnet50.cnn --emit js`',
    '',
    renderTable(
      ['target', 'wall time'],
      run.compile.map((c) => [
        c.target,
        c.ms === null ? `n/a (${c.reason ?? '?'})` : formatMs(c.ms),
      ]),
      [1],
    ),
    '',
    '## Acceptance (issue 11)',
    '',
    ...acceptance(run).map((line) => `- ${line.status} ${line.text}`),
    ...(notes.length > 0 ? ['', '## Notes', '', ...notes] : []),
    '',
  ].join('\n');
}

export interface TrainingMemoryCheck {
  engine: EngineId | null;
  peakBytes: number | null;
  /** Peak RSS minus the RSS after imports: what the model and its training step added. */
  grownBytes: number | null;
  ratio: number | null;
}

export function trainingMemory(result: WorkloadResult): TrainingMemoryCheck {
  const engine = cnncEngine(result);
  const cell = engine === null ? undefined : result.cells[engine];
  if (cell?.status !== 'ok') return { engine, peakBytes: null, grownBytes: null, ratio: null };
  const grownBytes = cell.peakRssBytes - cell.baselineRssBytes;
  return {
    engine,
    peakBytes: cell.peakRssBytes,
    grownBytes,
    ratio: grownBytes / result.trainingEstimateBytes,
  };
}

export interface AcceptanceLine {
  status: 'PASS' | 'FAIL' | 'N/A';
  text: string;
}

function find(run: BenchRun, id: string): WorkloadResult | undefined {
  return run.workloads.find((r) => r.workload.id === id);
}

function speedLine(
  run: BenchRun,
  id: string,
  other: EngineId,
  factor: number,
  what: string,
): AcceptanceLine {
  const result = find(run, id);
  const engine = result === undefined ? null : cnncEngine(result);
  const value = result === undefined ? null : speedup(result, engine, other);
  const text = `${what}: cnnc at least ${factor}× faster than ${other}`;
  if (value === null) return { status: 'N/A', text: `${text} (not measured in this run)` };
  return {
    status: value >= factor ? 'PASS' : 'FAIL',
    text: `${text}: ${ratio(value)} (${engine})`,
  };
}

/** The acceptance checks that this run can decide. */
export function acceptance(run: BenchRun): AcceptanceLine[] {
  const lines: AcceptanceLine[] = [
    speedLine(run, 'resnet18-b1', 'tfjs-wasm', 2, 'ResNet-18 forward, batch 1'),
    speedLine(run, 'lenet5-b64', 'tfjs-wasm', 1.5, 'LeNet-5 forward, batch 64'),
    speedLine(run, 'lenet5-train-b64', 'tfjs-cpu', 100, 'LeNet-5 training step, batch 64'),
  ];
  const lenetTrain = find(run, 'lenet5-train-b64');
  const torchRatio =
    lenetTrain === undefined ? null : speedup(lenetTrain, cnncEngine(lenetTrain), 'pytorch');
  const torchText = 'LeNet-5 training step, batch 64: cnnc within 2× of PyTorch';
  lines.push(
    torchRatio === null
      ? { status: 'N/A', text: `${torchText} (not measured in this run)` }
      : {
          status: torchRatio >= 0.5 ? 'PASS' : 'FAIL',
          text: `${torchText}: PyTorch ÷ cnnc = ${ratio(torchRatio)}`,
        },
  );
  for (const result of run.workloads) {
    for (const other of ['tfjs-wasm', 'tfjs-cpu', 'pytorch'] as const) {
      const diff = result.agreement[other];
      if (diff === undefined) continue;
      lines.push({
        status: diff <= 1e-4 ? 'PASS' : 'FAIL',
        text: `${result.workload.label}: output of cnnc agrees with ${other} within 1e-4 relative: ${diff.toExponential(1)}`,
      });
    }
    if (result.workload.kind === 'train') {
      const check = trainingMemory(result);
      const text = `${result.workload.label}: peak RSS growth within 1.5× of the summary estimate`;
      lines.push(
        check.ratio === null
          ? { status: 'N/A', text: `${text} (cnnc did not run)` }
          : {
              status: check.ratio <= 1.5 ? 'PASS' : 'FAIL',
              text: `${text}: ${formatMb(check.grownBytes ?? 0)} / ${formatMb(result.trainingEstimateBytes)} = ${check.ratio.toFixed(2)}× (${check.engine})`,
            },
      );
    }
  }
  return lines;
}
