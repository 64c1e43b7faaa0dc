// One function per grammar rule, from CST node to AST node (see ./build-ast.ts for helpers).
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import { joinSpans } from './span.js';
import { AstBuilder, child, collectTokens, nodes, token, tokens } from './build-ast.js';
import { describeToken } from './messages.js';
import { buildExpr, buildList, buildArgumentList } from './expr-from-cst.js';

export function buildFile(b: AstBuilder, cst: CstNode, items: A.Item[]): void {
  for (const itemNode of nodes(cst, 'item')) {
    const item = buildItem(b, itemNode);
    if (item) items.push(item);
  }
  for (const statementNode of nodes(cst, 'statement')) {
    const statement = buildStatement(b, statementNode);
    if (statement) items.push({ kind: 'Stray', statement, span: statement.span });
  }
  for (const junk of nodes(cst, 'junk')) reportJunk(b, junk, 'expected-item');
}

function reportJunk(
  b: AstBuilder,
  node: CstNode,
  kind: 'expected-item' | 'expected-statement',
): void {
  const first = collectTokens(node)[0];
  if (!first) return;
  const found = describeToken(first);
  const message =
    kind === 'expected-item'
      ? `expected \`model\`, \`block\`, \`const\`, \`train\` or \`import\`, found ${found}`
      : `expected a layer, a block call, \`let\`, \`input\`, \`output\` or another statement, found ${found}`;
  b.problems.push({ kind, message, span: b.tokenSpan(first) });
}

function buildItem(b: AstBuilder, node: CstNode): A.Item | undefined {
  const [kind, inner] = Object.entries(node.children)[0] ?? [];
  const itemNode = (inner as CstNode[] | undefined)?.[0];
  if (!itemNode) return undefined;
  const span = b.nodeSpan(itemNode);
  switch (kind) {
    case 'importItem': {
      const path = token(itemNode, 'StringLiteral');
      if (!path) return undefined;
      return { kind: 'Import', path: unquote(path.image), pathSpan: b.tokenSpan(path), span };
    }
    case 'constItem': {
      const name = b.ident(token(itemNode, 'Identifier'));
      const value = buildExpr(b, child(itemNode, 'expression'));
      return name && value ? { kind: 'Const', name, value, span } : undefined;
    }
    case 'blockItem':
      return buildBlock(b, itemNode, span);
    case 'modelItem': {
      const name = b.ident(token(itemNode, 'Identifier'));
      const body = buildBody(b, child(itemNode, 'body'));
      return name && body ? { kind: 'Model', name, body, span } : undefined;
    }
    case 'trainItem':
      return buildTrain(b, itemNode, span);
  }
  return undefined;
}

function buildBlock(b: AstBuilder, node: CstNode, span: A.BlockItem['span']): A.Item | undefined {
  const name = b.ident(token(node, 'Identifier'));
  const body = buildBody(b, child(node, 'body'));
  const open = token(node, 'LParen');
  const close = token(node, 'RParen') ?? open;
  if (!name || !body || !open || !close) return undefined;
  const params: A.Param[] = [];
  for (const paramNode of nodes(node, 'param')) {
    const paramName = b.ident(token(paramNode, 'Identifier'));
    if (!paramName) continue;
    const defaultNode = child(paramNode, 'expression');
    const param: A.Param = { name: paramName, span: b.nodeSpan(paramNode) };
    if (defaultNode) param.default = buildExpr(b, defaultNode);
    params.push(param);
  }
  const paramsSpan = joinSpans(b.tokenSpan(open), b.tokenSpan(close));
  return { kind: 'Block', name, params, paramsSpan, body, span };
}

function buildTrain(b: AstBuilder, node: CstNode, span: A.TrainItem['span']): A.Item | undefined {
  const model = b.ident(token(node, 'Identifier'));
  if (!model) return undefined;
  const entries: A.TrainEntry[] = [];
  for (const entryNode of nodes(node, 'trainEntry')) {
    const key = b.ident(token(entryNode, 'Identifier'));
    const value = buildExpr(b, child(entryNode, 'expression'));
    if (key && value) entries.push({ key, value, span: b.nodeSpan(entryNode) });
  }
  checkSeparators(b, entries, tokens(node, 'Sep'));
  return { kind: 'Train', model, entries, span };
}

export function buildBody(b: AstBuilder, node: CstNode | undefined): A.Body | undefined {
  if (!node) return undefined;
  const statements: A.Statement[] = [];
  for (const statementNode of nodes(node, 'statement')) {
    const statement = buildStatement(b, statementNode);
    if (statement) statements.push(statement);
  }
  checkSeparators(b, statements, tokens(node, 'Sep'));
  for (const junk of nodes(node, 'bodyJunk')) reportJunk(b, junk, 'expected-statement');
  return { statements, span: b.nodeSpan(node) };
}

function buildStatement(b: AstBuilder, node: CstNode): A.Statement | undefined {
  const entries = Object.entries(node.children).filter(([key]) => key !== 'shapeAssertion');
  const [kind, inner] = entries[0] ?? [];
  const innerNode = (inner as CstNode[] | undefined)?.[0];
  if (!kind || !innerNode) return undefined;
  const statement = buildStatementKind(b, kind, innerNode);
  if (!statement) return undefined;
  const assertionNode = child(node, 'shapeAssertion');
  if (assertionNode) {
    const list = child(assertionNode, 'listLiteral');
    const dims = list ? buildList(b, list) : undefined;
    if (dims) {
      statement.assertion = { dims: dims.items, span: b.nodeSpan(assertionNode) };
      statement.span = joinSpans(statement.span, statement.assertion.span);
    }
  }
  return statement;
}

function buildStatementKind(b: AstBuilder, kind: string, node: CstNode): A.Statement | undefined {
  const span = b.nodeSpan(node);
  switch (kind) {
    case 'letStatement': {
      const name = b.ident(token(node, 'Identifier'));
      const pipe = buildPipe(b, child(node, 'pipe'));
      return name && pipe ? { kind: 'Let', name, pipe, span } : undefined;
    }
    case 'inputStatement': {
      const name = b.ident(token(node, 'Identifier'));
      const listNode = child(node, 'listLiteral');
      const list = listNode ? buildList(b, listNode) : undefined;
      if (!name || !list) return undefined;
      return { kind: 'Input', name, dims: list.items, dimsSpan: list.span, span };
    }
    case 'outputStatement': {
      const name = b.ident(token(node, 'Identifier'));
      if (!name) return undefined;
      const output: A.OutputStatement = { kind: 'Output', name, span };
      const pipeNode = child(node, 'pipe');
      if (pipeNode) output.pipe = buildPipe(b, pipeNode);
      return output;
    }
    case 'repeatStatement': {
      const count = buildExpr(b, child(node, 'expression'));
      const body = buildBody(b, child(node, 'body'));
      return count && body ? { kind: 'Repeat', count, body, span } : undefined;
    }
    case 'forStatement':
      return buildFor(b, node, span);
    case 'ifStatement':
      return buildIf(b, node);
    default:
      return buildCompound(b, kind, node, span);
  }
}

function buildFor(
  b: AstBuilder,
  node: CstNode,
  span: A.Statement['span'],
): A.Statement | undefined {
  const variable = b.ident(token(node, 'Identifier'));
  const from = buildExpr(b, child(node, 'expression', 0));
  const to = buildExpr(b, child(node, 'expression', 1));
  const body = buildBody(b, child(node, 'body'));
  if (!variable || !from || !to || !body) return undefined;
  return { kind: 'For', variable, from, to, body, span };
}

function buildIf(b: AstBuilder, node: CstNode): A.IfStatement | undefined {
  const condition = buildExpr(b, child(node, 'expression'));
  const then = buildBody(b, child(node, 'body', 0));
  if (!condition || !then) return undefined;
  const statement: A.IfStatement = { kind: 'If', condition, then, span: b.nodeSpan(node) };
  const elseIf = child(node, 'ifStatement');
  const elseBody = child(node, 'body', 1);
  if (elseIf) statement.else = buildIf(b, elseIf);
  else if (elseBody) statement.else = buildBody(b, elseBody);
  return statement;
}

function keywordSpan(b: AstBuilder, node: CstNode, name: string): A.Identifier['span'] {
  const keyword = token(node, name);
  return keyword ? b.tokenSpan(keyword) : b.nodeSpan(node);
}

function buildCompound(
  b: AstBuilder,
  kind: string,
  node: CstNode,
  span: A.Statement['span'],
): A.Statement | undefined {
  switch (kind) {
    case 'residualStatement':
      return buildResidual(b, node, span);
    case 'denseStatement': {
      const body = buildBody(b, child(node, 'body'));
      if (!body) return undefined;
      return { kind: 'Dense', keywordSpan: keywordSpan(b, node, 'DenseKeyword'), body, span };
    }
    case 'branchesStatement': {
      const branches: A.Branch[] = [];
      for (const branchNode of nodes(node, 'branch')) {
        const body = buildBody(b, child(branchNode, 'body'));
        const keyword = keywordSpan(b, branchNode, 'BranchKeyword');
        if (body) branches.push({ body, span: b.nodeSpan(branchNode), keywordSpan: keyword });
      }
      const keyword = keywordSpan(b, node, 'ConcatKeyword');
      return { kind: 'Branches', keywordSpan: keyword, branches, span };
    }
    case 'pipe': {
      const pipe = buildPipe(b, node);
      return pipe ? { kind: 'Pipe', pipe, span } : undefined;
    }
  }
  return undefined;
}

function buildResidual(
  b: AstBuilder,
  node: CstNode,
  span: A.Statement['span'],
): A.Statement | undefined {
  const body = buildBody(b, child(node, 'body', 0));
  if (!body) return undefined;
  const statement: A.ResidualStatement = {
    kind: 'Residual',
    keywordSpan: keywordSpan(b, node, 'ResidualKeyword'),
    body,
    span,
  };
  const shortcutKeyword = token(node, 'ShortcutKeyword');
  const shortcutBody = buildBody(b, child(node, 'body', 1));
  if (shortcutKeyword && shortcutBody) {
    const shortcut: A.Shortcut = {
      body: shortcutBody,
      span: joinSpans(b.tokenSpan(shortcutKeyword), shortcutBody.span),
      keywordSpan: b.tokenSpan(shortcutKeyword),
    };
    const condition = child(node, 'expression');
    if (condition) shortcut.condition = buildExpr(b, condition);
    statement.shortcut = shortcut;
  }
  return statement;
}

export function buildPipe(b: AstBuilder, node: CstNode | undefined): A.Pipe | undefined {
  if (!node) return undefined;
  const elements: A.PipeElement[] = [];
  for (const elementNode of nodes(node, 'pipeElement')) {
    const inToken = token(elementNode, 'InKeyword');
    if (inToken) {
      elements.push({ kind: 'In', span: b.tokenSpan(inToken) });
      continue;
    }
    const callee = b.ident(token(elementNode, 'Identifier') ?? token(elementNode, 'ConcatKeyword'));
    if (!callee) continue;
    const call: A.CallElement = { kind: 'Call', callee, span: b.nodeSpan(elementNode) };
    const argsNode = child(elementNode, 'argumentList');
    if (argsNode) call.args = buildArgumentList(b, argsNode);
    elements.push(call);
  }
  if (elements.length === 0) return undefined;
  return { elements, span: b.nodeSpan(node) };
}

/** Reports two statements on one line with no `;` between them (`conv(6, 5) relu`). */
function checkSeparators(b: AstBuilder, list: { span: A.Body['span'] }[], seps: IToken[]): void {
  // Statements and separators are both in source order: one pass (this was quadratic, and a
  // 1 MB file of `relu` lines took over a minute).
  const offsets = seps.map((sep) => sep.startOffset).sort((x, y) => x - y);
  let next = 0;
  for (let idx = 1; idx < list.length; idx++) {
    const previousEnd = list[idx - 1].span.end;
    const start = list[idx].span.start;
    while (next < offsets.length && offsets[next] < previousEnd) next++;
    if (next < offsets.length && offsets[next] <= start) continue;
    b.problems.push({
      kind: 'missing-separator',
      message: 'expected end of line or `;` between two statements',
      span: { ...list[idx].span, end: Math.min(list[idx].span.end, start + 1) },
    });
  }
}

function unquote(raw: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw.slice(1, -1);
  }
}

export { tokens, type IToken };
