// `cnnc build --target browser`: bundles a generated module, the runtime and gpu.js into
// self-contained ES modules a page loads with one `<script type="module">` (esbuild as a
// library): `<stem>.browser.js` (the model's exports plus `createInWorker`) and `<stem>.worker.js`
// (a module Web Worker that runs the model off the page's main thread).
import { build, type Plugin } from 'esbuild';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The two files of a browser build, as text. */
export interface BrowserBundle {
  /** `<stem>.browser.js`: the generated module's exports and `createInWorker(options)`. */
  main: string;
  /** `<stem>.worker.js`: the worker entry `createInWorker` starts. */
  worker: string;
}

/** The runtime's entry: `dist/runtime/index.js` when compiled, `runtime/index.ts` from sources. */
function runtimeEntry(file: string): string {
  for (const extension of ['.js', '.ts']) {
    const path = fileURLToPath(new URL(`../../runtime/${file}${extension}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`the cnnc runtime (${file}) is missing next to the compiler`);
}

// Node-only parts of gpu.js: the native `gl` binding, `os` and `worker_threads` (gpu.js probes
// them in try/catch and uses the browser's Worker instead), and gpu-mock.js (gpu.js's `dev` mode,
// which cnnc never asks for). They become empty modules, as in gpu.js's own browser build.
const EMPTY = new Set(['gl', 'os', 'worker_threads', 'gpu-mock.js']);

// gpu.js's WebGPU backend (62 KiB when fully minified): cnnc asks for it only with an explicit
// `mode: 'webgpu'`, never in `auto`, and browser bundles leave it out. Its modules become classes
// that say WebGPU is unsupported, so `mode: 'webgpu'` gets the runtime's plain "not available".
const WEBGPU_STUBS: Readonly<Record<string, string>> = {
  'kernel.js':
    "class WebGPUKernel { static get isSupported() { return false; } static isContextMatch() { return false; } static get mode() { return 'webgpu'; } }\nmodule.exports = { WebGPUKernel };",
  'context.js':
    'class WebGPUContext { static get isSupported() { return false; } }\nmodule.exports = { WebGPUContext };',
  'function-node.js': 'class WGSLFunctionNode {}\nmodule.exports = { WGSLFunctionNode };',
  'buffer-result.js': 'class WebGPUBufferResult {}\nmodule.exports = { WebGPUBufferResult };',
  'pipeline-executor.js':
    'class WebGPUPipelineExecutor {}\nmodule.exports = { WebGPUPipelineExecutor };',
};

/** Resolves the generated module, the runtime, and the empty Node-only modules. */
function cnncPlugin(code: string): Plugin {
  return {
    name: 'cnnc',
    setup(builder) {
      builder.onResolve({ filter: /^cnnc:model$/ }, () => ({
        path: 'model.ts',
        namespace: 'cnnc',
      }));
      builder.onResolve({ filter: /^cnnc\/runtime$/ }, () => ({ path: runtimeEntry('index') }));
      builder.onResolve({ filter: /^cnnc\/runtime\/worker$/ }, () => ({
        path: runtimeEntry('worker'),
      }));
      builder.onResolve({ filter: /^[\w.-]+$/ }, (args) =>
        EMPTY.has(args.path) ? { path: args.path, namespace: 'cnnc-empty' } : undefined,
      );
      builder.onLoad({ filter: /[\\/]gpu\.js[\\/]src[\\/]backend[\\/]web-gpu[\\/]/ }, (args) => {
        const stub = WEBGPU_STUBS[args.path.split(/[\\/]/).pop() ?? ''];
        return stub === undefined ? undefined : { contents: stub, loader: 'js' };
      });
      builder.onLoad({ filter: /.*/, namespace: 'cnnc' }, () => ({
        contents: code,
        loader: 'ts',
        resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      }));
      builder.onLoad({ filter: /.*/, namespace: 'cnnc-empty' }, (args) => ({
        contents:
          args.path === 'gpu-mock.js'
            ? "module.exports = { gpuMock() { throw new Error('gpu.js dev mode is not bundled'); } };"
            : 'module.exports = {};',
        loader: 'js',
      }));
    },
  };
}

async function bundle(entry: string, code: string): Promise<string> {
  const result = await build({
    stdin: { contents: entry, loader: 'js', resolveDir: process.cwd(), sourcefile: 'entry.js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // gpu.js's CommonJS sources, not its prebuilt browser bundle: that one also carries the
    // headless-gl and dev-mode code, and is not minified with the rest.
    mainFields: ['module', 'main'],
    // NOTE: whitespace only. gpu.js compiles kernels from their JavaScript source text, and its
    // translators reject what identifier and syntax minification make of it (`$` in names reach
    // GLSL as "invalid character", `!0` for `true`, `a && b()` for `if`).
    minifyWhitespace: true,
    legalComments: 'eof',
    logLevel: 'silent',
    plugins: [cnncPlugin(code)],
  });
  return result.outputFiles[0].text;
}

/**
 * Bundles `code` (a generated TypeScript module importing `cnnc/runtime`). `workerFile` is the
 * worker bundle's file name, which the main bundle resolves next to itself.
 */
export async function bundleBrowser(code: string, workerFile: string): Promise<BrowserBundle> {
  const workerUrl = JSON.stringify(`./${workerFile}`);
  const main = [
    "export * from 'cnnc:model';",
    "import { connectWorker } from 'cnnc/runtime/worker';",
    '/** Creates the model in a module Web Worker: the same async API, the page never blocks. */',
    'export function createInWorker(options = {}) {',
    `  const worker = new Worker(new URL(${workerUrl}, import.meta.url), { type: 'module' });`,
    '  return connectWorker(worker, options);',
    '}',
  ].join('\n');
  const worker = [
    "import * as model from 'cnnc:model';",
    "import { serveModel } from 'cnnc/runtime/worker';",
    'serveModel(model);',
  ].join('\n');
  return { main: await bundle(main, code), worker: await bundle(worker, code) };
}
