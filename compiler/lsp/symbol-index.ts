// Resolves every name in one file's AST to what it names: a layer, a block, a constant, a `let`
// or `input` binding, a block parameter or a loop variable. The resulting list of occurrences
// drives go-to-definition, references, rename, hovers and semantic tokens, so they agree.
import type {
  ArgumentList,
  Body,
  Expr,
  FileAst,
  Identifier,
  Pipe,
  Statement,
} from '../../grammar/ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import { lookupLayer } from '../layers/registry.js';

export type SymbolKind = 'block' | 'const' | 'let' | 'input' | 'param' | 'loop' | 'model';

/** A declared name. `id` is unique across files: the file and the offset of the name. */
export interface SymbolDef {
  id: string;
  kind: SymbolKind;
  name: string;
  nameSpan: Span;
  /** The whole declaration (the block, the `let` statement, …). */
  span: Span;
}

export type OccurrenceKind =
  SymbolKind | 'layer' | 'argument' | 'output' | 'number' | 'symbol' | 'config';

/** One name (or number) in the source and what it refers to. */
export interface Occurrence {
  span: Span;
  name: string;
  kind: OccurrenceKind;
  /** The declaration this names, when it names one. */
  def?: SymbolDef;
  isDefinition: boolean;
  /** For `argument`: the layer or block being called. */
  callee?: string;
}

/** Every occurrence in one file, in source order. */
export interface FileIndex {
  file: string;
  occurrences: Occurrence[];
}

type Scope = ReadonlyMap<string, SymbolDef>;

/** The definition of an identifier of `kind`, spanning `span`. */
export function defineSymbol(kind: SymbolKind, name: Identifier, span: Span): SymbolDef {
  return {
    id: `${name.span.file}#${name.span.start}`,
    kind,
    name: name.name,
    nameSpan: name.span,
    span,
  };
}

/** Blocks, constants and models declared at the top of `files`; the first declaration wins. */
export function globalSymbols(files: readonly FileAst[]): Map<string, SymbolDef> {
  const globals = new Map<string, SymbolDef>();
  for (const file of files)
    for (const item of file.items) {
      const kind = item.kind === 'Const' ? 'const' : item.kind === 'Block' ? 'block' : undefined;
      const model = item.kind === 'Model' && file === files[files.length - 1];
      if ((kind || model) && 'name' in item && !globals.has(item.name.name))
        globals.set(item.name.name, defineSymbol(kind ?? 'model', item.name, item.span));
    }
  return globals;
}

/** Indexes `ast`; `globals` holds the blocks and constants it can see (its own and imported). */
export function indexFile(ast: FileAst, globals: Scope): FileIndex {
  const occurrences: Occurrence[] = [];
  const add = (occurrence: Occurrence): void => void occurrences.push(occurrence);
  const walker = new Walker(add, globals);
  for (const item of ast.items) {
    switch (item.kind) {
      case 'Const':
        walker.definition(globals.get(item.name.name), item.name, 'const');
        walker.expr(item.value, new Map());
        break;
      case 'Block': {
        walker.definition(globals.get(item.name.name), item.name, 'block');
        const scope = new Map<string, SymbolDef>();
        for (const param of item.params) {
          if (param.default) walker.expr(param.default, new Map());
          const def = defineSymbol('param', param.name, param.span);
          scope.set(param.name.name, def);
          walker.definition(def, param.name, 'param');
        }
        walker.body(item.body, bindingsOf(item.body, scope));
        break;
      }
      case 'Model':
        walker.definition(globals.get(item.name.name), item.name, 'model');
        walker.body(item.body, bindingsOf(item.body, new Map()));
        break;
      case 'Train':
        walker.reference(item.model, 'model');
        for (const entry of item.entries) walker.expr(entry.value, new Map());
        break;
      case 'Stray':
        walker.statement(item.statement, new Map());
        break;
      case 'Import':
        break;
    }
  }
  occurrences.sort((a, b) => a.span.start - b.span.start);
  return { file: ast.file, occurrences };
}

/** The `let` and `input` bindings anywhere in `body`, added to `outer` (first binding wins). */
function bindingsOf(body: Body, outer: Scope): Map<string, SymbolDef> {
  const scope = new Map(outer);
  const visit = (statements: readonly Statement[]): void => {
    for (const statement of statements) {
      if (
        (statement.kind === 'Let' || statement.kind === 'Input') &&
        !scope.has(statement.name.name)
      )
        scope.set(
          statement.name.name,
          defineSymbol(statement.kind === 'Let' ? 'let' : 'input', statement.name, statement.span),
        );
      for (const nested of nestedBodies(statement)) visit(nested.statements);
    }
  };
  visit(body.statements);
  return scope;
}

function nestedBodies(statement: Statement): Body[] {
  switch (statement.kind) {
    case 'Repeat':
    case 'For':
    case 'Dense':
      return [statement.body];
    case 'If':
      return [statement.then, ...(statement.else ? elseBodies(statement.else) : [])];
    case 'Residual':
      return statement.shortcut ? [statement.body, statement.shortcut.body] : [statement.body];
    case 'Branches':
      return statement.branches.map((branch) => branch.body);
    default:
      return [];
  }
}

function elseBodies(otherwise: Body | Statement): Body[] {
  return 'kind' in otherwise ? nestedBodies(otherwise) : [otherwise];
}

/** Records occurrences while walking bodies and expressions. */
class Walker {
  constructor(
    private readonly add: (occurrence: Occurrence) => void,
    private readonly globals: Scope,
  ) {}

  definition(def: SymbolDef | undefined, name: Identifier, kind: SymbolKind): void {
    const owned = def && def.nameSpan.start === name.span.start ? def : undefined;
    this.add({ span: name.span, name: name.name, kind, def: owned, isDefinition: true });
  }

  reference(name: Identifier, kind: OccurrenceKind, def?: SymbolDef): void {
    this.add({
      span: name.span,
      name: name.name,
      kind,
      def: def ?? this.globals.get(name.name),
      isDefinition: false,
    });
  }

  body(body: Body, scope: Scope): void {
    for (const statement of body.statements) this.statement(statement, scope);
  }

  statement(statement: Statement, scope: Scope): void {
    for (const dim of statement.assertion?.dims ?? []) this.expr(dim, scope);
    switch (statement.kind) {
      case 'Let':
      case 'Input': {
        const def = scope.get(statement.name.name);
        const own = def?.nameSpan.start === statement.name.span.start ? def : undefined;
        this.add({
          span: statement.name.span,
          name: statement.name.name,
          kind: statement.kind === 'Let' ? 'let' : 'input',
          def: own,
          isDefinition: true,
        });
        if (statement.kind === 'Let') this.pipe(statement.pipe, scope);
        else for (const dim of statement.dims) this.expr(dim, scope);
        return;
      }
      case 'Output':
        this.add({
          span: statement.name.span,
          name: statement.name.name,
          kind: 'output',
          isDefinition: true,
        });
        if (statement.pipe) this.pipe(statement.pipe, scope);
        return;
      case 'Repeat':
        this.expr(statement.count, scope);
        return this.body(statement.body, scope);
      case 'For': {
        this.expr(statement.from, scope);
        this.expr(statement.to, scope);
        const def = defineSymbol('loop', statement.variable, statement.span);
        this.definition(def, statement.variable, 'loop');
        return this.body(statement.body, new Map(scope).set(def.name, def));
      }
      case 'If':
        this.expr(statement.condition, scope);
        this.body(statement.then, scope);
        if (statement.else && 'kind' in statement.else) this.statement(statement.else, scope);
        else if (statement.else) this.body(statement.else, scope);
        return;
      case 'Residual':
        this.body(statement.body, scope);
        if (statement.shortcut?.condition) this.expr(statement.shortcut.condition, scope);
        if (statement.shortcut) this.body(statement.shortcut.body, scope);
        return;
      case 'Dense':
        return this.body(statement.body, scope);
      case 'Branches':
        for (const branch of statement.branches) this.body(branch.body, scope);
        return;
      case 'Pipe':
        return this.pipe(statement.pipe, scope);
    }
  }

  pipe(pipe: Pipe, scope: Scope): void {
    for (const element of pipe.elements) {
      if (element.kind !== 'Call') continue;
      const name = element.callee.name;
      const local = element.args ? undefined : scope.get(name);
      const global = this.globals.get(name);
      if (local) this.reference(element.callee, local.kind, local);
      else if (global?.kind === 'block') this.reference(element.callee, 'block', global);
      else if (lookupLayer(name)) this.reference(element.callee, 'layer', undefined);
      else this.add({ span: element.callee.span, name, kind: 'symbol', isDefinition: false });
      if (element.args) this.args(element.args, name, scope);
    }
  }

  args(list: ArgumentList, callee: string, scope: Scope): void {
    for (const arg of list.args) {
      if (arg.name)
        this.add({
          span: arg.name.span,
          name: arg.name.name,
          kind: 'argument',
          isDefinition: false,
          callee,
        });
      this.expr(arg.value, scope);
    }
  }

  expr(expr: Expr, scope: Scope): void {
    switch (expr.kind) {
      case 'Number':
        this.add({ span: expr.span, name: expr.raw, kind: 'number', isDefinition: false });
        return;
      case 'Name': {
        const def = scope.get(expr.name) ?? this.globals.get(expr.name);
        const usable = def && def.kind !== 'block' && def.kind !== 'model' ? def : undefined;
        this.add({
          span: expr.span,
          name: expr.name,
          kind: usable?.kind ?? 'symbol',
          def: usable,
          isDefinition: false,
        });
        return;
      }
      case 'Call':
        this.add({
          span: expr.callee.span,
          name: expr.callee.name,
          kind: 'config',
          isDefinition: false,
        });
        return this.args(expr.args, expr.callee.name, scope);
      case 'Unary':
        return this.expr(expr.operand, scope);
      case 'Binary':
        this.expr(expr.left, scope);
        return this.expr(expr.right, scope);
      case 'Tuple':
      case 'List':
        for (const item of expr.items) this.expr(item, scope);
        return;
      case 'Paren':
        return this.expr(expr.inner, scope);
      default:
        return;
    }
  }
}

/** The occurrence whose span contains `offset` (touching its end counts), if any. */
export function occurrenceAt(index: FileIndex, offset: number): Occurrence | undefined {
  return index.occurrences.find((o) => o.span.start <= offset && offset <= o.span.end);
}
