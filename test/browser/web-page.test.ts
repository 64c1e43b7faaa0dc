// examples/web/ end to end in Debian's headless Chromium (playwright-core drives it; no browser is
// ever downloaded): build LeNet-5 for the browser, start examples/web/serve.mjs, draw a held-out
// MNIST digit on the page's pad with mouse events, and check the predicted class, the backend
// (WebGL2 under SwiftShader), that the page's main thread never blocked 200 ms or more during
// inference, and that the page's logits equal Node's for the same 28×28 input within 1e-5.
// The screenshot is saved to build/artifacts/examples-web.png.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Page } from 'playwright-core';
import { loadTrainingData } from '../../trainer/io/data/load.js';
import { buildSource } from '../emit/build-helper.js';
import { runCli } from '../helpers/run-cli.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
const SCALE = 10; // the page's pad is 280×280 for a 28×28 input
const ARTIFACT = 'build/artifacts/examples-web.png';

/** The main thread's blocks: long tasks (over 50 ms) and the largest gap of a 10 ms heartbeat. */
const WATCH = `
  const watch = { longTasks: [], maxGap: 0, last: 0, on: false };
  window.watch = watch;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if (watch.on) watch.longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask' });
  function beat() {
    const now = performance.now();
    if (watch.on && watch.last > 0) watch.maxGap = Math.max(watch.maxGap, now - watch.last);
    watch.last = now;
    setTimeout(beat, 10);
  }
  beat();
`;

/** Starts the example's server on a free port; resolves with its address. */
async function startServer(modelDir: string) {
  const server = spawn(
    process.execPath,
    ['examples/web/serve.mjs', '--port', '0', '--model-dir', modelDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: server.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<never>((_, reject) =>
    server.once('exit', (code) => reject(new Error(`the server exited with ${code}`))),
  );
  const line = String((await Promise.race([lines.next(), exited])).value);
  const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(line)?.[0];
  if (!url) throw new Error(`the server printed no address: ${line}`);
  return { url, stop: () => void server.kill() };
}

/**
 * Draws `digit` (784 values in [0, 1]) with the mouse: one horizontal stroke per run of pixels of
 * at least 0.5 in each row, through the centres of its 10×10 cells.
 */
async function drawDigit(page: Page, digit: Float32Array): Promise<number> {
  const box = await page.locator('#pad').boundingBox();
  if (!box) throw new Error('no drawing pad');
  let strokes = 0;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      if (digit[y * 28 + x] < 0.5) continue;
      let end = x;
      while (end + 1 < 28 && digit[y * 28 + end + 1] >= 0.5) end++;
      const cy = box.y + y * SCALE + SCALE / 2;
      await page.mouse.move(box.x + x * SCALE + SCALE / 2, cy);
      await page.mouse.down();
      await page.mouse.move(box.x + end * SCALE + SCALE / 2, cy, { steps: 2 });
      await page.mouse.up();
      strokes++;
      x = end;
    }
  }
  return strokes;
}

if (!existsSync(CHROMIUM)) {
  const reason = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH; .ci/run installs it)`;
  console.warn(`test/browser/web-page.test.ts: skipped: ${reason}`);
  test.skip(`examples/web in Chromium — skipped: ${reason}`, () => {});
} else {
  test('examples/web classifies a drawn held-out digit on WebGL2 without blocking the page', async (t) => {
    t.timeout(300_000);
    const work = mkdtempSync(join(tmpdir(), 'cnnc-web-'));
    t.teardown(() => rmSync(work, { recursive: true, force: true }));
    const built = await runCli([
      'build',
      'examples/lenet5.cnn',
      '-o',
      join(work, 'model'),
      '--target',
      'browser',
    ]);
    t.is(built.code, 0, built.stderr);

    // Node's model, on the same trained weights; the digit is the first held-out one it gets right.
    const weights = readFileSync('examples/web/lenet5.safetensors');
    const { module } = await buildSource('web_lenet5', readFileSync('examples/lenet5.cnn', 'utf8'));
    const node = await module.create({ weights, mode: 'webasm', threads: false });
    t.teardown(() => node.dispose());
    const data = loadTrainingData('mnist');
    if (!data.ok) throw new Error(data.message);
    const { images, labels } = data.value.test;
    const logits = await node.forward(images.subarray(0, 16 * 784), 16);
    const index = [...labels.subarray(0, 16)].findIndex((label, n) => {
      const row = [...logits.subarray(n * 10, n * 10 + 10)];
      return row.indexOf(Math.max(...row)) === label;
    });
    const label = labels[index];
    t.log(`held-out digit ${index}, label ${label}`);

    const server = await startServer(join(work, 'model'));
    t.teardown(server.stop);
    const browser = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 900, height: 560 },
    });
    t.teardown(() => browser.close());
    const page = browser.pages()[0] ?? (await browser.newPage());
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // NOTE: a string, as tsx would wrap a function's inner functions in its `__name` helper.
    await page.addInitScript(WATCH);
    await page.goto(server.url);
    await page.waitForFunction(
      () => ['ready', 'error'].includes(document.body.dataset.state ?? ''),
      null,
      {
        timeout: 120_000,
      },
    );
    t.deepEqual(errors, []);
    t.is(await page.textContent('#error'), '', 'no backend error');

    await page.evaluate(() => ((window as unknown as { watch: { on: boolean } }).watch.on = true));
    const strokes = await drawDigit(page, images.subarray(index * 784, (index + 1) * 784));
    await page.waitForFunction(
      (count) => {
        const { state } = (
          window as unknown as { demo: { state: { times: number[]; pending: number } } }
        ).demo;
        return state.pending === 0 && state.times.length >= count;
      },
      strokes,
      { timeout: 120_000 },
    );
    const watch = await page.evaluate(() => {
      const w = (
        window as unknown as { watch: { on: boolean; longTasks: unknown[]; maxGap: number } }
      ).watch;
      w.on = false;
      return { longTasks: w.longTasks as { duration: number }[], maxGap: w.maxGap };
    });
    const state = await page.evaluate(
      () =>
        (
          window as unknown as {
            demo: {
              state: {
                backend: string;
                input: number[];
                logits: number[];
                predicted: number;
                times: number[];
              };
            };
          }
        ).demo.state,
    );
    mkdirSync('build/artifacts', { recursive: true });
    await page.screenshot({ path: ARTIFACT });

    t.is(state.backend, 'WebGL2', 'the backend gpu.js ran');
    t.regex((await page.textContent('#backend')) ?? '', /^WebGL2 \(gpu, in a Web Worker\)$/);
    t.is(state.predicted, label, `the drawn digit ${index} is classified as its label`);
    t.is(await page.textContent('#predicted'), String(label));
    const longest = Math.max(0, ...watch.longTasks.map((task) => task.duration));
    t.log(
      `${strokes} strokes, ${state.times.length} forwards: first ${state.times[0].toFixed(0)} ms, last ${state.times.at(-1)?.toFixed(1)} ms; ` +
        `longest main-thread task ${longest.toFixed(0)} ms, largest heartbeat gap ${watch.maxGap.toFixed(0)} ms`,
    );
    t.true(longest < 200, `longest main-thread task ${longest} ms`);
    t.true(watch.maxGap < 200, `largest main-thread heartbeat gap ${watch.maxGap} ms`);

    // The same 28×28 input through Node's model gives the same logits.
    const expected = await node.forward(Float32Array.from(state.input), 1);
    const diff = Math.max(...state.logits.map((value, idx) => Math.abs(value - expected[idx])));
    t.log(`largest |page − Node| logit difference: ${diff.toExponential(2)}`);
    t.true(diff <= 1e-5, `page and Node logits differ by ${diff}`);

    // A backend the page asks for and cannot have is named plainly (WebGPU is not in the bundle).
    await page.selectOption('#mode', 'webgpu');
    await page.waitForFunction(() => document.body.dataset.state === 'error', null, {
      timeout: 60_000,
    });
    t.is(
      await page.textContent('#error'),
      "backend `webgpu` is not available here: no WebGPU; ask for mode 'webasm' or 'cpu'",
    );
    t.is(await page.textContent('#backend'), 'webgpu: not available');
    t.deepEqual(errors, []);
  });
}
