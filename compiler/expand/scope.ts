// Lexical scopes of the expansion: compile-time names (block parameters, loop variables) and
// value names (`let`, `input`). Constants live in the program-wide declarations instead.
import type { Span } from '../diagnostics/diagnostic.js';
import type { NodeId } from '../ir/graph.js';
import type { Value } from '../ir/value.js';

/** A named value of the graph: an `input` or a `let`. `node` is absent if its producer broke. */
export interface ValueBinding {
  kind: 'let' | 'input';
  node: NodeId | undefined;
  span: Span;
  used: boolean;
}

export class Scope {
  readonly constants = new Map<string, Value>();
  readonly values = new Map<string, ValueBinding>();

  /** `isolated` scopes (block bodies) do not see the caller's values. */
  constructor(
    readonly parent?: Scope,
    readonly isolated = false,
  ) {}

  lookupConstant(name: string): Value | undefined {
    return this.constants.get(name) ?? this.parent?.lookupConstant(name);
  }

  lookupValue(name: string): ValueBinding | undefined {
    const own = this.values.get(name);
    if (own || this.isolated) return own;
    return this.parent?.lookupValue(name);
  }

  /** Every name visible here, for did-you-mean suggestions. */
  visibleNames(): string[] {
    const names = [...this.constants.keys(), ...this.values.keys()];
    let parent = this.parent;
    let isolated = this.isolated;
    while (parent) {
      for (const name of parent.constants.keys()) names.push(name);
      if (!isolated) for (const name of parent.values.keys()) names.push(name);
      isolated = isolated || parent.isolated;
      parent = parent.parent;
    }
    return names;
  }

  /** The outermost scope (constants are evaluated there, seeing no parameters). */
  root(): Scope {
    return this.parent ? this.parent.root() : this;
  }
}
