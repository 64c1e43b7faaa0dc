// Command-line options of `npm run bench -- [options]`. Pure: turns argv into options or one
// error line, so the harness never prints a stack trace for a typo.

export interface BenchOptions {
  /** `--only a,b`: workload ids or architectures; null for all. */
  only: string[] | null;
  /** `--engines a,b`: engine ids; null for all. */
  engines: string[] | null;
  /** `--repeats N`: timed repetitions after the warm-up (at most; see `budgetSeconds`). */
  repeats: number;
  /** `--budget S`: timed seconds per engine × workload; slower cells run fewer repeats (≥ 1). */
  budgetSeconds: number;
  /** `--timeout S`: a child still running after S seconds is killed and reported. */
  timeoutSeconds: number;
  /** `--threads N`: threads for the engines that take a count (ONNX Runtime, PyTorch, cnnc wasm). */
  threads: number;
  /** `--all`: also run the cells skipped by default because they take minutes. */
  all: boolean;
  /** `--no-compile-time`: skip timing `cnnc build` of ResNet-50. */
  compileTime: boolean;
  /** `--out DIR`: where `<date>.json` and `latest.md` go. */
  outDir: string;
  /** `--render FILE.json`: rewrite `latest.md` from a saved run instead of measuring. */
  render: string | null;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [--only W,…] [--engines E,…] [--repeats N] [--budget S]
                        [--timeout S] [--threads N] [--all] [--no-compile-time] [--out DIR]
                        [--render FILE.json]
  --only       workloads by id (resnet18-b1, lenet5-train-b64, …) or architecture (resnet18)
  --engines    cnnc-wasm, cnnc-gpujs, tfjs-wasm, tfjs-cpu, ort, pytorch
  --repeats    timed repetitions after one warm-up (default 10)
  --budget     timed seconds per engine × workload: slow cells repeat fewer times (default 6)
  --timeout    seconds before a child is killed (default 300)
  --threads    threads of ONNX Runtime, PyTorch and cnnc's wasm target (default 2)
  --all        also run the cells skipped by default (gpu.js and tfjs-cpu on the largest ones)
  --out        where <date>.json and latest.md go (default bench/results)
  --render     rewrite latest.md (and print it) from a saved <date>.json, measuring nothing`;

export type ParseResult = { ok: true; options: BenchOptions } | { ok: false; error: string };

const DEFAULTS: BenchOptions = {
  only: null,
  engines: null,
  repeats: 10,
  budgetSeconds: 6,
  timeoutSeconds: 300,
  threads: 2,
  all: false,
  compileTime: true,
  outDir: 'bench/results',
  render: null,
  help: false,
};

/** Parses `argv` (without node and the script); `--name value` and `--name=value` both work. */
export function parseBenchArgs(argv: readonly string[]): ParseResult {
  const options: BenchOptions = { ...DEFAULTS };
  for (let idx = 0; idx < argv.length; idx++) {
    const arg = argv[idx];
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const inline = eq >= 0 ? arg.slice(eq + 1) : null;
    const value = (): string | null => inline ?? argv[++idx] ?? null;
    switch (name) {
      case '--help':
      case '-h':
        options.help = true;
        break;
      case '--all':
        options.all = true;
        break;
      case '--no-compile-time':
        options.compileTime = false;
        break;
      case '--only':
      case '--engines': {
        const list = splitList(value());
        if (list === null) return { ok: false, error: `${name} needs a comma-separated list` };
        if (name === '--only') options.only = list;
        else options.engines = list;
        break;
      }
      case '--repeats':
      case '--threads': {
        const count = positiveInteger(value());
        if (count === null) return { ok: false, error: `${name} needs a positive integer` };
        if (name === '--repeats') options.repeats = count;
        else options.threads = count;
        break;
      }
      case '--budget':
      case '--timeout': {
        const seconds = Number(value());
        if (!Number.isFinite(seconds) || seconds <= 0) {
          return { ok: false, error: `${name} needs a positive number of seconds` };
        }
        if (name === '--budget') options.budgetSeconds = seconds;
        else options.timeoutSeconds = seconds;
        break;
      }
      case '--out':
      case '--render': {
        const path = value();
        if (path === null || path === '') return { ok: false, error: `${name} needs a path` };
        if (name === '--out') options.outDir = path;
        else options.render = path;
        break;
      }
      default:
        return { ok: false, error: `unknown option ${arg} (npm run bench -- --help)` };
    }
  }
  return { ok: true, options };
}

function splitList(text: string | null): string[] | null {
  if (text === null) return null;
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length > 0 ? items : null;
}

function positiveInteger(text: string | null): number | null {
  if (text === null || !/^[0-9]+$/.test(text)) return null;
  const count = Number(text);
  return count >= 1 ? count : null;
}
