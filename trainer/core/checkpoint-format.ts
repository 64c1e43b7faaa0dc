// The bytes of a checkpoint: one safetensors file holding the model's weights and the optimizer's
// tensors, with everything else (epoch, step, history, RNG and optimizer scalars) as JSON strings
// in `__metadata__`, sealed by a SHA-256 checksum. docs/training.md describes the layout.
import { createHash } from 'node:crypto';
import { readSafetensors, writeSafetensors, type NamedTensor } from '../../runtime/safetensors.js';
import { trainFail } from './errors.js';
import { parseHistory, type EpochMetrics } from './history.js';

/** The value of `__metadata__.format` in every checkpoint. */
export const CHECKPOINT_FORMAT = 'cnnc-checkpoint';
/** The layout version this code writes and reads. */
export const CHECKPOINT_VERSION = '1';

/** Tensor-name prefixes: weights are `model/<name>`, optimizer tensors `optim/<name>`. */
const MODEL_PREFIX = 'model/';
const OPTIM_PREFIX = 'optim/';

/** A JSON value as stored in the metadata (RNG and optimizer scalars). */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Everything a run needs to continue exactly where it stopped. */
export interface CheckpointState {
  /** Completed epochs; a resumed run starts epoch `epoch + 1`. */
  epoch: number;
  /** Global optimizer steps taken so far. */
  step: number;
  /** Model parameters and buffers by name (e.g. `conv1.weight`), as the generated module names them. */
  weights: Map<string, NamedTensor>;
  /** Optimizer tensors by name (e.g. `exp_avg/conv1.weight`); empty for plain SGD. */
  optimizerTensors: Map<string, NamedTensor>;
  /** Optimizer name, hyper-parameters and scalar state (e.g. Adam's step count). */
  optimizer: { [key: string]: JsonValue };
  /** Per-epoch metrics so far, oldest first. */
  history: EpochMetrics[];
  /** RNG state (e.g. `{ seed, state }`) from which shuffling and dropout masks resume. */
  rng: { [key: string]: JsonValue };
  /** Free-form descriptive strings: model name, source file, data source. */
  info: Record<string, string>;
}

/** SHA-256 over the data section, then each metadata entry but `checksum` in sorted key order. */
function checksum(data: Uint8Array, metadata: Record<string, string>): string {
  const hash = createHash('sha256').update(data);
  for (const key of Object.keys(metadata).sort()) {
    if (key !== 'checksum') hash.update(`${key}\0${metadata[key]}\0`);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The data section of a safetensors file: the bytes after the 8-byte length and the header. */
function dataSection(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return bytes.subarray(8 + Number(view.getBigUint64(0, true)));
}

function prefixed(prefix: string, tensors: Map<string, NamedTensor>): [string, NamedTensor][] {
  return [...tensors].map(([name, tensor]) => [prefix + name, tensor]);
}

/** Serialises `state` as a checkpoint file (deterministic: same state, same bytes). */
export function encodeCheckpoint(state: CheckpointState): Uint8Array {
  const tensors = [
    ...prefixed(MODEL_PREFIX, state.weights),
    ...prefixed(OPTIM_PREFIX, state.optimizerTensors),
  ];
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    epoch: String(state.epoch),
    step: String(state.step),
    history: JSON.stringify(state.history),
    optimizer: JSON.stringify(state.optimizer),
    rng: JSON.stringify(state.rng),
    info: JSON.stringify(state.info),
  };
  // The data section does not depend on the metadata, so a first encoding yields its bytes.
  const data = dataSection(writeSafetensors(tensors, metadata));
  return writeSafetensors(tensors, { ...metadata, checksum: checksum(data, metadata) });
}

function parseJson(metadata: Record<string, string>, key: string): unknown {
  if (metadata[key] === undefined) trainFail(`missing \`__metadata__.${key}\``);
  try {
    return JSON.parse(metadata[key]);
  } catch {
    return trainFail(`\`__metadata__.${key}\` is not valid JSON`);
  }
}

function parseObject(metadata: Record<string, string>, key: string): { [key: string]: JsonValue } {
  const value = parseJson(metadata, key);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    trainFail(`\`__metadata__.${key}\` is not a JSON object`);
  }
  return value as { [key: string]: JsonValue };
}

function parseCount(metadata: Record<string, string>, key: string): number {
  const value = Number(metadata[key]);
  if (!/^\d+$/.test(metadata[key] ?? '') || !Number.isSafeInteger(value)) {
    trainFail(`\`__metadata__.${key}\` must be a non-negative integer, found ${metadata[key]}`);
  }
  return value;
}

/**
 * Parses and verifies a checkpoint file: the runtime's strict safetensors validation, then the
 * format marker and version, then the checksum, then each metadata field. Throws a `TrainError`
 * (or the runtime's `SafetensorsError`) whose message names the problem.
 */
export function decodeCheckpoint(bytes: Uint8Array): CheckpointState {
  const file = readSafetensors(bytes);
  const { metadata } = file;
  if (metadata.format !== CHECKPOINT_FORMAT) {
    trainFail(
      `not a cnnc checkpoint (\`__metadata__.format\` is ${JSON.stringify(metadata.format)})`,
    );
  }
  if (metadata.version !== CHECKPOINT_VERSION) {
    trainFail(
      `checkpoint layout version ${metadata.version} is not supported (expected ${CHECKPOINT_VERSION})`,
    );
  }
  const expected = checksum(dataSection(bytes), metadata);
  if (metadata.checksum !== expected) {
    trainFail(
      `checksum mismatch: the file says ${metadata.checksum ?? 'nothing'}, its contents give ${expected}`,
    );
  }
  const history = parseHistory(parseJson(metadata, 'history'));
  if (typeof history === 'string') trainFail(history);
  const weights = new Map<string, NamedTensor>();
  const optimizerTensors = new Map<string, NamedTensor>();
  for (const [name, tensor] of file.tensors) {
    if (name.startsWith(MODEL_PREFIX)) weights.set(name.slice(MODEL_PREFIX.length), tensor);
    else if (name.startsWith(OPTIM_PREFIX))
      optimizerTensors.set(name.slice(OPTIM_PREFIX.length), tensor);
    else trainFail(`tensor \`${name}\` is neither \`model/…\` nor \`optim/…\``);
  }
  const info = parseObject(metadata, 'info');
  return {
    epoch: parseCount(metadata, 'epoch'),
    step: parseCount(metadata, 'step'),
    weights,
    optimizerTensors,
    optimizer: parseObject(metadata, 'optimizer'),
    history,
    rng: parseObject(metadata, 'rng'),
    info: Object.fromEntries(Object.entries(info).map(([key, value]) => [key, String(value)])),
  };
}
