// Signature help inside the parentheses of a layer or block call: the parameters with their
// defaults and docs, the active one following the cursor (by name after `name=`, else by
// position).
import type { ParameterInformation, SignatureHelp } from 'vscode-languageserver/node';
import type { BlockItem } from '../../grammar/ast.js';
import { printExpr } from '../format/print-expr.js';
import { lookupLayer } from '../layers/registry.js';
import { analysisOf, type ServerContext } from './context.js';
import { callContextAt } from './call-context.js';
import { documentUri, positionOffset } from './params.js';
import { argumentLabel, docComment, layerSignature } from './signatures.js';
import { workspaceFile } from './workspace.js';

interface Signature {
  label: string;
  doc?: string;
  params: { label: string; name: string; doc?: string }[];
}

function layerSignatureInfo(name: string): Signature | undefined {
  const spec = lookupLayer(name);
  if (!spec) return undefined;
  return {
    label: layerSignature(spec),
    doc: spec.doc,
    params: spec.args.map((arg) => ({ label: argumentLabel(arg), name: arg.name, doc: arg.doc })),
  };
}

function blockSignatureInfo(ctx: ServerContext, file: string, name: string): Signature | undefined {
  const def = workspaceFile(ctx, file)?.globals.get(name);
  if (def?.kind !== 'block') return undefined;
  const home = workspaceFile(ctx, def.nameSpan.file);
  const block = home?.ast.items.find(
    (item): item is BlockItem => item.kind === 'Block' && item.name.name === name,
  );
  if (!block || !home) return undefined;
  const params = block.params.map((p) => {
    const label = p.default ? `${p.name.name}=${printExpr(p.default)}` : p.name.name;
    return { label, name: p.name.name };
  });
  return {
    label: `${name}(${params.map((p) => p.label).join(', ')})`,
    doc: docComment(home.ast, home.text, block.span.start),
    params,
  };
}

/** `textDocument/signatureHelp`. */
export function signatureHelp(ctx: ServerContext, params: unknown): SignatureHelp | null {
  const analysis = analysisOf(ctx, documentUri(params));
  if (!analysis) return null;
  const call = callContextAt(analysis.text, positionOffset(params, analysis.index));
  if (!call) return null;
  const signature =
    blockSignatureInfo(ctx, analysis.file, call.callee) ?? layerSignatureInfo(call.callee);
  if (!signature) return null;
  const named = call.current.name;
  const active =
    named === undefined ? call.argIndex : signature.params.findIndex((p) => p.name === named);
  const parameters: ParameterInformation[] = signature.params.map((p) => ({
    label: p.label,
    ...(p.doc ? { documentation: p.doc } : {}),
  }));
  return {
    signatures: [
      {
        label: signature.label,
        ...(signature.doc ? { documentation: { kind: 'markdown', value: signature.doc } } : {}),
        parameters,
      },
    ],
    activeSignature: 0,
    activeParameter: Math.max(0, Math.min(active, parameters.length - 1)),
  };
}
