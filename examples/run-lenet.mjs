// Runs the LeNet-5 module that `cnnc build` generates: create it with seeded weights, push a batch
// of two 28×28 images through it and print the logits. This is the README's example:
//   npx cnnc build examples/lenet5.cnn -o build/ --emit js
//   node examples/run-lenet.mjs
import { create, inputShape, outputShape } from '../build/lenet5.mjs';

const model = await create({ seed: 42 }); // the same seed gives the same weights
try {
  const batch = 2;
  const perSample = inputShape.reduce((acc, dim) => acc * dim, 1); // 1 × 28 × 28
  const images = Float32Array.from({ length: batch * perSample }, (_, idx) => Math.sin(idx) ** 2);
  const logits = await model.forward(images, batch); // flat [batch, 10]
  const classes = outputShape[0];
  for (let n = 0; n < batch; n++) {
    const row = logits.subarray(n * classes, (n + 1) * classes);
    console.log(`sample ${n}: ${Array.from(row, (v) => v.toFixed(4)).join(' ')}`);
  }
  const count = [...model.parameters().values()].reduce((acc, tensor) => acc + tensor.length, 0);
  console.log(`parameters: ${count}`);
} finally {
  await model.dispose();
}
