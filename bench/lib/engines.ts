// The engines of `npm run bench`: each one is an adapter (a child script) plus what it cannot or,
// by default, does not run. An engine that is not available shows "n/a (reason)" in its column.
import type { Workload } from './workloads.js';

export type EngineId = 'cnnc-wasm' | 'cnnc-gpujs' | 'tfjs-wasm' | 'tfjs-cpu' | 'ort' | 'pytorch';

export interface Engine {
  id: EngineId;
  /** Column title. */
  title: string;
  /** Why this engine never runs `workload`, or null. */
  cannot(workload: Workload): string | null;
  /**
   * Why `npm run bench` skips `workload` on this engine unless `--all` is given (the run would
   * take minutes), or null.
   */
  slow(workload: Workload): string | null;
}

/** Forward GFLOP of a workload above which the slow engines skip it by default. */
const SLOW_GFLOP: Partial<Record<EngineId, number>> = { 'cnnc-gpujs': 10, 'tfjs-cpu': 4 };

function slowAbove(engine: EngineId, speed: string) {
  return (workload: Workload): string | null => {
    const limit = SLOW_GFLOP[engine] ?? Infinity;
    const gflop =
      APPROX_GFLOP[workload.arch] * workload.batch * (workload.kind === 'train' ? 3 : 1);
    return gflop > limit ? `skipped: ${gflop.toFixed(0)} GFLOP at ${speed}; --all runs it` : null;
  };
}

/** Forward GFLOP per image (2 × MACs), rounded; only used to decide what is too slow to run. */
const APPROX_GFLOP: Record<Workload['arch'], number> = {
  lenet5: 0.0008,
  resnet18: 3.63,
  resnet50: 8.18,
  mobilenet_v2: 0.6,
  conv64: 0.23,
};

export const ENGINES: readonly Engine[] = [
  { id: 'cnnc-wasm', title: 'cnnc wasm', cannot: () => null, slow: () => null },
  {
    id: 'cnnc-gpujs',
    title: 'cnnc gpu.js',
    cannot: () => null,
    slow: slowAbove('cnnc-gpujs', 'gpu.js webasm ~1 GFLOP/s'),
  },
  { id: 'tfjs-wasm', title: 'tfjs-wasm', cannot: () => null, slow: () => null },
  {
    id: 'tfjs-cpu',
    title: 'tfjs-cpu',
    cannot: () => null,
    slow: slowAbove('tfjs-cpu', 'tfjs-cpu ~1 GFLOP/s'),
  },
  {
    id: 'ort',
    title: 'ONNX Runtime',
    cannot: (w) => (w.kind === 'train' ? 'cannot train' : null),
    slow: () => null,
  },
  { id: 'pytorch', title: 'PyTorch', cannot: () => null, slow: () => null },
];

/** The engines `--engines` names, in table order. */
export function selectEngines(ids: readonly string[] | null): Engine[] {
  if (ids === null) return [...ENGINES];
  const unknown = ids.filter((id) => !ENGINES.some((e) => e.id === id));
  if (unknown.length > 0) {
    throw new Error(
      `unknown engine ${unknown.join(', ')} (known: ${ENGINES.map((e) => e.id).join(', ')})`,
    );
  }
  return ENGINES.filter((e) => ids.includes(e.id));
}
