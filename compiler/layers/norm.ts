// Normalisation and regularisation: batchnorm, lrn, dropout and normalize. Their plans and
// exports are in ./norm-backends.ts.
import {
  batchnormBackends,
  dropoutBackends,
  lrnBackends,
  normalizeBackends,
} from './norm-backends.js';
import { inferBatchnorm, inferLrn, inferSameShape } from './elementwise-rules.js';
import { defineLayer, type ParamEntry } from './types.js';
import { affineParams, outChannels } from './params.js';
import { boolArg } from '../shapes/read-args.js';
import { inferNormalize, normalizeValues } from './normalize-rules.js';

export const batchnorm = defineLayer({
  name: 'batchnorm',
  doc: 'batch normalisation over channels (batch statistics in training, running ones in eval)',
  args: [
    {
      name: 'eps',
      type: { kind: 'float', min: 0, minExclusive: true },
      default: 1e-5,
      doc: 'added to the variance',
    },
    {
      name: 'momentum',
      type: { kind: 'float', min: 0, max: 1 },
      default: 0.1,
      doc: 'running-statistics update factor (PyTorch convention)',
    },
    { name: 'affine', type: { kind: 'bool' }, default: true, doc: 'learn a scale and a shift' },
  ],
  inputs: 'one',
  infer: inferBatchnorm,
  params: (ctx) => {
    const channels = outChannels(ctx);
    const running = (name: 'running_mean' | 'running_var'): ParamEntry => ({
      name: `${ctx.prefix}.${name}`,
      shape: [channels],
      role: name,
    });
    return [
      ...affineParams(ctx.prefix, channels, boolArg(ctx.node, 'affine', true)),
      running('running_mean'),
      running('running_var'),
    ];
  },
  traits: { fusesActivation: true, trainsDifferently: true },
  backends: batchnormBackends,
});

export const lrn = defineLayer({
  name: 'lrn',
  doc: 'local response normalisation across channels (AlexNet, GoogLeNet)',
  args: [
    { name: 'size', type: { kind: 'int', min: 1 }, default: 5, doc: 'channels in the window' },
    { name: 'alpha', type: { kind: 'float' }, default: 1e-4, doc: 'scale' },
    { name: 'beta', type: { kind: 'float' }, default: 0.75, doc: 'exponent' },
    { name: 'k', type: { kind: 'float' }, default: 2, doc: 'additive constant' },
  ],
  inputs: 'one',
  infer: inferLrn,
  params: 'none',
  backends: lrnBackends,
  noWasmBackward: 'it has no WebAssembly backward yet',
});

export const dropout = defineLayer({
  name: 'dropout',
  doc: 'zero each unit with probability `p` in training, scaling the rest by 1/(1−p)',
  args: [
    {
      name: 'p',
      type: { kind: 'float', min: 0, max: 1, maxExclusive: true },
      default: 0.5,
      doc: 'probability of dropping a unit (PyTorch convention)',
    },
  ],
  inputs: 'one',
  infer: inferSameShape,
  params: 'none',
  traits: { noOpAtInference: true, trainsDifferently: true },
  backends: dropoutBackends,
});

export const normalize = defineLayer({
  name: 'normalize',
  doc: '(x − mean) / std per channel; without arguments, `cnnc train` learns mean and std from the training data',
  args: [
    {
      name: 'mean',
      type: { kind: 'numbers' },
      optional: true,
      requiredWith: 'std',
      doc: 'subtracted: one number for every channel, or a list with one per channel',
    },
    {
      name: 'std',
      type: { kind: 'numbers', min: 0, minExclusive: true },
      optional: true,
      requiredWith: 'mean',
      doc: 'divided by (positive): one number for every channel, or a list with one per channel',
    },
  ],
  inputs: 'one',
  infer: inferNormalize,
  params: (ctx) =>
    (['mean', 'std'] as const).map((role): ParamEntry => {
      const channels = outChannels(ctx);
      const values = normalizeValues(ctx.node, role, channels);
      return {
        name: `${ctx.prefix}.${role}`,
        shape: [channels],
        role,
        ...(values ? { values } : {}),
      };
    }),
  backends: normalizeBackends,
});
