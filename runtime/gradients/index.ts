// The training half of `cnnc/runtime`: backward kernels and their registry, training-mode
// forwards (batch statistics, dropout masks).
export * from './activation.grad.js';
export * from './adaptive-pool2d.grad.js';
export * from './add.grad.js';
export * from './batchnorm.grad.js';
export * from './common.js';
export * from './concat.grad.js';
export * from './conv1d.grad.js';
export * from './conv2d.grad.js';
export * from './conv3d.grad.js';
export * from './convtranspose2d.grad.js';
export * from './dropout.grad.js';
export * from './flatten.grad.js';
export * from './groupnorm.grad.js';
export * from './linear.grad.js';
export * from './lrn.grad.js';
export * from './normalize.grad.js';
export * from './pad-fold.js';
export * from './pad.grad.js';
export * from './pool2d.grad.js';
export * from './registry.js';
export * from './softmax.grad.js';
export * from './upsample.grad.js';
