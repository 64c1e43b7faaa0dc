/* global document, window, fetch, performance, URLSearchParams */
// The LeNet-5 page: a drawing pad, and the model `cnnc build --target browser` bundled, running in
// a Web Worker (`createInWorker`) with the weights `cnnc train` wrote. The 280×280 drawing is
// normalised as MNIST's digits were and averaged down to the 28×28 input the model takes.
import { createInWorker, inputShape } from '/model/lenet5.browser.js';

const SCALE = 10;
const [, height, width] = inputShape;
const pad = document.getElementById('pad');
const context = pad.getContext('2d', { willReadFrequently: true });
const select = document.getElementById('mode');
const show = (id, text) => (document.getElementById(id).textContent = text);

/** What the page did last, for people and for the end-to-end test. */
const state = { backend: null, input: null, logits: null, predicted: null, times: [], pending: 0 };
window.demo = { state };

let model = null;
let weights = null;

function clearPad() {
  context.fillStyle = '#000';
  context.fillRect(0, 0, pad.width, pad.height);
}

/**
 * The 28×28 input, prepared as MNIST's digits were: the drawing scaled so that its larger side
 * spans 20 pixels, its centre of mass moved to the centre, then each input value the mean
 * brightness of a 10×10 block, in [0, 1].
 */
function readInput() {
  const size = width * SCALE;
  const { data } = context.getImageData(0, 0, size, height * SCALE);
  let [left, top, right, bottom, mass, sumX, sumY] = [size, size, -1, -1, 0, 0, 0];
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const value = data[(y * size + x) * 4];
      if (value === 0) continue;
      [left, top, right, bottom] = [
        Math.min(left, x),
        Math.min(top, y),
        Math.max(right, x),
        Math.max(bottom, y),
      ];
      mass += value;
      sumX += value * x;
      sumY += value * y;
    }
  const input = new Float32Array(width * height);
  if (mass === 0) return input;
  const scale = (20 * SCALE) / Math.max(right - left + 1, bottom - top + 1);
  const normal = document.createElement('canvas');
  normal.width = normal.height = size;
  const target = normal.getContext('2d', { willReadFrequently: true });
  target.fillStyle = '#000';
  target.fillRect(0, 0, size, size);
  const [w, h] = [right - left + 1, bottom - top + 1];
  const dx = size / 2 - (sumX / mass - left) * scale;
  const dy = size / 2 - (sumY / mass - top) * scale;
  target.drawImage(pad, left, top, w, h, dx, dy, w * scale, h * scale);
  const pixels = target.getImageData(0, 0, size, size).data;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const cell = Math.floor(y / SCALE) * width + Math.floor(x / SCALE);
      input[cell] += pixels[(y * size + x) * 4] / 255 / (SCALE * SCALE);
    }
  return input;
}

function softmax(logits) {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

function showBars(probabilities, predicted) {
  const bars = document.getElementById('bars');
  bars.replaceChildren(
    ...probabilities.map((p, digit) => {
      const item = document.createElement('li');
      item.className = digit === predicted ? 'top' : '';
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${(100 * p).toFixed(1)}%`;
      const value = document.createElement('span');
      value.textContent = `${(100 * p).toFixed(1)}%`;
      const label = document.createElement('b');
      label.textContent = String(digit);
      item.append(label, bar, value);
      return item;
    }),
  );
}

function showTime() {
  const [first, ...rest] = state.times;
  const mean = rest.length ? rest.reduce((a, b) => a + b, 0) / rest.length : undefined;
  show(
    'time',
    mean === undefined
      ? `${first.toFixed(1)} ms (first call, compiles the kernels)`
      : `${mean.toFixed(1)} ms (mean of ${rest.length}; the first call took ${first.toFixed(0)} ms)`,
  );
}

async function classify() {
  if (!model) return;
  document.body.dataset.state = 'busy';
  state.pending++;
  const input = readInput();
  const start = performance.now();
  const logits = Array.from(await model.forward(input, 1).finally(() => state.pending--));
  state.times.push(performance.now() - start);
  const predicted = logits.indexOf(Math.max(...logits));
  Object.assign(state, { input: Array.from(input), logits, predicted });
  show('predicted', String(predicted));
  showBars(softmax(logits), predicted);
  showTime();
  document.body.dataset.state = 'done';
}

/** (Re)creates the model in a worker on `mode`; an unavailable backend is said plainly. */
async function start(mode) {
  document.body.dataset.state = 'loading';
  show('error', '');
  show('backend', 'starting…');
  await model?.dispose();
  model = null;
  state.times = [];
  weights ??= new Uint8Array(await (await fetch('lenet5.safetensors')).arrayBuffer());
  try {
    model = await createInWorker({ mode, weights });
  } catch (error) {
    state.backend = null;
    show('backend', `${mode}: not available`);
    show('error', error.message);
    document.body.dataset.state = 'error';
    return;
  }
  const { kernelClass, fallback } = model.backend;
  state.backend = kernelClass;
  show('backend', `${kernelClass} (${model.backend.mode}, in a Web Worker)`);
  if (fallback) show('error', `no WebGL in the worker, running WebAssembly: ${fallback}`);
  document.body.dataset.state = 'ready';
}

let drawing = false;
let last = null;
const at = (event) => {
  const box = pad.getBoundingClientRect();
  return [event.clientX - box.left, event.clientY - box.top];
};
pad.addEventListener('mousedown', (event) => {
  drawing = true;
  last = at(event);
  context.strokeStyle = '#fff';
  context.lineWidth = 22;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  context.beginPath();
  context.moveTo(...last);
  context.lineTo(...last);
  context.stroke();
});
pad.addEventListener('mousemove', (event) => {
  if (!drawing) return;
  const point = at(event);
  context.beginPath();
  context.moveTo(...last);
  context.lineTo(...point);
  context.stroke();
  last = point;
});
window.addEventListener('mouseup', () => {
  if (!drawing) return;
  drawing = false;
  void classify();
});
document.getElementById('clear').addEventListener('click', () => {
  clearPad();
  show('predicted', '–');
  document.getElementById('bars').replaceChildren();
});
select.addEventListener('change', () => void start(select.value));

clearPad();
select.value = new URLSearchParams(window.location.search).get('mode') ?? 'auto';
void start(select.value);
