// `cnnc summary --json` on every classic example prints torchvision's published trainable
// parameter counts (the numbers the shape-checking issue lists), through the CLI itself.
import test from 'ava';
import { runCli } from '../helpers/run-cli.js';

const published: [string, string, number][] = [
  ['lenet5', 'LeNet5', 61_706],
  ['alexnet', 'AlexNet', 61_100_840],
  ['vgg16', 'VGG16', 138_357_544],
  ['vgg19', 'VGG19', 143_667_240],
  ['googlenet', 'GoogLeNet', 6_624_904],
  ['googlenet', 'GoogLeNetAux', 13_004_888],
  ['resnet18', 'ResNet18', 11_689_512],
  ['resnet34', 'ResNet34', 21_797_672],
  ['resnet50', 'ResNet50', 25_557_032],
  ['densenet121', 'DenseNet121', 7_978_856],
  ['mobilenet_v2', 'MobileNetV2', 3_504_872],
  ['squeezenet1_1', 'SqueezeNet1_1', 1_235_496],
  ['xception', 'Xception', 22_855_952],
];

for (const [file, model, params] of published) {
  test(`cnnc summary --json examples/${file}.cnn --model ${model}`, async (t) => {
    const run = await runCli(['summary', '--json', '--model', model, `examples/${file}.cnn`]);
    t.is(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as {
      model: string;
      totals: { trainableParams: number };
    };
    t.is(summary.model, model);
    t.is(summary.totals.trainableParams, params);
  });
}
