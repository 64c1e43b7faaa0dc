// What the parent (bench/run.ts) tells each child process and what the child answers: one JSON
// spec file in, one `@@bench-result` JSON line out. Every engine × workload runs in its own child
// so that peak resident memory and JIT state belong to that cell alone.
import type { EngineId } from './engines.js';
import type { Workload } from './workloads.js';

export interface ChildSpec {
  engine: EngineId;
  workload: Workload;
  /** The repository root (absolute). */
  root: string;
  /** The module `cnnc build --emit js` wrote for this engine's target (cnnc engines). */
  modulePath: string | null;
  /** cnnc's seeded weights (safetensors, F32), shared by every engine. */
  weightsPath: string;
  /** `ModelInfo` as JSON. */
  infoPath: string;
  /** The input, float32 NCHW `[batch, …inputShape]`. */
  inputPath: string;
  /** Class labels, int32 `[batch]`. */
  labelsPath: string;
  /** ONNX model for ONNX Runtime. */
  onnxPath: string | null;
  /** A `cnnc build --emit pytorch` module, or null for the torchvision/hand-written model. */
  torchModulePath: string | null;
  /** tfjs-core's gradient registrations bundled as one ES module (see `bundleTfjsGradients`). */
  tfjsGradientsPath: string | null;
  /** Where the child writes its first output (float32, NCHW or `[batch, classes]`). */
  outputPath: string;
  repeats: number;
  budgetMs: number;
  threads: number;
}

/** What the parent knows of a model, from the generated module. */
export interface ModelInfo {
  arch: Workload['arch'];
  inputShape: number[];
  outputShape: number[];
  /** Parameters and buffers in PyTorch `state_dict` order. */
  params: { name: string; shape: number[]; role: string }[];
  /** The model's `train` section as the generated module exports it. */
  trainSpec: {
    loss: string;
    optimizer: { kind: string; lr: number; momentum?: number; weightDecay?: number } & Record<
      string,
      unknown
    >;
  };
}

export interface ChildResult {
  ok: boolean;
  /** Why the engine could not run the workload (ok: false). */
  reason?: string;
  /** Warm-up (first run) and the timed repeats, in ms. */
  warmupMs?: number;
  timesMs?: number[];
  /** Model creation (weights loaded, kernels built), in ms. */
  setupMs?: number;
  /** Resident memory after imports, before the model exists, and the process's peak, in bytes. */
  baselineRssBytes?: number;
  peakRssBytes?: number;
  /** The first training step's loss. */
  loss?: number;
  /** Where the model came from, when it matters (`torchvision`, `torch.onnx.export`, …). */
  note?: string;
}

export const RESULT_PREFIX = '@@bench-result ';
