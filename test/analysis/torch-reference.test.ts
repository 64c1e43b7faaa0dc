// Every example against PyTorch itself: test/fixtures/torch-reference.json was produced by
// scripts/torch/reference_counts.py with Debian's python3-torch 1.13 and python3-torchvision
// (torchvision's models, and the script's own LeNet-5, U-Net and 1-D net), counting parameters,
// BatchNorm buffers, conv + linear MACs by forward hooks, and output shapes.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { summarizeModel } from '../../compiler/analysis/summary.js';
import { compileSource } from '../../compiler/compile.js';

interface TorchModel {
  name: string;
  example: string;
  model: string;
  input_shape: number[];
  trainable_params: number;
  buffers: number;
  macs: number;
  convtranspose_macs: number;
  output_shapes: number[][];
}

const reference = JSON.parse(readFileSync('test/fixtures/torch-reference.json', 'utf8')) as {
  torch_version: string;
  models: TorchModel[];
};

for (const expected of reference.models) {
  test(`${expected.model} agrees with torch ${reference.torch_version}`, (t) => {
    const text = readFileSync(expected.example, 'utf8');
    const result = compileSource(expected.example, text);
    t.deepEqual(
      result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
      [],
    );
    const model = result.program.models.find((m) => m.name === expected.model);
    if (!model) return t.fail(`no model ${expected.model}`);
    t.deepEqual(model.nodes[model.inputs[0]].shape, expected.input_shape, 'input shape');
    const summary = summarizeModel(model, { batch: 1 });
    t.is(summary.totals.trainableParams, expected.trainable_params, 'trainable parameters');
    t.is(summary.totals.nonTrainableBuffers, expected.buffers, 'buffers');
    t.is(summary.totals.convLinearMacs, expected.macs + expected.convtranspose_macs, 'MACs');
    t.deepEqual(
      model.outputs.map((o) => model.nodes[o.node].shape),
      expected.output_shapes,
      'output shapes',
    );
  });
}
