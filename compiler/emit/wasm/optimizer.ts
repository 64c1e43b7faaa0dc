// The optimizer step of the wasm target's training module: WebAssembly functions that update the
// parameters in place from the gradients the backward wrote, with the optimizer's slots in the
// same memory, then repack the weights the kernels read. Each element is computed exactly as
// runtime/optim computes it (float64 arithmetic in the same order, float32 stores at the same
// points, stored values read back as float32), so both give bit-identical weights; the runtime
// passes the hyper-parameters of every step (docs/wasm-target.md, "The optimizer step").
import type { GradientSlot } from './backward/index.js';
import type { Packing } from './kernel.js';

/** One trainable parameter as the optimizer sees it (byte addresses in the weight region). */
export interface OptimizerParam {
  name: string;
  /** Floats of the parameter. */
  length: number;
  /** Its plain copy (a weight slot of `plain` packing at least `length` long): the one updated. */
  master: number;
  /** Its gradient, or a region of zeros when no gradient reaches it. */
  gradient: number;
  /** Its three optimizer slot tensors (slot `k` of every parameter lies in `slotRegions[k]`). */
  slots: number[];
}

/** Where the optimizer's state is in the training module's memory. */
export interface WasmOptimizerLayout {
  /** Trainable parameters (roles weight, bias, gamma, beta) in parameter order. */
  params: OptimizerParam[];
  /**
   * Byte ranges `[start, end)` of the three slot regions (every optimizer keeps at most three
   * slots per parameter); pages an optimizer never writes are never resident.
   */
  slotRegions: { start: number; end: number }[];
}

/** The most slot tensors an optimizer of runtime/optim keeps per parameter (RMSprop, AMSGrad). */
export const OPTIMIZER_SLOTS = 3;

/** A weight slot as the training module lays them out. */
interface Slot {
  name: string;
  offset: number;
  packing: Packing;
}

/** Places what the optimizer needs: masters, zero gradients, slots (by `weight` and `region`). */
export function layOutOptimizer(
  trainable: readonly { name: string; length: number }[],
  weights: readonly Slot[],
  gradients: readonly GradientSlot[],
  weight: (name: string, packing: Packing) => number,
  region: (length: number) => number,
): WasmOptimizerLayout {
  const masters = trainable.map((param) => {
    const plain = weights.find(
      (slot) =>
        slot.name === param.name &&
        slot.packing.kind === 'plain' &&
        slot.packing.length >= param.length,
    );
    return plain ? plain.offset : weight(param.name, { kind: 'plain', length: param.length });
  });
  const missing = trainable.filter((param) => !gradients.some((g) => g.name === param.name));
  const zeros = missing.length > 0 ? region(Math.max(...missing.map((p) => p.length))) : 0;
  const slotRegions: { start: number; end: number }[] = [];
  const slots = trainable.map(() => [] as number[]);
  for (let k = 0; k < OPTIMIZER_SLOTS && trainable.length > 0; k++) {
    const addresses = trainable.map((param) => region(param.length));
    addresses.forEach((address, p) => slots[p].push(address));
    const start = Math.min(...addresses);
    const last = trainable.length - 1;
    slotRegions.push({ start, end: addresses[last] + 4 * trainable[last].length });
  }
  return {
    params: trainable.map((param, p) => ({
      name: param.name,
      length: param.length,
      master: masters[p],
      gradient: gradients.find((g) => g.name === param.name)?.offset ?? zeros,
      slots: slots[p],
    })),
    slotRegions,
  };
}

const i32 = (value: number) => `(i32.const ${value | 0})`;
const l = (name: string) => `(local.get $${name})`;

/**
 * The arithmetic of one element (`f64`) or of two (`f64x2`: lanes are independent elements, and
 * every lane operation, promotion and demotion rounds as its scalar form does).
 */
interface Ops {
  type: 'f64' | 'v128';
  /** The float32 at pointer local `p`, as float64. */
  ld(p: string): string;
  /** Stores `value` rounded to float32 at pointer local `p`. */
  st(p: string, value: string): string;
  add(a: string, b: string): string;
  sub(a: string, b: string): string;
  mul(a: string, b: string): string;
  div(a: string, b: string): string;
  sqrt(a: string): string;
  /** A float64 parameter or temporary of this width. */
  get(name: string): string;
  set(name: string, value: string): string;
  /** `w ← max(w, v)` of the float32 values at pointer locals `w` and `v`. */
  storeMax(w: string, v: string): string;
}

const binary = (type: string, op: string) => (a: string, b: string) => `(${type}.${op} ${a} ${b})`;

const SCALAR: Ops = {
  type: 'f64',
  ld: (p) => `(f64.promote_f32 (f32.load ${l(p)}))`,
  st: (p, value) => `(f32.store ${l(p)} (f32.demote_f64 ${value}))`,
  add: binary('f64', 'add'),
  sub: binary('f64', 'sub'),
  mul: binary('f64', 'mul'),
  div: binary('f64', 'div'),
  sqrt: (a) => `(f64.sqrt ${a})`,
  get: (name) => l(name),
  set: (name, value) => `(local.set $${name} ${value})`,
  storeMax: (w, v) => `(f32.store ${l(w)} (f32.max (f32.load ${l(w)}) (f32.load ${l(v)})))`,
};

const VECTOR: Ops = {
  type: 'v128',
  ld: (p) => `(f64x2.promote_low_f32x4 (v128.load64_zero ${l(p)}))`,
  st: (p, value) => `(v128.store64_lane 0 ${l(p)} (f32x4.demote_f64x2_zero ${value}))`,
  add: binary('f64x2', 'add'),
  sub: binary('f64x2', 'sub'),
  mul: binary('f64x2', 'mul'),
  div: binary('f64x2', 'div'),
  sqrt: (a) => `(f64x2.sqrt ${a})`,
  get: (name) => l(`${name}_v`),
  set: (name, value) => `(local.set $${name}_v ${value})`,
  storeMax: (w, v) =>
    `(v128.store64_lane 0 ${l(w)} (f32x4.max (v128.load64_zero ${l(w)}) (v128.load64_zero ${l(v)})))`,
};

/**
 * An elementwise loop over `n` floats, two at a time (`f64x2`) and then the last one alone: every
 * pointer in `pointers` advances by 4 bytes per element (the first one bounds the loop); `body`
 * computes the element(s) with `Ops`, the float64 parameters and the temporaries `temps`.
 */
function elementwise(
  name: string,
  pointers: readonly string[],
  f64Params: readonly string[],
  i32Params: readonly string[],
  temps: readonly string[],
  body: (o: Ops) => string,
): string {
  const params = [
    ...pointers.map((p) => `(param $${p} i32)`),
    '(param $n i32)',
    ...f64Params.map((p) => `(param $${p} f64)`),
    ...i32Params.map((p) => `(param $${p} i32)`),
  ].join(' ');
  const locals = [
    ...temps.map((v) => `(local $${v} f64)`),
    ...[...f64Params, ...temps].map((v) => `(local $${v}_v v128)`),
  ].join(' ');
  const first = pointers[0];
  const advance = (bytes: number) =>
    pointers.map((p) => `(local.set $${p} (i32.add ${l(p)} (i32.const ${bytes})))`).join('\n    ');
  return `(func ${name} ${params} (local $end i32) (local $pairs i32) ${locals}
  (local.set $end (i32.add ${l(first)} (i32.shl ${l('n')} (i32.const 2))))
  (local.set $pairs (i32.add ${l(first)} (i32.shl (i32.and ${l('n')} (i32.const -2)) (i32.const 2))))
  ${f64Params.map((p) => `(local.set $${p}_v (f64x2.splat ${l(p)}))`).join('\n  ')}
  (block $vdone (loop $vnext
    (br_if $vdone (i32.ge_u ${l(first)} ${l('pairs')}))
    ${body(VECTOR)}
    ${advance(8)}
    (br $vnext)))
  (block $done (loop $next
    (br_if $done (i32.ge_u ${l(first)} ${l('end')}))
    ${body(SCALAR)}
    ${advance(4)}
    (br $next))))`;
}

/** runtime/optim/sgd.ts per element. */
const SGD = elementwise(
  '$opt_sgd_p',
  ['p', 'g', 'b'],
  ['lr', 'wd', 'mu', 'damp1'],
  ['first', 'momentum', 'nesterov'],
  ['x', 'buf'],
  (o) => `${o.set('x', o.add(o.ld('g'), o.mul(o.get('wd'), o.ld('p'))))}
    (if ${l('momentum')} (then
      ${o.st('b', `(select ${o.get('x')} ${o.add(o.mul(o.get('mu'), o.ld('b')), o.mul(o.get('damp1'), o.get('x')))} ${l('first')})`)}
      ${o.set('buf', o.ld('b'))}
      ${o.set('x', `(select ${o.add(o.get('x'), o.mul(o.get('mu'), o.get('buf')))} ${o.get('buf')} ${l('nesterov')})`)}))
    ${o.st('p', o.sub(o.ld('p'), o.mul(o.get('lr'), o.get('x'))))}`,
);

/** runtime/optim/adam.ts per element (`w` is max_exp_avg_sq, read only with amsgrad). */
const ADAM = elementwise(
  '$opt_adam_p',
  ['p', 'g', 'm', 'v', 'w'],
  ['beta1', 'beta1c', 'beta2', 'beta2c', 'stepSize', 'correction2', 'eps', 'l2', 'decay'],
  ['decoupled', 'amsgrad'],
  ['x'],
  (o) => `(if ${l('decoupled')} (then ${o.st('p', o.mul(o.ld('p'), o.get('decay')))}))
    ${o.set('x', o.add(o.ld('g'), o.mul(o.get('l2'), o.ld('p'))))}
    ${o.st('m', o.add(o.mul(o.get('beta1'), o.ld('m')), o.mul(o.get('beta1c'), o.get('x'))))}
    ${o.st('v', o.add(o.mul(o.get('beta2'), o.ld('v')), o.mul(o.mul(o.get('beta2c'), o.get('x')), o.get('x'))))}
    (if ${l('amsgrad')} (then ${o.storeMax('w', 'v')}))
    ${o.st(
      'p',
      o.sub(
        o.ld('p'),
        o.div(
          o.mul(o.get('stepSize'), o.ld('m')),
          o.add(
            o.div(
              o.sqrt(
                `(if (result ${o.type}) ${l('amsgrad')} (then ${o.ld('w')}) (else ${o.ld('v')}))`,
              ),
              o.get('correction2'),
            ),
            o.get('eps'),
          ),
        ),
      ),
    )}`,
);

/** runtime/optim/rmsprop.ts per element. */
const RMSPROP = elementwise(
  '$opt_rmsprop_p',
  ['p', 'g', 's', 'a', 'b'],
  ['lr', 'alpha', 'alphac', 'eps', 'wd', 'mu'],
  ['centered', 'momentum'],
  ['x', 'd'],
  (o) => `${o.set('x', o.add(o.ld('g'), o.mul(o.get('wd'), o.ld('p'))))}
    ${o.st('s', o.add(o.mul(o.get('alpha'), o.ld('s')), o.mul(o.mul(o.get('alphac'), o.get('x')), o.get('x'))))}
    (if ${l('centered')}
      (then
        ${o.st('a', o.add(o.mul(o.get('alpha'), o.ld('a')), o.mul(o.get('alphac'), o.get('x'))))}
        ${o.set('d', o.add(o.sqrt(o.sub(o.ld('s'), o.mul(o.ld('a'), o.ld('a')))), o.get('eps')))})
      (else ${o.set('d', o.add(o.sqrt(o.ld('s')), o.get('eps')))}))
    (if ${l('momentum')}
      (then
        ${o.st('b', o.add(o.mul(o.get('mu'), o.ld('b')), o.div(o.get('x'), o.get('d'))))}
        ${o.st('p', o.sub(o.ld('p'), o.mul(o.get('lr'), o.ld('b'))))})
      (else ${o.st('p', o.sub(o.ld('p'), o.div(o.mul(o.get('lr'), o.get('x')), o.get('d'))))}))`,
);

/** runtime/optim/adagrad.ts per element. */
const ADAGRAD = elementwise(
  '$opt_adagrad_p',
  ['p', 'g', 's'],
  ['clr', 'eps', 'wd'],
  [],
  ['x'],
  (o) => `${o.set('x', o.add(o.ld('g'), o.mul(o.get('wd'), o.ld('p'))))}
    ${o.st('s', o.add(o.ld('s'), o.mul(o.get('x'), o.get('x'))))}
    ${o.st('p', o.sub(o.ld('p'), o.div(o.mul(o.get('clr'), o.get('x')), o.add(o.sqrt(o.ld('s')), o.get('eps')))))}`,
);

/**
 * runtime/wasm/pack.ts's `rowPanels` from the plain copy at `src`: per group, row and depth block,
 * the block's floats `mr` apart (lanes past `rows` stay zero: they are never written).
 */
const PACK_ROWS = `(func $pack_rows (param $src i32) (param $dst i32) (param $groups i32) (param $rows i32) (param $depth i32) (param $mr i32) (param $kc i32)
  (local $blocks i32) (local $g i32) (local $row i32) (local $from i32) (local $group i32) (local $k0 i32) (local $bd i32) (local $base i32) (local $k i32)
  (local.set $blocks (i32.div_u (i32.add ${l('rows')} (i32.sub ${l('mr')} (i32.const 1))) ${l('mr')}))
  (local.set $g (i32.const 0))
  (block $gd (loop $gl (br_if $gd (i32.ge_u ${l('g')} ${l('groups')}))
    (local.set $group (i32.mul (i32.mul (i32.mul ${l('g')} ${l('blocks')}) ${l('depth')}) ${l('mr')}))
    (local.set $row (i32.const 0))
    (block $rd (loop $rl (br_if $rd (i32.ge_u ${l('row')} ${l('rows')}))
      (local.set $from (i32.mul (i32.add (i32.mul ${l('g')} ${l('rows')}) ${l('row')}) ${l('depth')}))
      (local.set $k0 (i32.const 0))
      (block $kd (loop $kl (br_if $kd (i32.ge_u ${l('k0')} ${l('depth')}))
        (local.set $bd (select ${l('kc')} (i32.sub ${l('depth')} ${l('k0')}) (i32.lt_u ${l('kc')} (i32.sub ${l('depth')} ${l('k0')}))))
        (local.set $base (i32.add (i32.add (i32.add ${l('group')} (i32.mul (i32.mul ${l('k0')} ${l('blocks')}) ${l('mr')}))
          (i32.mul (i32.mul (i32.div_u ${l('row')} ${l('mr')}) ${l('bd')}) ${l('mr')})) (i32.rem_u ${l('row')} ${l('mr')})))
        (local.set $k (i32.const 0))
        (block $ed (loop $el (br_if $ed (i32.ge_u ${l('k')} ${l('bd')}))
          (f32.store (i32.add ${l('dst')} (i32.shl (i32.add ${l('base')} (i32.mul ${l('k')} ${l('mr')})) (i32.const 2)))
            (f32.load (i32.add ${l('src')} (i32.shl (i32.add (i32.add ${l('from')} ${l('k0')}) ${l('k')}) (i32.const 2)))))
          (local.set $k (i32.add ${l('k')} (i32.const 1))) (br $el)))
        (local.set $k0 (i32.add ${l('k0')} ${l('kc')})) (br $kl)))
      (local.set $row (i32.add ${l('row')} (i32.const 1))) (br $rl)))
    (local.set $g (i32.add ${l('g')} (i32.const 1))) (br $gl))))`;

/** runtime/wasm/pack.ts's `colPanels`: column `col`'s floats `nr` apart in panel `col / nr`. */
const PACK_COLS = `(func $pack_cols (param $src i32) (param $dst i32) (param $cols i32) (param $depth i32) (param $nr i32)
  (local $col i32) (local $from i32) (local $base i32) (local $k i32)
  (local.set $col (i32.const 0))
  (block $cd (loop $cl (br_if $cd (i32.ge_u ${l('col')} ${l('cols')}))
    (local.set $from (i32.mul ${l('col')} ${l('depth')}))
    (local.set $base (i32.add (i32.mul (i32.mul (i32.div_u ${l('col')} ${l('nr')}) ${l('depth')}) ${l('nr')}) (i32.rem_u ${l('col')} ${l('nr')})))
    (local.set $k (i32.const 0))
    (block $kd (loop $kl (br_if $kd (i32.ge_u ${l('k')} ${l('depth')}))
      (f32.store (i32.add ${l('dst')} (i32.shl (i32.add ${l('base')} (i32.mul ${l('k')} ${l('nr')})) (i32.const 2)))
        (f32.load (i32.add ${l('src')} (i32.shl (i32.add ${l('from')} ${l('k')}) (i32.const 2)))))
      (local.set $k (i32.add ${l('k')} (i32.const 1))) (br $kl)))
    (local.set $col (i32.add ${l('col')} (i32.const 1))) (br $cl))))`;

/**
 * Whether the module repacks `packing` itself (the Winograd transforms stay on the host). Every
 * kind is named, so a new packing kind fails to compile here instead of reaching `opt_repack`.
 */
export function repackedInModule(packing: Packing): boolean {
  switch (packing.kind) {
    case 'plain':
    case 'rowPanels':
    case 'colPanels':
      return true;
    case 'winograd3x3':
    case 'winograd4x4':
      return false;
  }
}

/**
 * The optimizer's functions: one exported update per optimizer kind over every trainable
 * parameter, `opt_repack` (every other weight slot of a trainable parameter from its master),
 * and their per-parameter helpers.
 */
export function optimizerFunctions(
  layout: WasmOptimizerLayout,
  weights: readonly Slot[],
): { wat: string; repacked: number[] } {
  const each = (call: (param: OptimizerParam) => string) => layout.params.map(call).join('\n  ');
  const a = (name: string, type: 'f64' | 'i32') => `(param $${name} ${type})`;
  const f = (names: readonly string[]) => names.map((name) => a(name, 'f64')).join(' ');
  const n = (names: readonly string[]) => names.map((name) => a(name, 'i32')).join(' ');
  const args = (names: readonly string[]) => names.map(l).join(' ');
  const sgdF = ['lr', 'wd', 'mu', 'damp1'];
  const sgdI = ['first', 'momentum', 'nesterov'];
  const adamF = ['beta1', 'beta1c', 'beta2', 'beta2c', 'stepSize', 'correction2', 'eps', 'l2'];
  const adamAll = [...adamF, 'decay'];
  const adamI = ['decoupled', 'amsgrad'];
  const rmsF = ['lr', 'alpha', 'alphac', 'eps', 'wd', 'mu'];
  const rmsI = ['centered', 'momentum'];
  const adagradF = ['clr', 'eps', 'wd'];
  const head = (p: OptimizerParam, slots: number) =>
    [p.master, p.gradient, ...p.slots.slice(0, slots), p.length].map(i32).join(' ');
  const repacked: number[] = [];
  const repacks = layout.params.flatMap((param) =>
    weights
      .filter(
        (slot) =>
          slot.name === param.name &&
          slot.offset !== param.master &&
          repackedInModule(slot.packing),
      )
      .map((slot) => {
        repacked.push(slot.offset);
        const packing = slot.packing;
        switch (packing.kind) {
          case 'plain':
            return `(memory.copy ${i32(slot.offset)} ${i32(param.master)} ${i32(4 * Math.min(param.length, packing.length))})`;
          case 'rowPanels':
            return `(call $pack_rows ${[param.master, slot.offset, packing.groups, packing.rows, packing.depth, packing.mr, packing.kc].map(i32).join(' ')})`;
          case 'colPanels':
            return `(call $pack_cols ${[param.master, slot.offset, packing.cols, packing.depth, packing.nr].map(i32).join(' ')})`;
          default:
            throw new Error(`internal error: no in-module repack of ${packing.kind}`);
        }
      }),
  );
  const wat = `${SGD}
${ADAM}
${RMSPROP}
${ADAGRAD}
${PACK_ROWS}
${PACK_COLS}
(func (export "opt_sgd") ${f(sgdF)} ${n(sgdI)}
  ${each((p) => `(call $opt_sgd_p ${head(p, 1)} ${args(sgdF)} ${args(sgdI)})`)})
(func (export "opt_adam") ${f(adamAll)} ${n(adamI)}
  ${each((p) => `(call $opt_adam_p ${head(p, 3)} ${args(adamAll)} ${args(adamI)})`)})
(func (export "opt_rmsprop") ${f(rmsF)} ${n(rmsI)}
  ${each((p) => `(call $opt_rmsprop_p ${head(p, 3)} ${args(rmsF)} ${args(rmsI)})`)})
(func (export "opt_adagrad") ${f(adagradF)}
  ${each((p) => `(call $opt_adagrad_p ${head(p, 1)} ${args(adagradF)})`)})
(func (export "opt_repack")
  ${repacks.length > 0 ? repacks.join('\n  ') : 'nop'})`;
  return { wat, repacked };
}
