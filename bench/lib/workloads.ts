// The workloads of `npm run bench` (issue 11): which model, forward or training step, which batch.

/** The architectures the benchmark knows how to build in every engine. */
export type Architecture = 'lenet5' | 'resnet18' | 'resnet50' | 'mobilenet_v2' | 'conv64';

export interface Workload {
  /** Stable id, also the `--only` key: `resnet18-b1`, `lenet5-train-b64`, … */
  id: string;
  /** Human-readable label of the table's first column. */
  label: string;
  arch: Architecture;
  /** The .cnn file, relative to the repository root. */
  file: string;
  kind: 'forward' | 'train';
  batch: number;
}

const FILES: Record<Architecture, string> = {
  lenet5: 'examples/lenet5.cnn',
  resnet18: 'examples/resnet18.cnn',
  resnet50: 'examples/resnet50.cnn',
  mobilenet_v2: 'examples/mobilenet_v2.cnn',
  conv64: 'bench/models/conv64.cnn',
};

const NAMES: Record<Architecture, string> = {
  lenet5: 'LeNet-5',
  resnet18: 'ResNet-18',
  resnet50: 'ResNet-50',
  mobilenet_v2: 'MobileNet-v2',
  conv64: 'conv 64→64 3×3 on 56²',
};

function workload(arch: Architecture, kind: 'forward' | 'train', batch: number): Workload {
  const id = `${arch}-${kind === 'train' ? 'train-' : ''}b${batch}`;
  const label = `${NAMES[arch]} ${kind === 'train' ? 'training step' : 'forward'}, batch ${batch}`;
  return { id, label, arch, file: FILES[arch], kind, batch };
}

/** Every workload of the issue, in table order. */
export const WORKLOADS: readonly Workload[] = [
  workload('resnet18', 'forward', 1),
  workload('resnet18', 'forward', 8),
  workload('resnet50', 'forward', 1),
  workload('resnet50', 'forward', 8),
  workload('mobilenet_v2', 'forward', 1),
  workload('lenet5', 'forward', 64),
  workload('lenet5', 'train', 64),
  workload('resnet18', 'train', 8),
  workload('conv64', 'forward', 1),
];

/**
 * The workloads `--only` selects: each key matches a workload id exactly, or every workload whose
 * id starts with `key-` (`resnet18` selects ResNet-18's forward and training workloads).
 */
export function selectWorkloads(only: readonly string[] | null): Workload[] {
  if (only === null) return [...WORKLOADS];
  const unknown = only.filter(
    (key) => !WORKLOADS.some((w) => w.id === key || w.id.startsWith(`${key}-`)),
  );
  if (unknown.length > 0) {
    const known = [...new Set(WORKLOADS.flatMap((w) => [w.arch, w.id]))].join(', ');
    throw new Error(`unknown workload ${unknown.join(', ')} (known: ${known})`);
  }
  return WORKLOADS.filter((w) => only.some((key) => w.id === key || w.id.startsWith(`${key}-`)));
}
