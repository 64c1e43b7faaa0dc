// The backend a model reports is the gpu.js kernel class that actually runs. In Node there is no
// WebGL context (gpu.js's optional `gl` binding is not built), so `mode: 'gpu'` used to run
// WebAssembly silently while `backend.mode` said `gpu`; it must now say plainly it is unavailable.
import test from 'ava';
import { GPU } from 'gpu.js';
import { createBackend } from '../../runtime/backend.js';

test('gpu.js itself silently picks WebAssembly for mode gpu in Node (the trap)', async (t) => {
  const gpu = new GPU({ mode: 'gpu' });
  t.is((gpu as unknown as { Kernel: { name: string } }).Kernel.name, 'WebAssemblyKernel');
  await gpu.destroy();
});

test("mode 'gpu' without WebGL says plainly it is unavailable and what gpu.js would run", (t) => {
  const error = t.throws(() => createBackend({ mode: 'gpu' }));
  t.is(
    error?.message,
    "backend `gpu` is not available here: no WebGL context (gpu.js would run WebAssembly instead); ask for mode 'webasm' or 'cpu'",
  );
});

for (const mode of ['webgl2', 'webgl'] as const) {
  test(`mode '${mode}' without WebGL says plainly it is unavailable`, (t) => {
    const error = t.throws(() => createBackend({ mode }));
    t.is(
      error?.message,
      `backend \`${mode}\` is not available here: no WebGL context; ask for mode 'webasm' or 'cpu'`,
    );
  });
}

for (const [mode, kernelClass] of [
  ['webasm', 'WebAssembly'],
  ['cpu', 'CPU'],
] as const) {
  test(`mode '${mode}' reports the kernel class ${kernelClass}, and a kernel runs on it`, async (t) => {
    const backend = createBackend({ mode, threads: false });
    t.teardown(() => backend.dispose());
    t.is(backend.mode, mode);
    t.is(backend.kernelClass, kernelClass);
    const kernel = backend.kernel(
      'double',
      function (this: { thread: { x: number } }, v: number[]) {
        return v[this.thread.x] * 2;
      },
      {},
      3,
    );
    t.is(kernel.kernel.constructor, (backend.gpu as unknown as { Kernel: () => void }).Kernel);
    t.deepEqual(Array.from((await kernel([1, 2, 3])) as Float32Array), [2, 4, 6]);
  });
}
