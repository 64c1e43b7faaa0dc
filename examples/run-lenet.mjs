// Runs the LeNet-5 module that `cnnc build` generates: create it with seeded weights, push a batch
// of two 28×28 images through it and print the logits. Build the module first:
//   npx cnnc build examples/lenet5.cnn -o build/ --emit js
//   node examples/run-lenet.mjs
import { create, inputShape, outputShape } from '../build/lenet5.js';

const batch = 2;
const model = await create({ seed: 42, threads: false });
try {
  const perSample = inputShape.reduce((acc, dim) => acc * dim, 1);
  const images = new Float32Array(batch * perSample);
  for (let idx = 0; idx < images.length; idx++) images[idx] = Math.sin(idx) * 0.5 + 0.5;
  const logits = await model.forward(images, batch);
  const classes = outputShape[0];
  for (let n = 0; n < batch; n++) {
    const row = Array.from(logits.subarray(n * classes, (n + 1) * classes), (v) => v.toFixed(4));
    console.log(`sample ${n}: ${row.join(' ')}`);
  }
  console.log(
    `parameters: ${[...model.parameters().values()].reduce((acc, t) => acc + t.length, 0)}`,
  );
} finally {
  await model.dispose();
}
