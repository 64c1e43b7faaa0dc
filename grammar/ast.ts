// The typed AST of a `.cnn` file. Every node keeps its source span. Built from the CST by
// ./build-ast.ts; consumed by the compiler's expansion, the formatter and the language server.
import type { Span } from './span.js';

export interface Identifier {
  name: string;
  span: Span;
}

export interface FileAst {
  kind: 'File';
  file: string;
  items: Item[];
  /** Comments in source order, for the formatter and doc comments. */
  comments: Comment[];
  span: Span;
}

export interface Comment {
  text: string;
  span: Span;
  block: boolean;
}

export type Item = ImportItem | ConstItem | BlockItem | ModelItem | TrainItem | StrayStatement;

export interface ImportItem {
  kind: 'Import';
  path: string;
  pathSpan: Span;
  span: Span;
}

export interface ConstItem {
  kind: 'Const';
  name: Identifier;
  value: Expr;
  span: Span;
}

export interface Param {
  name: Identifier;
  default?: Expr;
  span: Span;
}

export interface BlockItem {
  kind: 'Block';
  name: Identifier;
  params: Param[];
  paramsSpan: Span;
  body: Body;
  span: Span;
}

export interface ModelItem {
  kind: 'Model';
  name: Identifier;
  body: Body;
  span: Span;
}

export interface TrainEntry {
  key: Identifier;
  value: Expr;
  span: Span;
}

export interface TrainItem {
  kind: 'Train';
  model: Identifier;
  entries: TrainEntry[];
  span: Span;
}

/** A statement written at the top level, outside any model or block (an error). */
export interface StrayStatement {
  kind: 'Stray';
  statement: Statement;
  span: Span;
}

export interface Body {
  statements: Statement[];
  span: Span;
}

export type Statement =
  | LetStatement
  | InputStatement
  | OutputStatement
  | RepeatStatement
  | ForStatement
  | IfStatement
  | ResidualStatement
  | DenseStatement
  | BranchesStatement
  | PipeStatement;

interface StatementBase {
  span: Span;
  /** `: [d1, d2, …]` after the statement. */
  assertion?: ShapeAssertion;
}

export interface ShapeAssertion {
  dims: Expr[];
  span: Span;
}

export interface LetStatement extends StatementBase {
  kind: 'Let';
  name: Identifier;
  pipe: Pipe;
}

export interface InputStatement extends StatementBase {
  kind: 'Input';
  name: Identifier;
  dims: Expr[];
  dimsSpan: Span;
}

export interface OutputStatement extends StatementBase {
  kind: 'Output';
  name: Identifier;
  pipe?: Pipe;
}

export interface RepeatStatement extends StatementBase {
  kind: 'Repeat';
  count: Expr;
  body: Body;
}

export interface ForStatement extends StatementBase {
  kind: 'For';
  variable: Identifier;
  from: Expr;
  to: Expr;
  body: Body;
}

export interface IfStatement extends StatementBase {
  kind: 'If';
  condition: Expr;
  then: Body;
  else?: Body | IfStatement;
}

export interface Shortcut {
  condition?: Expr;
  body: Body;
  span: Span;
  keywordSpan: Span;
}

export interface ResidualStatement extends StatementBase {
  kind: 'Residual';
  keywordSpan: Span;
  body: Body;
  shortcut?: Shortcut;
}

export interface DenseStatement extends StatementBase {
  kind: 'Dense';
  keywordSpan: Span;
  body: Body;
}

export interface Branch {
  body: Body;
  span: Span;
  keywordSpan: Span;
}

export interface BranchesStatement extends StatementBase {
  kind: 'Branches';
  keywordSpan: Span;
  branches: Branch[];
}

export interface PipeStatement extends StatementBase {
  kind: 'Pipe';
  pipe: Pipe;
}

export interface Pipe {
  elements: PipeElement[];
  span: Span;
}

/** One step of a pipe: `conv(8, 3)`, `relu`, a bound name such as `e1`, or `in`. */
export type PipeElement = CallElement | InElement;

export interface CallElement {
  kind: 'Call';
  callee: Identifier;
  /** Absent when written without parentheses (`relu`, `e1`). */
  args?: ArgumentList;
  span: Span;
}

export interface InElement {
  kind: 'In';
  span: Span;
}

export interface ArgumentList {
  args: Argument[];
  span: Span;
}

export interface Argument {
  name?: Identifier;
  value: Expr;
  span: Span;
}

export type Expr =
  | NumberExpr
  | StringExpr
  | BoolExpr
  | NameExpr
  | InPropertyExpr
  | InValueExpr
  | CallExpr
  | UnaryExpr
  | BinaryExpr
  | TupleExpr
  | ListExpr
  | ParenExpr;

export interface NumberExpr {
  kind: 'Number';
  value: number;
  /** Written without a fraction or exponent. */
  isInteger: boolean;
  raw: string;
  span: Span;
}

export interface StringExpr {
  kind: 'String';
  value: string;
  raw: string;
  span: Span;
}

export interface BoolExpr {
  kind: 'Bool';
  value: boolean;
  span: Span;
}

export interface NameExpr {
  kind: 'Name';
  name: string;
  span: Span;
}

/** `in.channels` and friends. */
export interface InPropertyExpr {
  kind: 'InProperty';
  property: Identifier;
  span: Span;
}

/** `in` used as a value, as in `add(in, y)`. */
export interface InValueExpr {
  kind: 'InValue';
  span: Span;
}

export interface CallExpr {
  kind: 'Call';
  callee: Identifier;
  args: ArgumentList;
  span: Span;
}

export type UnaryOperator = '-' | 'not';
export type BinaryOperator =
  '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

export interface UnaryExpr {
  kind: 'Unary';
  operator: UnaryOperator;
  operand: Expr;
  span: Span;
}

export interface BinaryExpr {
  kind: 'Binary';
  operator: BinaryOperator;
  left: Expr;
  right: Expr;
  span: Span;
}

export interface TupleExpr {
  kind: 'Tuple';
  items: Expr[];
  span: Span;
}

export interface ListExpr {
  kind: 'List';
  items: Expr[];
  span: Span;
}

/** `(expr)`: kept so the formatter can reproduce the user's grouping. */
export interface ParenExpr {
  kind: 'Paren';
  inner: Expr;
  span: Span;
}
