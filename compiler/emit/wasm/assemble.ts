// Builds the one WebAssembly module of a model: lays out memory (weights, per-thread scratch, the
// per-sample arena of the memory plan), asks each layer's kernel generator for one exported
// function, and compiles the text through binaryen (validate, optimise, emit).
import { planMemory } from '../../passes/plan-memory.js';
import { bytesOf, type Graph } from '../../ir/opt-graph.js';
import type { ModulePlan } from '../plan-module.js';
import { ACTIVATION_HELPERS } from './activation.js';
import type { KernelEnv, Packing } from './kernel.js';
import { forwardKernel, stagingOf } from './kernels.js';
import { add, get, i32, locals, mul } from './wat.js';

/** Alignment of every region and value (a cache line). */
const ALIGN = 64;
const align = (bytes: number) => Math.ceil(bytes / ALIGN) * ALIGN;

/** One packed parameter in the weight region. */
export interface WeightSlot {
  name: string;
  offset: number;
  packing: Packing;
}

/** One exported layer function and how its work splits into units. */
export interface LayerEntry {
  /** Export name, `l<node>_<call>`. */
  fn: string;
  samplesPerUnit: number;
  unitsPerGroup: number;
  macs: number;
}

/** A model input or output in the arena. */
export interface ArenaValue {
  name: string;
  offset: number;
  /** Floats per sample. */
  size: number;
}

/** Everything the runtime needs besides the parameters: what the generated module embeds. */
export interface WasmLayout {
  /** End of the weight region (scratch starts here). */
  weightBytes: number;
  /** Scratch bytes per thread. */
  scratchBytes: number;
  /** Bytes per sample of activations. */
  arenaBytes: number;
  weights: WeightSlot[];
  inputs: ArenaValue[];
  outputs: ArenaValue[];
  layers: LayerEntry[];
}

/** The module: its WebAssembly text and layout (compiled to bytes by {@link compileWat}). */
export interface WasmModule {
  wat: string;
  layout: WasmLayout;
}

/** Per-sample arena offsets of every node's value, from the memory plan's buffer slots. */
function arenaOffsets(graph: Graph): { offsets: Map<number, number>; bytes: number } {
  const planned = graph.nodes.every((node) => node.buffer !== undefined)
    ? graph
    : planMemory(graph).graph;
  const slotBytes: number[] = [];
  for (const node of planned.nodes) {
    const slot = node.buffer as number;
    slotBytes[slot] = Math.max(slotBytes[slot] ?? 0, bytesOf(node));
  }
  const slotOffset: number[] = [];
  let bytes = 0;
  slotBytes.forEach((size, slot) => {
    slotOffset[slot] = bytes;
    bytes += align(size);
  });
  const offsets = new Map<number, number>();
  for (const node of planned.nodes) offsets.set(node.id, slotOffset[node.buffer as number]);
  return { offsets, bytes };
}

/** Lays out and generates the module of `plan` (an optimised graph planned for wasm). */
export function generateModule(plan: ModulePlan, graph: Graph): WasmModule {
  const arena = arenaOffsets(graph);
  let arenaBytes = arena.bytes;
  let staging = 0;
  const helpers: string[] = [];
  const weights: WeightSlot[] = [];
  const weightKeys = new Map<string, number>();
  let weightEnd = ALIGN;
  const env: KernelEnv = {
    get arenaBytes() {
      return arenaBytes;
    },
    get staging() {
      return staging;
    },
    helper(stem, build) {
      const name = `$h${helpers.length}_${stem}`;
      helpers.push(build(name));
      return name;
    },
    sampleBase: (sample) => add('(global.get $arena)', mul(get(sample), i32(arenaBytes))),
    weight(name, packing) {
      const key = `${name}\u0000${JSON.stringify(packing)}`;
      const known = weightKeys.get(key);
      if (known !== undefined) return known;
      const offset = weightEnd;
      weightEnd += align(4 * packedLength(packing));
      weights.push({ name, offset, packing });
      weightKeys.set(key, offset);
      return offset;
    },
  };
  // Values of intermediate calls (separable's depthwise half) get their own arena space.
  const extra = new Map<string, number>();
  for (const layer of plan.layers)
    layer.calls.slice(0, -1).forEach((_, idx) => {
      extra.set(`${layer.node.id}_${idx}`, arenaBytes);
      arenaBytes += align(intermediateBytes(layer.calls[idx].descriptor));
    });
  staging = arenaBytes;
  const stagingSize = Math.max(
    0,
    ...plan.layers.flatMap((layer) => layer.calls.map((call) => stagingOf(call))),
  );
  arenaBytes = align(Math.max(staging + stagingSize, ALIGN));
  const functions: string[] = [];
  const layers: LayerEntry[] = [];
  let scratchBytes = 0;
  const valueOffset = (id: number) => {
    const offset = arena.offsets.get(id);
    if (offset === undefined) throw new Error(`internal error: value %${id} has no arena slot`);
    return offset;
  };
  for (const layer of plan.layers) {
    if (layer.alias) continue;
    let inputs = layer.node.inputs.map(valueOffset);
    layer.calls.forEach((call, idx) => {
      const generator = forwardKernel(call.factory);
      if (!generator) throw new Error(`internal error: no wasm kernel for ${call.factory}`);
      const last = idx === layer.calls.length - 1;
      const output = last
        ? valueOffset(layer.node.id)
        : (extra.get(`${layer.node.id}_${idx}`) as number);
      const generated = generator(call, { inputs, output }, env);
      const phases = Array.isArray(generated) ? generated : [generated];
      phases.forEach((kernel, phase) => {
        const fn = `l${layer.node.id}_${idx}${phase < phases.length - 1 ? `_p${phase}` : ''}`;
        functions.push(
          `(func $${fn} (export "${fn}") (param $u0 i32) (param $u1 i32) (param $batch i32) (param $scr i32) ${locals(kernel.locals)}
${kernel.body})`,
        );
        layers.push({
          fn,
          samplesPerUnit: kernel.samplesPerUnit,
          unitsPerGroup: kernel.unitsPerGroup,
          macs: kernel.macs,
        });
        scratchBytes = Math.max(scratchBytes, align(kernel.scratchBytes));
      });
      inputs = [output];
    });
  }
  const value = (id: number, name: string, shape: readonly number[]): ArenaValue => ({
    name,
    offset: valueOffset(id),
    size: shape.reduce((acc, dim) => acc * dim, 1),
  });
  const wat = `(module
(import "env" "memory" (memory $memory 1 65536 shared))
(import "env" "exp" (func $exp (param f64) (result f64)))
(import "env" "tanh" (func $tanh (param f64) (result f64)))
(import "env" "pow" (func $pow (param f64 f64) (result f64)))
(global $arena (mut i32) (i32.const 0))
(func (export "setArena") (param $base i32) (global.set $arena (local.get $base)))
${ACTIVATION_HELPERS}
${helpers.join('\n')}
${functions.join('\n')}
)`;
  return {
    wat,
    layout: {
      weightBytes: weightEnd,
      scratchBytes,
      arenaBytes,
      weights,
      inputs: plan.inputs.map((input) => value(input.node, input.name, input.shape)),
      outputs: plan.outputs.map((output) => value(output.node, output.name, output.shape)),
      layers,
    },
  };
}

/** Floats of a packed parameter. */
export function packedLength(packing: Packing): number {
  switch (packing.kind) {
    case 'plain':
      return packing.length;
    case 'rowPanels':
      return packing.groups * Math.ceil(packing.rows / packing.mr) * packing.mr * packing.depth;
    case 'colPanels':
      return Math.ceil(packing.cols / packing.nr) * packing.nr * packing.depth;
    case 'winograd3x3':
      return 16 * Math.ceil(packing.rows / packing.mr) * packing.mr * packing.depth;
    case 'winograd4x4':
      return 36 * Math.ceil(packing.rows / packing.mr) * packing.mr * packing.depth;
  }
}

function intermediateBytes(descriptor: Record<string, unknown>): number {
  const field = (key: string) => Number(descriptor[key] ?? 1);
  return 4 * field('outChannels') * field('outHeight') * field('outWidth');
}

/** Parses, validates and optimises `wat` with binaryen; returns the module bytes. */
export async function compileWat(wat: string): Promise<Uint8Array> {
  const { default: binaryen } = await import('binaryen');
  const module = binaryen.parseText(wat);
  try {
    module.setFeatures(
      binaryen.Features.SIMD128 |
        binaryen.Features.Atomics |
        binaryen.Features.BulkMemory |
        binaryen.Features.MutableGlobals |
        binaryen.Features.SignExt |
        binaryen.Features.NontrappingFPToInt,
    );
    if (!module.validate()) throw new Error('internal error: the generated wasm module is invalid');
    binaryen.setOptimizeLevel(3);
    binaryen.setShrinkLevel(0);
    module.optimize();
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}
