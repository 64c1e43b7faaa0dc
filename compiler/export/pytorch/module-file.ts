// Writes the exported PyTorch module file: one class per block (per distinct expansion of it),
// the model class, the helpers they use and a safetensors reader/writer. Children are registered
// positionally in `nn.Sequential` subclasses, so the `state_dict` keys are the numbers cnnc's
// parameter names use; a container whose data flow is not a chain (a residual join, a concat of
// branches) overrides `forward` with one line per child.
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import type { GraphNode, ModelGraph, NodeId } from '../../ir/graph.js';
import { helperClass, SAFETENSORS_PY } from './helpers-py.js';
import { exportError, layerModule } from './layers.js';
import { pythonComment, pythonName, pythonString, tupleLiteral } from './python.js';
import {
  dataFlow,
  itemInputs,
  itemOutputs,
  modelTree,
  type ContainerItem,
  type DataFlow,
  type TreeItem,
} from './tree.js';

/** What the module file needs besides the model: where each span is, for trace comments. */
export interface ModuleFileOptions {
  /** The `.cnn` file as the user named it (escaped before it is written). */
  source: string;
  /** `file:line:col` of a span. */
  trace: (span: Span) => string;
}

export interface ModuleFile {
  text: string;
  /** The model's class name in the file. */
  className: string;
  diagnostics: Diagnostic[];
}

const INDENT = '    ';

interface Context {
  model: ModelGraph;
  byId: Map<NodeId, GraphNode>;
  flow: DataFlow;
  options: ModuleFileOptions;
  helpers: Set<string>;
  /** Class bodies already written, by body text, with their class names. */
  classes: Map<string, string>;
  classOrder: { name: string; text: string; calls: string[]; kind: string }[];
  taken: Set<string>;
  /** How many distinct expansions each block name has had. */
  variants: Map<string, number>;
  diagnostics: Diagnostic[];
}

function label(item: TreeItem, ctx: Context): string {
  const where =
    item.kind === 'leaf' ? item.node.span : (item.step?.span ?? { file: '', start: 0, end: 0 });
  const step = item.kind === 'container' ? item.step : undefined;
  const what =
    item.kind === 'leaf'
      ? item.node.op
      : step?.kind === 'for'
        ? `for ${step.name} = ${step.index}`
        : step?.kind === 'repeat'
          ? `repeat (iteration ${step.index})`
          : (step?.name ?? 'model');
  return pythonComment(`${item.index}: ${what}, ${shortTrace(where, ctx)}`);
}

/** `line 12:3` for a span in the model's own file (named in the file's header), else `file:12:3`. */
function shortTrace(span: Span, ctx: Context): string {
  const trace = ctx.options.trace(span);
  const own = `${ctx.options.source}:`;
  return trace.startsWith(own) ? `line ${trace.slice(own.length)}` : trace;
}

/** Whether `container` is a plain chain: one input, each child feeding the next, one output. */
function isChain(container: ContainerItem, ctx: Context): boolean {
  const inputs = itemInputs(container, ctx.byId);
  if (inputs.length !== 1) return false;
  let previous = inputs;
  for (const child of container.children) {
    const childInputs = itemInputs(child, ctx.byId);
    if (childInputs.length !== 1 || childInputs[0] !== previous[0]) return false;
    previous = itemOutputs(child, ctx.flow);
    if (previous.length !== 1) return false;
  }
  const outputs = itemOutputs(container, ctx.flow);
  return outputs.length === 1 && outputs[0] === previous[0];
}

/** The lines of a child's constructor at `depth`, ending with a comma and its label. */
function childLines(item: TreeItem, depth: number, owner: string, ctx: Context): string[] {
  const pad = INDENT.repeat(depth);
  if (item.kind === 'leaf') {
    const input = ctx.byId.get(item.node.inputs[0]);
    const module = layerModule(item.node, input);
    if (!module.ok) {
      ctx.diagnostics.push(module.diagnostic);
      return [`${pad}nn.Identity(),  # ${label(item, ctx)} (not exported)`];
    }
    module.helpers.forEach((helper) => ctx.helpers.add(helper));
    return leafLines(module.code, label(item, ctx), pad);
  }
  if (item.step?.kind === 'block' || !isChain(item, ctx)) {
    return [`${pad}${containerClass(item, owner, ctx)}(),  # ${label(item, ctx)}`];
  }
  return [
    `${pad}nn.Sequential(  # ${label(item, ctx)}`,
    ...item.children.flatMap((child) => childLines(child, depth + 1, owner, ctx)),
    `${pad}),`,
  ];
}

/**
 * A layer's line: `code,  # label` when it fits in 100 characters, else the label on a line of
 * its own above it, and a `Separable(...)` with one argument per line if it is still too long.
 */
function leafLines(code: string, comment: string, pad: string): string[] {
  const line = `${pad}${code},  # ${comment}`;
  if (line.length <= 100) return [line];
  const separable = /^Separable\((.*), (nn\.Conv\dd\(.*\))\)$/.exec(code);
  if (`${pad}${code},`.length <= 100 || !separable) return [`${pad}# ${comment}`, `${pad}${code},`];
  const inner = `${pad}${INDENT}`;
  return [
    `${pad}# ${comment}`,
    `${pad}Separable(`,
    `${inner}${separable[1]},`,
    `${inner}${separable[2]},`,
    `${pad}),`,
  ];
}

/** Local variable names for the values a container's `forward` handles. */
function valueNames(container: ContainerItem, inputs: NodeId[], ctx: Context): Map<NodeId, string> {
  const names = new Map<NodeId, string>();
  const taken = new Set<string>();
  inputs.forEach((id, idx) => {
    const given = ctx.byId.get(id)?.name;
    const fallback = inputs.length === 1 ? 'x' : `x${idx}`;
    names.set(id, given && container.step === undefined ? pythonName(given, taken) : fallback);
  });
  for (const child of container.children) {
    const outputs = itemOutputs(child, ctx.flow);
    outputs.forEach((id, idx) => {
      const given = ctx.byId.get(id)?.name;
      const suffix = outputs.length === 1 ? '' : `_${idx}`;
      names.set(id, given ? pythonName(given, taken) : `y${child.index}${suffix}`);
    });
  }
  return names;
}

/** The `forward` of a container that is not a chain, or undefined when it is one. */
function forwardLines(container: ContainerItem, ctx: Context): string[] | undefined {
  const root = container.step === undefined;
  const model = root ? ctx.model : undefined;
  const inputs = model ? model.inputs : itemInputs(container, ctx.byId);
  if (!root && isChain(container, ctx)) return undefined;
  if (
    root &&
    model &&
    model.inputs.length === 1 &&
    model.outputs.length === 1 &&
    isChain(container, ctx)
  )
    return undefined;
  const names = valueNames(container, inputs, ctx);
  const body: string[] = [];
  for (const child of container.children) {
    const args = itemInputs(child, ctx.byId).map((id) => names.get(id));
    const results = itemOutputs(child, ctx.flow).map((id) => names.get(id));
    if (args.some((name) => name === undefined)) {
      ctx.diagnostics.push(orderDiagnostic(child));
      continue;
    }
    const call = `self[${child.index}](${args.join(', ')})`;
    body.push(results.length > 0 ? `${results.join(', ')} = ${call}` : call);
  }
  const outputs = model
    ? model.outputs.map((output) => output.node)
    : itemOutputs(container, ctx.flow);
  const returned = outputs.map((id) => names.get(id) ?? 'None');
  if (model && model.outputs.length > 1) {
    const entries = model.outputs.map(
      (output, idx) => `${pythonString(output.name)}: ${returned[idx]}`,
    );
    body.push(`return {${entries.join(', ')}}`);
  } else {
    body.push(`return ${returned.join(', ')}`);
  }
  const params = ['self', ...inputs.map((id) => names.get(id) as string)];
  return [
    '',
    `${INDENT}def forward(${params.join(', ')}):`,
    ...body.map((line) => `${INDENT}${INDENT}${line}`),
  ];
}

function orderDiagnostic(item: TreeItem): Diagnostic {
  const span =
    item.kind === 'leaf' ? item.node.span : (item.step?.span ?? { file: '', start: 0, end: 0 });
  return exportError(
    span,
    'this part of the model cannot be exported to PyTorch: it reads a value computed after it',
  );
}

/** The `__init__` (and, if needed, `forward`) of a container class, without its `class` line. */
function classBody(container: ContainerItem, name: string, ctx: Context): string[] {
  return [
    `${INDENT}def __init__(self):`,
    `${INDENT}${INDENT}super().__init__(`,
    ...container.children.flatMap((child) => childLines(child, 3, name, ctx)),
    `${INDENT}${INDENT})`,
    ...(forwardLines(container, ctx) ?? []),
  ];
}

/**
 * The class of a block call or of a non-chain body: one class per distinct expansion, named
 * after the block (`Basic`, then `Basic_2` for a call that expands differently).
 */
function containerClass(container: ContainerItem, owner: string, ctx: Context): string {
  const step = container.step;
  const base =
    step?.kind === 'block'
      ? step.name
      : `${owner}${(step?.kind ?? 'body').replace(/^./, (c) => c.toUpperCase())}`;
  // The body is written under a placeholder name, so that equal expansions share one class.
  const body = classBody(container, base, ctx).join('\n');
  const trace = step ? pythonComment(shortTrace(step.span, ctx)) : '';
  const known = ctx.classes.get(body);
  if (known) {
    ctx.classOrder.find((entry) => entry.name === known)?.calls.push(trace);
    return known;
  }
  const count = (ctx.variants.get(base) ?? 0) + 1;
  ctx.variants.set(base, count);
  const name = pythonName(count === 1 ? base : `${base}_${count}`, ctx.taken);
  ctx.classes.set(body, name);
  const kind =
    step?.kind === 'block' ? `block ${step.name}` : `the ${step?.kind ?? 'body'} of ${owner}`;
  ctx.classOrder.push({ name, text: body, calls: [trace], kind: pythonComment(kind) });
  return name;
}

function classText(entry: { name: string; text: string; calls: string[]; kind: string }): string {
  const where = entry.calls.length === 1 ? 'at' : `${entry.calls.length} times: at`;
  return [
    `class ${entry.name}(nn.Sequential):`,
    ...wrapComment(`${entry.kind}, used ${where} ${entry.calls.join(', ')}`, INDENT),
    '',
    entry.text,
  ].join('\n');
}

/** `text` as `#` comment lines of at most 100 characters, broken at spaces. */
function wrapComment(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + 2 + line.length + 1 + word.length > 100) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines.map((part) => `${indent}# ${part}`);
}

function shapeLiteral(shape: readonly number[] | undefined): string {
  return tupleLiteral((shape ?? []).map(String));
}

/** The module file of `model`. */
export function moduleFile(model: ModelGraph, options: ModuleFileOptions): ModuleFile {
  const ctx: Context = {
    model,
    byId: new Map(model.nodes.map((node) => [node.id, node])),
    flow: dataFlow(model),
    options,
    helpers: new Set(),
    classes: new Map(),
    classOrder: [],
    taken: new Set(),
    variants: new Map(),
    diagnostics: [],
  };
  const className = pythonName(model.name, ctx.taken);
  const tree = modelTree(model);
  const rootBody = classBody(tree, className, ctx);
  const inputs = model.inputs.map((id) => {
    const node = ctx.byId.get(id);
    return `${pythonString(node?.name ?? 'input')}: ${shapeLiteral(node?.shape)}`;
  });
  const outputs = model.outputs.map((output) => pythonString(output.name));
  const source = pythonComment(options.source);
  const lines = [
    `# Generated by cnnc from ${source} (model ${pythonComment(model.name)}). DO NOT EDIT.`,
    '#',
    "# A PyTorch nn.Module whose state_dict keys are exactly the tensor names of cnnc's weights",
    '# (docs/export-pytorch.md): blocks are nn.Sequential subclasses numbered as cnnc numbers',
    '# them. Weights saved by `cnnc train` or a generated module load with',
    `#   model = ${className}()`,
    '#   model.load_state_dict(load_safetensors("weights.safetensors"))',
    'import json',
    'import os',
    'import struct',
    'import sys',
    '',
    'import torch',
    'import torch.nn.functional as F',
    'from torch import nn',
    '',
    '# Per-sample shapes (channels first; the batch is the first dimension of every tensor).',
    `INPUT_SHAPES = {${inputs.join(', ')}}`,
    `OUTPUT_NAMES = ${tupleLiteral(outputs)}`,
    '',
    ...[...ctx.helpers].sort().flatMap((helper) => ['', '', helperClass(helper)]),
    ...ctx.classOrder.flatMap((entry) => ['', '', classText(entry)]),
    '',
    '',
    `class ${className}(nn.Sequential):`,
    `${INDENT}# model ${pythonComment(model.name)}, ${pythonComment(options.trace(model.span))}`,
    '',
    ...rootBody,
    '',
    '',
    `Model = ${className}`,
    '',
    '',
    SAFETENSORS_PY,
  ];
  return {
    text: `${lines
      .join('\n')
      .replace(/\n{3,}/g, '\n\n\n')
      .trimEnd()}\n`,
    className,
    diagnostics: ctx.diagnostics,
  };
}
