// One PyTorch module per cnnc layer: the constructor expression the exported `nn.Module` file
// writes for a graph node, as the layer's spec gives it (`backends.pytorch` in compiler/layers/).
// A layer in a form PyTorch has no module for (asymmetric padding of a pool or a transposed
// convolution) is a CNN4002 diagnostic at the layer's span, never a silently different model.
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import type { GraphNode } from '../../ir/graph.js';
import { lookupLayer } from '../../layers/registry.js';
import type { LayerSpec } from '../../layers/types.js';

/** A layer's module: the constructor expression and the helper classes it needs. */
export type LayerModule =
  { ok: true; code: string; helpers: string[] } | { ok: false; diagnostic: Diagnostic };

/** A CNN4002 error (a layer the export cannot write) at `span`. */
export function exportError(span: Span, message: string, hints: string[] = []): Diagnostic {
  return {
    code: 'CNN4002',
    severity: 'error',
    message,
    span,
    labels: [],
    hints,
    notes: [],
    fixes: [],
  };
}

function unsupported(node: GraphNode, reason: string, hint?: string): LayerModule {
  const message = `\`${node.op}\` cannot be exported to PyTorch: ${reason}`;
  return { ok: false, diagnostic: exportError(node.span, message, hint ? [hint] : []) };
}

/**
 * The PyTorch module of `node`, whose (first) input is `input`, from its spec (`lookup` finds it:
 * the registry, unless a test swaps a spec). `add` and `concat` are modules
 * too, so that every numbered statement of the `.cnn` file is a numbered child, as cnnc counts.
 */
export function layerModule(
  node: GraphNode,
  input: GraphNode | undefined,
  lookup: (op: string) => LayerSpec | undefined = lookupLayer,
): LayerModule {
  const module = lookup(node.op)?.backends?.pytorch;
  if (!module) return unsupported(node, 'PyTorch export has no module for this layer yet');
  if (!input) return unsupported(node, 'it has no input');
  const made = module(node, input);
  if ('unsupported' in made) return unsupported(node, made.unsupported, made.hint);
  return { ok: true, code: made.code, helpers: made.helpers ?? [] };
}
