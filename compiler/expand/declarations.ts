// Program-wide declarations: the constants, blocks, models and train sections of the root file
// and of every file it imports, with duplicate definitions reported.
import type { BlockItem, ConstItem, FileAst, ModelItem, TrainItem } from '../../grammar/ast.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Value } from '../ir/value.js';

export interface ConstEntry {
  item: ConstItem;
  state: 'pending' | 'evaluating' | 'done' | 'failed';
  value?: Value;
}

export interface Declarations {
  consts: Map<string, ConstEntry>;
  blocks: Map<string, BlockItem>;
  /** Models of the root file only: imports bring blocks and constants. */
  models: Map<string, ModelItem>;
  train: TrainItem[];
  /** A chain of block calls or constants too deep to expand was reported (CNN2029), once. */
  tooDeepReported?: boolean;
}

/** Collects declarations; `root` is the file being compiled, `imported` the files it imports. */
export function collectDeclarations(
  root: FileAst,
  imported: readonly FileAst[],
  report: (d: Diagnostic) => void,
): Declarations {
  const decls: Declarations = {
    consts: new Map(),
    blocks: new Map(),
    models: new Map(),
    train: [],
  };
  const seen = new Map<string, { kind: string; span: ConstItem['span'] }>();
  const claim = (name: string, kind: string, span: ConstItem['span']): boolean => {
    const previous = seen.get(name);
    if (previous) {
      report(
        diagnostic('CNN2014', span, `\`${name}\` is defined twice`, {
          labels: [{ span: previous.span, message: `first defined here as a ${previous.kind}` }],
          hints: ['rename one of them'],
        }),
      );
      return false;
    }
    seen.set(name, { kind, span });
    return true;
  };
  for (const file of [...imported, root]) {
    for (const item of file.items) {
      if (item.kind === 'Const' && claim(item.name.name, 'constant', item.name.span))
        decls.consts.set(item.name.name, { item, state: 'pending' });
      if (item.kind === 'Block' && claim(item.name.name, 'block', item.name.span))
        decls.blocks.set(item.name.name, item);
      if (file !== root) continue;
      if (item.kind === 'Model' && claim(item.name.name, 'model', item.name.span))
        decls.models.set(item.name.name, item);
      if (item.kind === 'Train') decls.train.push(item);
    }
  }
  return decls;
}
