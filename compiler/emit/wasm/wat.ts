// A small builder for WebAssembly text (folded S-expressions). Kernel generators compose these
// strings; binaryen parses, validates and optimises the result (./assemble.ts). Only numbers the
// compiler computed and names it chose ever enter the text: no user text reaches a kernel.

/** An i32 constant; addresses up to 4 GiB are written in their signed two's-complement form. */
export function i32(value: number): string {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 32)
    throw new Error(`internal error: i32 constant ${value} out of range`);
  return `(i32.const ${value | 0})`;
}

/** An f32 constant, exactly as the float32 nearest to `value`. */
export function f32(value: number): string {
  const rounded = Math.fround(value);
  if (Number.isNaN(rounded)) return '(f32.const nan)';
  if (!Number.isFinite(rounded)) return `(f32.const ${rounded > 0 ? 'inf' : '-inf'})`;
  return `(f32.const ${rounded})`;
}

/** An f64 constant. */
export function f64(value: number): string {
  return `(f64.const ${value})`;
}

export const get = (name: string): string => `(local.get $${name})`;
export const set = (name: string, value: string): string => `(local.set $${name} ${value})`;
export const add = (a: string, b: string): string => `(i32.add ${a} ${b})`;
export const sub = (a: string, b: string): string => `(i32.sub ${a} ${b})`;
export const mul = (a: string, b: string): string => `(i32.mul ${a} ${b})`;

/** `a + b` folded when both are constants, and without the add when `b` is zero. */
export function addConst(a: string, b: number): string {
  return b === 0 ? a : add(a, i32(b));
}

/** `a * b` for a constant `b`, without the multiply when `b` is one. */
export function mulConst(a: string, b: number): string {
  return b === 1 ? a : b === 0 ? i32(0) : mul(a, i32(b));
}

/** The smaller of two i32 values (signed). */
export function min(a: string, b: string): string {
  return `(select ${a} ${b} (i32.lt_s ${a} ${b}))`;
}

/** A label generator: every loop and block in a function gets a distinct label. */
export class Labels {
  private next = 0;
  fresh(stem: string): string {
    return `$${stem}${this.next++}`;
  }
}

/**
 * `for (v = start; v < end; v += step) body` with a signed compare; `end` is evaluated every
 * iteration (use a local or a constant).
 */
export function forLoop(
  labels: Labels,
  variable: string,
  start: string,
  end: string,
  body: string,
  step = 1,
): string {
  const exit = labels.fresh('exit');
  const loop = labels.fresh('loop');
  return `${set(variable, start)}
(block ${exit} (loop ${loop}
  (br_if ${exit} (i32.ge_s ${get(variable)} ${end}))
  ${body}
  ${set(variable, add(get(variable), i32(step)))}
  (br ${loop})))`;
}

/** `if (condition) then else otherwise`. */
export function ifThen(condition: string, then: string, otherwise?: string): string {
  return otherwise === undefined
    ? `(if ${condition} (then ${then}))`
    : `(if ${condition} (then ${then}) (else ${otherwise}))`;
}

/** A memory access with a constant byte offset folded into the instruction. */
export function load(type: string, address: string, offset = 0): string {
  return offset === 0 ? `(${type}.load ${address})` : `(${type}.load offset=${offset} ${address})`;
}

export function store(type: string, address: string, value: string, offset = 0): string {
  return offset === 0
    ? `(${type}.store ${address} ${value})`
    : `(${type}.store offset=${offset} ${address} ${value})`;
}

/** A function's local declarations from a name → type record. */
export function locals(types: Readonly<Record<string, string>>): string {
  return Object.entries(types)
    .map(([name, type]) => `(local $${name} ${type})`)
    .join(' ');
}

/**
 * `max(a, b)` of two f32 values with wasm's (and `Math.max`'s) NaN propagation, through
 * `f32x4.max`: V8 compiles scalar `f32.max` to a branchy sequence that is 4× slower here.
 */
export function maxF32(a: string, b: string): string {
  return `(f32x4.extract_lane 0 (f32x4.max (f32x4.splat ${a}) (f32x4.splat ${b})))`;
}
