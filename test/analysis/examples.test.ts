// The classic architectures in examples/ against published numbers: trainable parameters as
// torchvision (and the PyTorch tutorial, for LeNet-5) publishes them, and conv + linear MACs at
// 224×224 within 0.1% of torchvision's "GFLOPS" column (which counts multiply-accumulates).
import { readFileSync } from 'node:fs';
import test from 'ava';
import { summarizeModel, type ModelSummary } from '../../compiler/analysis/summary.js';
import { compileSource } from '../../compiler/compile.js';

function summaries(file: string): Map<string, ModelSummary> {
  const path = `examples/${file}`;
  const result = compileSource(path, readFileSync(path, 'utf8'));
  return new Map(
    result.program.models.map((model) => [model.name, summarizeModel(model, { batch: 1 })]),
  );
}

// [file, model, trainable parameters, conv + linear GMACs or undefined]
const published: [string, string, number, number | undefined][] = [
  ['lenet5.cnn', 'LeNet5', 61_706, undefined],
  ['alexnet.cnn', 'AlexNet', 61_100_840, 0.714],
  ['vgg16.cnn', 'VGG16', 138_357_544, 15.47],
  ['vgg19.cnn', 'VGG19', 143_667_240, undefined],
  ['googlenet.cnn', 'GoogLeNet', 6_624_904, undefined],
  ['googlenet.cnn', 'GoogLeNetAux', 13_004_888, undefined],
  ['resnet18.cnn', 'ResNet18', 11_689_512, 1.814],
  ['resnet34.cnn', 'ResNet34', 21_797_672, undefined],
  ['resnet50.cnn', 'ResNet50', 25_557_032, 4.089],
  ['densenet121.cnn', 'DenseNet121', 7_978_856, 2.834],
  ['mobilenet_v2.cnn', 'MobileNetV2', 3_504_872, 0.301],
  ['squeezenet1_1.cnn', 'SqueezeNet1_1', 1_235_496, undefined],
  ['xception.cnn', 'Xception', 22_855_952, undefined],
];

for (const [file, model, params, gmacs] of published) {
  test(`${model}: ${params.toLocaleString('en-US')} trainable parameters`, (t) => {
    const summary = summaries(file).get(model);
    t.truthy(summary, `examples/${file} defines model ${model}`);
    t.is(summary?.totals.trainableParams, params);
  });
  if (gmacs === undefined) continue;
  test(`${model}: ${gmacs} G conv + linear MACs within 0.1%`, (t) => {
    const macs = summaries(file).get(model)?.totals.convLinearMacs ?? 0;
    const relative = Math.abs(macs / 1e9 - gmacs) / gmacs;
    t.true(relative <= 0.001, `${macs} MACs is ${(relative * 100).toFixed(3)}% from ${gmacs} G`);
  });
}

test('every example checks without errors', (t) => {
  const files = [...new Set(published.map(([file]) => file)), 'unet_small.cnn', 'seq1d.cnn'];
  for (const file of files) {
    const path = `examples/${file}`;
    const { diagnostics } = compileSource(path, readFileSync(path, 'utf8'));
    const errors = diagnostics.filter((d) => d.severity === 'error');
    t.deepEqual(
      errors.map((d) => `${d.code} ${d.message}`),
      [],
      path,
    );
  }
});
