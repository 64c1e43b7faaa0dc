// Backward of `upsample`: each input cell gets the output gradients it contributed to, with the
// forward's weights. Units are (sample, chunk of channels), as the forward. Nearest sums the `sh`
// output rows of an input row (f32x4 over the output width) into a scratch row, then each input
// column's `sw` entries of it. Bilinear undoes the forward's two passes in reverse: per output
// row, the columns scattered into a scratch input row through the column table, then that row
// added to input rows h0 and h1 with weights 1 − λ and λ (f32x4).
import {
  sourceCoords,
  tableBytes,
  upsampleChannels,
  upsampleGeometry,
  upsampleScratch,
  type UpsampleGeometry,
} from '../upsample.js';
import {
  add,
  addConst,
  f32,
  forLoop,
  get,
  i32,
  Labels,
  load,
  mulConst,
  set,
  store,
} from '../wat.js';
import type { BackwardGenerator } from './common.js';

/** `out[i] = (op)(out[i], a[i])` over `count` floats at `$tmp`/`$src`, or from expressions. */
function rowLoop(
  labels: Labels,
  count: number,
  body: (type: 'v128' | 'f32', offset: string) => string,
): string {
  const vectors = Math.floor(count / 4);
  return `${vectors > 0 ? forLoop(labels, 'i', i32(0), i32(vectors), body('v128', mulConst(get('i'), 16))) : ''}
${forLoop(labels, 'i', i32(vectors * 4), i32(count), body('f32', mulConst(get('i'), 4)))}`;
}

const ZERO = { v128: '(v128.const i32x4 0 0 0 0)', f32: f32(0) };
const addOp = (type: 'v128' | 'f32') => (type === 'v128' ? 'f32x4.add' : 'f32.add');
const mulOp = (type: 'v128' | 'f32') => (type === 'v128' ? 'f32x4.mul' : 'f32.mul');

function nearestBackward(labels: Labels, g: UpsampleGeometry): string {
  const tmp = get('scr');
  const sumRows = rowLoop(labels, g.outW, (type, offset) => {
    const rows = Array.from({ length: g.sh }, (_, a) =>
      load(type, add(get('src'), offset), 4 * a * g.outW),
    ).reduce((acc, next) => `(${addOp(type)} ${acc} ${next})`);
    return store(type, add(tmp, offset), rows);
  });
  const columns = forLoop(
    labels,
    'iw',
    i32(0),
    i32(g.inW),
    `${store(
      'f32',
      get('dst'),
      Array.from({ length: g.sw }, (_, b) => load('f32', get('t'), 4 * b)).reduce(
        (acc, next) => `(f32.add ${acc} ${next})`,
      ),
    )}
${set('t', addConst(get('t'), 4 * g.sw))}
${set('dst', addConst(get('dst'), 4))}`,
  );
  return `${set('dst', get('dplane'))}
${forLoop(
  labels,
  'ih',
  i32(0),
  i32(g.inH),
  `${set('src', add(get('plane'), mulConst(get('ih'), 4 * g.sh * g.outW)))}
${sumRows}
${set('t', tmp)}
${columns}`,
)}`;
}

function bilinearBackward(labels: Labels, g: UpsampleGeometry): string {
  const tmp = addConst(get('scr'), tableBytes(g));
  const scatter = (offset: number, weight: string) => {
    const at = add(get('tmp'), load('i32', get('t'), offset));
    return store('f32', at, `(f32.add ${load('f32', at)} (f32.mul ${get('sv')} ${weight}))`);
  };
  const gather = (row: string, weight: string) =>
    rowLoop(labels, g.inW, (type, offset) => {
      const at = add(get(row), offset);
      const w = type === 'v128' ? weight : `(f32x4.extract_lane 0 ${weight})`;
      return store(
        type,
        at,
        `(${addOp(type)} ${load(type, at)} (${mulOp(type)} ${load(type, add(get('tmp'), offset))} ${w}))`,
      );
    });
  const perRow = `${sourceCoords('h', 'oh', g.inH, g.outH, g.sh, g.aligned)}
${set('tmp', tmp)}
${rowLoop(labels, g.inW, (type, offset) => store(type, add(get('tmp'), offset), ZERO[type]))}
${forLoop(
  labels,
  'ow',
  i32(0),
  i32(g.outW),
  `${set('t', add(get('scr'), mulConst(get('ow'), 12)))}
(local.set $sv ${load('f32', get('src'))})
(local.set $wl ${load('f32', get('t'), 8)})
${scatter(0, `(f32.sub ${f32(1)} ${get('wl')})`)}
${scatter(4, get('wl'))}
${set('src', addConst(get('src'), 4))}`,
)}
${set('r0', add(get('dplane'), mulConst(get('h0'), 4 * g.inW)))}
${set('r1', add(get('dplane'), mulConst(get('h1'), 4 * g.inW)))}
(local.set $vl (f32x4.splat (f32.sub ${f32(1)} ${get('hl')})))
${gather('r0', '(local.get $vl)')}
(local.set $vl (f32x4.splat ${get('hl')}))
${gather('r1', '(local.get $vl)')}`;
  return `${set('dst', get('dplane'))}
${forLoop(labels, 'i', i32(0), i32(g.inH * g.inW), store('f32', add(get('dplane'), mulConst(get('i'), 4)), f32(0)))}
${set('src', get('plane'))}
${forLoop(labels, 'oh', i32(0), i32(g.outH), perRow)}`;
}

/** `dX` of `upsample` from `dY`; the input itself is not read. */
export const upsampleBackward: BackwardGenerator = (call, values, env) => {
  const target = values.gradInputs[0];
  if (target === null) return [];
  const labels = new Labels();
  const g = upsampleGeometry(call);
  // The forward's planes with the roles swapped: `$plane` is dY's (output-sized), `$dplane` dX's.
  const perChannel = g.bilinear ? bilinearBackward(labels, g) : nearestBackward(labels, g);
  const kernel = upsampleChannels(
    env,
    { inputs: [values.gradOutput], output: target },
    labels,
    g,
    perChannel,
    [g.outH * g.outW, g.inH * g.inW],
  );
  return [{ ...kernel, scratchBytes: g.bilinear ? upsampleScratch(g, g.inW) : 4 * g.outW }];
};
