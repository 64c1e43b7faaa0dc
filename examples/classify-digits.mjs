// Classifies held-out MNIST digits with the LeNet-5 module that `cnnc build` emits, using the
// weights `cnnc train` wrote. The held-out digits are the 20% `cnnc train` never trained on
// (the same seeded split). Run, from the repository root:
//   npx cnnc train examples/lenet5.cnn                 # writes runs/lenet5/weights.safetensors
//   npx cnnc build examples/lenet5.cnn -o build/ --emit js --train   # `evaluate` is training code
//   node examples/classify-digits.mjs [runs/lenet5/weights.safetensors]
import { readFileSync } from 'node:fs';
import { loadTrainingData } from 'cnnc';
import { create, inputShape } from '../build/lenet5.mjs';

const weights = readFileSync(process.argv[2] ?? 'runs/lenet5/weights.safetensors');
const model = await create({ weights });
try {
  const data = loadTrainingData('mnist');
  if (!data.ok) throw new Error(data.message);
  const { images, labels } = data.value.test;
  const perSample = inputShape.reduce((acc, dim) => acc * dim, 1);
  // Ten digits through `forward`: logits [10, 10], predicted class = the largest logit.
  const logits = await model.forward(images.subarray(0, 10 * perSample), 10);
  for (let n = 0; n < 10; n++) {
    const row = Array.from(logits.subarray(n * 10, n * 10 + 10));
    const predicted = row.indexOf(Math.max(...row));
    console.log(`digit ${n}: predicted ${predicted}, label ${labels[n]}`);
  }
  // Every held-out digit through `evaluate` (batched internally).
  const result = await model.evaluate(images, labels, labels.length);
  console.log(
    `held-out accuracy: ${(100 * result.accuracy).toFixed(2)}% of ${result.count} digits`,
  );
} finally {
  await model.dispose();
}
