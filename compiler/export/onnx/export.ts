// `cnnc build --emit onnx`: a checked model and its weights to an ONNX model (opset 17, IR 8).
// The graph is the model as written (-O0: no BatchNorm folding, no fusion), one ONNX node per
// layer where ONNX has one (each layer's `backends.onnx` in compiler/layers/), inputs and outputs named as in the `.cnn` file with
// a symbolic batch dimension, and every parameter an initializer under its `state_dict` name.
// Pure: it returns bytes and diagnostics; the CLI writes the file.
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import type { GraphNode, ModelGraph } from '../../ir/graph.js';
import { layerPrefixes, paramsOf, type ParamEntry } from '../../emit/param-names.js';
import { OnnxBuilder } from './builder.js';
import { lookupLayer } from '../../layers/registry.js';
import type { LayerSpec } from '../../layers/types.js';
import { batchedFloat, encodeModel, IR_VERSION, OPSET, type NodeProto } from './proto.js';

/** Options of {@link exportOnnx}. */
export interface OnnxOptions {
  /** `file:line:col` of a span, for each node's `doc_string`. */
  trace: (span: Span) => string;
  /** cnnc's version, recorded as the producer's. */
  producerVersion: string;
  /** Where each layer's translation is looked up: the registry, unless a test swaps a spec. */
  lookup?: (op: string) => LayerSpec | undefined;
}

/** What exporting one model gives: the `.onnx` bytes, or diagnostics with errors. */
export interface OnnxExport {
  model: string;
  bytes?: Uint8Array;
  diagnostics: Diagnostic[];
}

/** Every parameter and buffer of the model as written, in `state_dict` order. */
export function onnxParamSpecs(model: ModelGraph): ParamEntry[] {
  const prefixes = layerPrefixes(model.nodes);
  return model.nodes
    .filter((node) => node.op !== 'input')
    .flatMap((node) => paramsOf(model, node, prefixes.get(node.id) ?? String(node.id)));
}

function inputName(node: GraphNode): string {
  return node.name ?? `input${node.id}`;
}

/** Exports `model` with `weights` (every tensor of {@link onnxParamSpecs}, by name). */
export function exportOnnx(
  model: ModelGraph,
  weights: ReadonlyMap<string, Float32Array>,
  options: OnnxOptions,
): OnnxExport {
  const builder = new OnnxBuilder(weights, (node) => `${options.trace(node.span)} ${node.op}`);
  const diagnostics: Diagnostic[] = [];
  const prefixes = layerPrefixes(model.nodes);
  const byId = new Map(model.nodes.map((node) => [node.id, node]));
  for (const node of model.nodes) {
    if (node.op === 'input') {
      builder.bind(node.id, inputName(node));
      continue;
    }
    const prefix = prefixes.get(node.id) ?? String(node.id);
    const translate = (options.lookup ?? lookupLayer)(node.op)?.backends?.onnx;
    const inputs = node.inputs.map((id) => byId.get(id) as GraphNode);
    const failed = translate
      ? translate(builder, { node, inputs, prefix, params: paramsOf(model, node, prefix) })
      : { reason: 'the exporter has no mapping for it', hint: '' };
    if (failed === undefined) continue;
    diagnostics.push({
      code: 'CNN4010',
      severity: 'error',
      message: `\`${node.op}\` cannot be exported to ONNX: ${failed.reason}`,
      span: node.span,
      labels: [],
      // A layer with no mapping at all has no workaround to suggest.
      hints: failed.hint ? [failed.hint] : [],
      notes: translate ? [] : ['docs/export.md lists the layers the ONNX export maps'],
      fixes: [],
    });
    builder.bind(node.id, `${prefix}/${node.op}`);
  }
  if (diagnostics.length > 0) return { model: model.name, diagnostics };
  const outputs = nameOutputs(model, builder);
  const graphInputs = model.inputs.map((id) => byId.get(id) as GraphNode);
  const bytes = encodeModel({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'cnnc',
    producerVersion: options.producerVersion,
    docString: `${model.name}, exported by cnnc from ${options.trace(model.span)}`,
    graph: {
      name: model.name,
      node: builder.nodes,
      initializer: builder.initializers,
      input: graphInputs.map((node) => batchedFloat(inputName(node), node.shape ?? [])),
      output: outputs,
    },
  });
  return { model: model.name, bytes, diagnostics };
}

/**
 * Gives each model output its `.cnn` name: the tensor of the layer that computes it is renamed,
 * or, when that tensor is a model input or already another output, an Identity node copies it.
 */
function nameOutputs(model: ModelGraph, builder: OnnxBuilder) {
  const producers = new Map<string, NodeProto>();
  for (const node of builder.nodes) producers.set((node.output ?? [])[0], node);
  const renamed = new Map<string, string>();
  return model.outputs.map((output) => {
    const tensor = builder.tensor(output.node);
    const producer = producers.get(tensor);
    if (producer && !renamed.has(tensor)) {
      renamed.set(tensor, output.name);
      for (const node of builder.nodes) {
        node.input = (node.input ?? []).map((name) => (name === tensor ? output.name : name));
        node.output = (node.output ?? []).map((name) => (name === tensor ? output.name : name));
      }
    } else {
      builder.nodes.push({
        name: `${output.name}/identity`,
        opType: 'Identity',
        input: [renamed.get(tensor) ?? tensor],
        output: [output.name],
      });
    }
    const shape = model.nodes.find((node) => node.id === output.node)?.shape ?? [];
    return batchedFloat(output.name, shape);
  });
}
