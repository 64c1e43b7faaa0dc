// What the compiler knows about a layer: its arguments (checked during expansion), its shape rule
// (run during expansion, since `in.channels` and `if` conditions need shapes), its tensors with
// PyTorch's names, its traits, and its backends: the gpu.js plan, the gradient rule of each kernel
// it plans, the ONNX translation and the PyTorch module. One file (or a family file with its
// `-gpujs`, `-onnx`, `-pytorch` or `-backends` companions) per family of layers in this folder;
// ./registry.ts lists them all. Passes, summary, hovers, targets, the backward planner and the
// exporters ask the spec; none keeps a table of op names.
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { GraphNode, NodeCost, Shape } from '../ir/graph.js';
import type { GradientRule } from '../emit/gradient-rules.js';
import type { LayerContext, LayerPlan } from '../emit/target.js';
import type { Translate } from '../export/onnx/translate.js';
import type { KernelGenerator } from '../emit/wasm/kernel.js';
import type { BackwardGenerator } from '../emit/wasm/backward/common.js';

export type ArgType =
  | { kind: 'int'; min?: number; max?: number }
  | { kind: 'float'; min?: number; max?: number; maxExclusive?: boolean; minExclusive?: boolean }
  | { kind: 'bool' }
  /** An int, or a tuple of ints (one per spatial dimension), each at least `min`. */
  | { kind: 'spatial'; min: number }
  /**
   * Padding: an int or tuple (symmetric per dimension), a list of explicit sides
   * `[top, bottom, left, right]` (two per dimension), or, when `modes` is set, `valid`, `same`
   * or `full`.
   */
  | { kind: 'pad'; modes: boolean }
  | { kind: 'enum'; values: readonly string[] }
  /** A number, or a non-empty list of numbers (one per channel), each above `min` if set. */
  | { kind: 'numbers'; min?: number; minExclusive?: boolean }
  /** The first alternative that accepts the value wins; errors are reported for the last. */
  | { kind: 'oneOf'; types: readonly ArgType[] };

/** A default as written in the schema; ints and floats take the kind of the argument's type. */
export type DefaultSpec = number | boolean | { symbol: string } | { sameAs: string };

export interface ArgSpec {
  name: string;
  type: ArgType;
  /** Absent: the argument is required (unless `optional`). */
  default?: DefaultSpec;
  /** An argument that may be left out and has no default (e.g. `adaptive`). */
  optional?: boolean;
  /** Required unless this other argument is given (`kernel` unless `adaptive`). */
  requiredUnless?: string;
  /** Required when this other argument is given (`normalize`'s `mean` and `std` go together). */
  requiredWith?: string;
  doc: string;
}

export interface InferContext {
  /** The node, with every argument resolved and defaults filled in. */
  node: GraphNode;
  /** The producers of the node's inputs, in order; each has a known `shape`. */
  inputs: readonly GraphNode[];
  report: (diagnostic: Diagnostic) => void;
  /** The text of `node.span.file`, when known; fixes use it to match the line's indentation. */
  sourceText?: string;
}

export interface Inferred {
  shape: Shape;
  cost: NodeCost;
}

/** Computes a node's output shape and cost, or reports why it has none and returns undefined. */
export type InferRule = (ctx: InferContext) => Inferred | undefined;

/**
 * What passes, targets and reports may assume about a layer, so none of them keeps its own list of
 * op names. Absent means false.
 */
export interface LayerTraits {
  /** An elementwise activation that fuses as an epilogue (softmax needs its channel column, so not it). */
  elementwise?: boolean;
  /** Its kernels take one fused activation after the bias (compiler/passes/fuse-activation.ts). */
  fusesActivation?: boolean;
  /** Output channels are dimension 0 of the weight, so a following BatchNorm folds into it. */
  foldsBatchnorm?: boolean;
  /** Its value is its input's buffer, reinterpreted (`flatten`). */
  aliasesInput?: boolean;
  /** The identity at inference (`dropout`, `identity`). */
  noOpAtInference?: boolean;
  /** A weighted sum over a window: convolutions and `linear`, whose MACs published totals count. */
  convLike?: boolean;
  /** An elementwise activation whose formula needs `exp`, `tanh` or `erf` (no f32x4 form on wasm). */
  transcendental?: boolean;
  /** Its training forward differs from inference (batch statistics, a random mask). */
  trainsDifferently?: boolean;
  /** Which output-size arithmetic its window follows, for hovers. */
  window?: 'conv' | 'pool' | 'transpose';
}

/** A tensor of a layer, as the runtime's `ParamSpec`; `name` is the full `state_dict` key. */
export interface ParamEntry {
  name: string;
  shape: number[];
  role: 'weight' | 'bias' | 'gamma' | 'beta' | 'running_mean' | 'running_var' | 'mean' | 'std';
  bias?: string;
  /** A buffer's fixed initial values (`normalize(mean=…, std=…)`), one per channel. */
  values?: number[];
}

/** What a parameter rule sees: the node (arguments resolved, shape inferred) and its input shape. */
export interface ParamContext {
  node: GraphNode;
  inShape: readonly number[];
  /** The window of a windowed layer (kernel per spatial dimension), else empty. */
  kernel: readonly number[];
  /** The `state_dict` prefix of the node, e.g. `3` or `0.1`. */
  prefix: string;
}

/** The layer's tensors with their PyTorch names and layouts, in PyTorch's order. */
export type ParamRule = (ctx: ParamContext) => ParamEntry[];

export interface LayerSpec<N extends string = string> {
  name: N;
  aliases?: readonly string[];
  /** One line for hovers and completion. */
  doc: string;
  args: readonly ArgSpec[];
  /** `many` for the joins `add` and `concat`, whose operands are named values. */
  inputs: 'one' | 'many';
  infer?: InferRule;
  /** Its tensors; `none` for layers without parameters or buffers. */
  params: ParamRule | 'none';
  traits?: LayerTraits;
  /**
   * The targets that cannot build this layer, each with the reason: the target's CNN4002 quotes
   * it, and `cnnc train --target auto` then trains on gpu.js. The completeness test
   * (test/layers/completeness.test.ts) requires a plan on every other target.
   */
  unsupportedOn?: Readonly<Partial<Record<TargetName, string>>>;
  /** Why the layer has no gradient rule, when it has none; otherwise every kernel needs one. */
  noGradient?: string;
  /**
   * Why the wasm target cannot train the layer yet although it builds it (`trainStep` and `cnnc
   * train --target wasm` quote it; `--target auto` trains on gpu.js). The completeness test
   * requires a wasm backward for every kernel the layer plans on wasm otherwise.
   */
  noWasmBackward?: string;
  /**
   * How the targets and exporters run the layer: its gpu.js plan, the gradient rule of each kernel
   * factory that plan uses, its ONNX translation and its PyTorch module (see CONTRIBUTING.md).
   * compiler/emit/gpujs-target.ts, compiler/emit/gradient-rules.ts and the exporters only ask this.
   */
  backends: LayerBackends<N>;
}

/**
 * The PyTorch module of a node: the constructor expression and the helper classes it needs, or
 * why PyTorch has none (CNN4002, with an optional hint).
 */
export type PytorchModule =
  { code: string; helpers?: string[] } | { unsupported: string; hint?: string };

/**
 * A layer's plans and translations, kept with its spec. `N` is the layer's name, so that a spec
 * missing one of them fails to compile with the layer named in the message
 * (`required in type 'LayerBackends<"lrn">'`).
 */
// N is read by nobody: it is there to be printed in tsc's message.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export interface LayerBackends<N extends string = string> {
  /** The gpu.js plan (the wasm target plans the same calls when it has kernels for them). */
  gpujs: (ctx: LayerContext) => LayerPlan;
  /**
   * The backward rule of each kernel factory `gpujs` may plan for this layer (a rule belongs to
   * its factory: layers that share a factory share its rule).
   */
  gradients: Readonly<Record<string, GradientRule>>;
  /** The ONNX nodes (opset 17), or why ONNX cannot express the layer (CNN4010). */
  onnx: Translate;
  /**
   * The `nn.Module` of the PyTorch export; `input` is the node's (first) input. `add` and
   * `concat` are modules too, so that every numbered statement is a numbered child.
   */
  pytorch: (node: GraphNode, input: GraphNode) => PytorchModule;
  /** The wasm target's kernels (absent: `unsupportedOn.wasm` says why). */
  wasm?: WasmKernels;
}

/**
 * A layer's WebAssembly kernels, by the kernel factory its `gpujs` plan names: the forward
 * generator and the training backward of each (compiler/emit/wasm/kernels.ts asks for them).
 */
export interface WasmKernels {
  forward: Readonly<Record<string, KernelGenerator>>;
  backward: Readonly<Record<string, BackwardGenerator>>;
}

/** The kernel targets of `cnnc build --target`. */
export type TargetName = 'gpu.js' | 'wasm';

/** Declares a layer; keeps its name as a literal type, so op names form a closed union. */
export function defineLayer<const N extends string>(spec: LayerSpec<N>): LayerSpec<N> {
  return spec;
}
