// The grammar of `.cnn` files as a Chevrotain CST parser. It has no semantic actions: the CST it
// builds is turned into the typed AST by ./build-ast.ts. Error recovery is on, so one run reports
// every syntax error; ./messages.ts words them in the language's terms.
import type { CstNode } from 'chevrotain';
import { CstParser } from './chevrotain.js';
import { errorMessageProvider } from './messages.js';
import * as t from './tokens.js';

export class CnnParser extends CstParser {
  constructor() {
    super(t.allTokens as t.TokenTypeList, {
      recoveryEnabled: true,
      maxLookahead: 3,
      // Spans of CST nodes come from here, not from walking their tokens.
      nodeLocationTracking: 'onlyOffset',
      errorMessageProvider,
    });
    this.performSelfAnalysis();
  }

  file = this.RULE('file', () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.item) },
        { ALT: () => this.SUBRULE(this.statement) },
        { ALT: () => this.SUBRULE(this.junk) },
      ]);
      this.OPTION(() => this.CONSUME(t.Sep));
    });
  });

  /**
   * A line that cannot start a statement or an item (`= relu`, a stray `}`): consumed up to the
   * end of the line so that the next line parses normally. ./ast-from-cst.ts reports it.
   */
  junk = this.RULE('junk', () => {
    this.OR(t.junkStarts.map((type) => ({ ALT: () => this.CONSUME(type) })));
    this.MANY(() => this.OR2(t.junkContinues.map((type) => ({ ALT: () => this.CONSUME2(type) }))));
  });

  /** Like `junk`, but inside a body, where `}` closes the body. */
  bodyJunk = this.RULE('bodyJunk', () => {
    this.OR(
      t.junkStarts
        .filter((type) => type !== t.RBrace)
        .map((type) => ({ ALT: () => this.CONSUME(type) })),
    );
    this.MANY(() => this.OR2(t.junkContinues.map((type) => ({ ALT: () => this.CONSUME2(type) }))));
  });

  item = this.RULE('item', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.importItem) },
      { ALT: () => this.SUBRULE(this.constItem) },
      { ALT: () => this.SUBRULE(this.blockItem) },
      { ALT: () => this.SUBRULE(this.modelItem) },
      { ALT: () => this.SUBRULE(this.trainItem) },
    ]);
  });

  importItem = this.RULE('importItem', () => {
    this.CONSUME(t.ImportKeyword);
    this.CONSUME(t.StringLiteral);
  });

  constItem = this.RULE('constItem', () => {
    this.CONSUME(t.ConstKeyword);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.Equals);
    this.SUBRULE(this.expression);
  });

  blockItem = this.RULE('blockItem', () => {
    this.CONSUME(t.BlockKeyword);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.LParen);
    this.MANY_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.param) });
    this.CONSUME(t.RParen);
    this.SUBRULE(this.body);
  });

  param = this.RULE('param', () => {
    this.CONSUME(t.Identifier);
    this.OPTION(() => {
      this.CONSUME(t.Equals);
      this.SUBRULE(this.expression);
    });
  });

  modelItem = this.RULE('modelItem', () => {
    this.CONSUME(t.ModelKeyword);
    this.CONSUME(t.Identifier);
    this.SUBRULE(this.body);
  });

  trainItem = this.RULE('trainItem', () => {
    this.CONSUME(t.TrainKeyword);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.LBrace);
    this.MANY(() => {
      this.SUBRULE(this.trainEntry);
      this.OPTION(() => this.CONSUME(t.Sep));
    });
    this.CONSUME(t.RBrace);
  });

  trainEntry = this.RULE('trainEntry', () => {
    this.CONSUME(t.Identifier);
    this.CONSUME(t.Equals);
    this.SUBRULE(this.expression);
  });

  body = this.RULE('body', () => {
    this.CONSUME(t.LBrace);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.statement) },
        { ALT: () => this.SUBRULE(this.bodyJunk) },
      ]);
      this.OPTION(() => this.CONSUME(t.Sep));
    });
    this.CONSUME(t.RBrace);
  });

  statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.letStatement) },
      { ALT: () => this.SUBRULE(this.inputStatement) },
      { ALT: () => this.SUBRULE(this.outputStatement) },
      { ALT: () => this.SUBRULE(this.repeatStatement) },
      { ALT: () => this.SUBRULE(this.forStatement) },
      { ALT: () => this.SUBRULE(this.ifStatement) },
      { ALT: () => this.SUBRULE(this.residualStatement) },
      { ALT: () => this.SUBRULE(this.denseStatement) },
      { ALT: () => this.SUBRULE(this.branchesStatement) },
      { ALT: () => this.SUBRULE(this.pipe) },
    ]);
    this.OPTION(() => this.SUBRULE(this.shapeAssertion));
  });

  shapeAssertion = this.RULE('shapeAssertion', () => {
    this.CONSUME(t.Colon);
    this.SUBRULE(this.listLiteral);
  });

  letStatement = this.RULE('letStatement', () => {
    this.CONSUME(t.LetKeyword);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.Equals);
    this.SUBRULE(this.pipe);
  });

  inputStatement = this.RULE('inputStatement', () => {
    this.CONSUME(t.InputKeyword);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.Colon);
    this.SUBRULE(this.listLiteral);
  });

  outputStatement = this.RULE('outputStatement', () => {
    this.CONSUME(t.OutputKeyword);
    this.CONSUME(t.Identifier);
    this.OPTION(() => {
      this.CONSUME(t.Equals);
      this.SUBRULE(this.pipe);
    });
  });

  repeatStatement = this.RULE('repeatStatement', () => {
    this.CONSUME(t.RepeatKeyword);
    this.SUBRULE(this.expression);
    this.SUBRULE(this.body);
  });

  forStatement = this.RULE('forStatement', () => {
    this.CONSUME(t.ForKeyword);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.InKeyword);
    this.SUBRULE(this.expression);
    this.CONSUME(t.DotDot);
    this.SUBRULE2(this.expression);
    this.SUBRULE(this.body);
  });

  ifStatement = this.RULE('ifStatement', () => {
    this.CONSUME(t.IfKeyword);
    this.SUBRULE(this.expression);
    this.SUBRULE(this.body);
    this.OPTION(() => {
      this.CONSUME(t.ElseKeyword);
      this.OR([
        { ALT: () => this.SUBRULE(this.ifStatement) },
        { ALT: () => this.SUBRULE2(this.body) },
      ]);
    });
  });

  residualStatement = this.RULE('residualStatement', () => {
    this.CONSUME(t.ResidualKeyword);
    this.SUBRULE(this.body);
    this.OPTION(() => {
      this.CONSUME(t.ShortcutKeyword);
      this.OPTION2(() => {
        this.CONSUME(t.IfKeyword);
        this.SUBRULE(this.expression);
      });
      this.SUBRULE2(this.body);
    });
  });

  denseStatement = this.RULE('denseStatement', () => {
    this.CONSUME(t.DenseKeyword);
    this.SUBRULE(this.body);
  });

  branchesStatement = this.RULE('branchesStatement', () => {
    this.CONSUME(t.ConcatKeyword);
    this.CONSUME(t.LBrace);
    this.MANY(() => {
      this.SUBRULE(this.branch);
      this.OPTION(() => this.CONSUME(t.Sep));
    });
    this.CONSUME(t.RBrace);
  });

  branch = this.RULE('branch', () => {
    this.CONSUME(t.BranchKeyword);
    this.SUBRULE(this.body);
  });

  pipe = this.RULE('pipe', () => {
    this.AT_LEAST_ONE_SEP({ SEP: t.Arrow, DEF: () => this.SUBRULE(this.pipeElement) });
  });

  pipeElement = this.RULE('pipeElement', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.InKeyword) },
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(t.Identifier) },
            { ALT: () => this.CONSUME(t.ConcatKeyword) },
          ]);
          this.OPTION(() => this.SUBRULE(this.argumentList));
        },
      },
    ]);
  });

  argumentList = this.RULE('argumentList', () => {
    this.CONSUME(t.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.argument);
      this.MANY(() => {
        this.CONSUME(t.Comma);
        this.OPTION2(() => this.SUBRULE2(this.argument));
      });
    });
    this.CONSUME(t.RParen);
  });

  argument = this.RULE('argument', () => {
    this.OPTION(() => {
      this.CONSUME(t.Identifier);
      this.CONSUME(t.Equals);
    });
    this.SUBRULE(this.expression);
  });

  expression = this.RULE('expression', () => {
    this.SUBRULE(this.andExpression);
    this.MANY(() => {
      this.CONSUME(t.OrKeyword);
      this.SUBRULE2(this.andExpression);
    });
  });

  andExpression = this.RULE('andExpression', () => {
    this.SUBRULE(this.notExpression);
    this.MANY(() => {
      this.CONSUME(t.AndKeyword);
      this.SUBRULE2(this.notExpression);
    });
  });

  notExpression = this.RULE('notExpression', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.NotKeyword);
          this.SUBRULE(this.notExpression);
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  comparison = this.RULE('comparison', () => {
    this.SUBRULE(this.additive);
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(t.EqEq) },
        { ALT: () => this.CONSUME(t.NotEq) },
        { ALT: () => this.CONSUME(t.LtEq) },
        { ALT: () => this.CONSUME(t.GtEq) },
        { ALT: () => this.CONSUME(t.Lt) },
        { ALT: () => this.CONSUME(t.Gt) },
      ]);
      this.SUBRULE2(this.additive);
    });
  });

  additive = this.RULE('additive', () => {
    this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(t.Plus) }, { ALT: () => this.CONSUME(t.Minus) }]);
      this.SUBRULE2(this.multiplicative);
    });
  });

  multiplicative = this.RULE('multiplicative', () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(t.Star) },
        { ALT: () => this.CONSUME(t.Slash) },
        { ALT: () => this.CONSUME(t.Percent) },
      ]);
      this.SUBRULE2(this.unary);
    });
  });

  unary = this.RULE('unary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Minus);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.NumberLiteral) },
      { ALT: () => this.CONSUME(t.StringLiteral) },
      { ALT: () => this.CONSUME(t.TrueKeyword) },
      { ALT: () => this.CONSUME(t.FalseKeyword) },
      { ALT: () => this.SUBRULE(this.inReference) },
      {
        ALT: () => {
          this.CONSUME(t.Identifier);
          this.OPTION(() => this.SUBRULE(this.argumentList));
        },
      },
      { ALT: () => this.SUBRULE(this.tupleLiteral) },
      { ALT: () => this.SUBRULE(this.listLiteral) },
    ]);
  });

  inReference = this.RULE('inReference', () => {
    this.CONSUME(t.InKeyword);
    this.OPTION(() => {
      this.CONSUME(t.Dot);
      this.CONSUME2(t.Identifier);
    });
  });

  tupleLiteral = this.RULE('tupleLiteral', () => {
    this.CONSUME(t.LParen);
    this.SUBRULE(this.expression);
    this.MANY(() => {
      this.CONSUME(t.Comma);
      this.OPTION(() => this.SUBRULE2(this.expression));
    });
    this.CONSUME(t.RParen);
  });

  listLiteral = this.RULE('listLiteral', () => {
    this.CONSUME(t.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY(() => {
        this.CONSUME(t.Comma);
        this.OPTION2(() => this.SUBRULE2(this.expression));
      });
    });
    this.CONSUME(t.RBracket);
  });
}

/** The one parser instance (Chevrotain parsers are reusable: set `input`, call a rule). */
export const parser = new CnnParser();

export type { CstNode };
