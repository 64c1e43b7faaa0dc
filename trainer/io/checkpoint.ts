// Saving and resuming training runs. A run directory holds `checkpoint.safetensors` (the latest)
// and `checkpoint.prev.safetensors` (the one before). Saving is atomic and never touches the latest
// file until the new one is complete on disk, so a killed run loses at most the current epoch;
// loading verifies the latest file and falls back to the previous one, with a warning, if it is
// truncated or corrupt.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeSafetensors, type NamedTensor } from '../../runtime/safetensors.js';
import { atomicWrite, preserveAsPrevious } from './atomic-write.js';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  type CheckpointState,
} from '../core/checkpoint-format.js';
import { readDataFile } from './data/read-file.js';
import { catchTrainError, trainFail, type TrainResult } from '../core/errors.js';

/** File name of the latest checkpoint inside a run directory. */
export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** File name of the previous checkpoint inside a run directory. */
export const PREVIOUS_CHECKPOINT_FILE = 'checkpoint.prev.safetensors';

/** The latest and previous checkpoint paths for a run directory or a checkpoint file path. */
export function checkpointPaths(location: string): { latest: string; previous: string } {
  const isFile = location.endsWith('.safetensors') && !isDirectory(location);
  if (!isFile) {
    return {
      latest: join(location, CHECKPOINT_FILE),
      previous: join(location, PREVIOUS_CHECKPOINT_FILE),
    };
  }
  const stem = basename(location).replace(/\.safetensors$/, '');
  return { latest: location, previous: join(dirname(location), `${stem}.prev.safetensors`) };
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Reads and verifies one checkpoint file; the message names the file and the problem. */
export function readCheckpoint(path: string): TrainResult<CheckpointState> {
  // Checkpoints of large models pass 1 GiB; a Uint8Array holds at most 2^32 bytes.
  const result = catchTrainError(() => decodeCheckpoint(readDataFile(path, 2 ** 32 - 2)));
  if (result.ok) return result;
  const named = result.message.startsWith(`${path}: `);
  return { ok: false, message: named ? result.message : `${path}: ${result.message}` };
}

/**
 * Saves `state` to `location` (a run directory, or a `.safetensors` path). The current latest
 * checkpoint, if it verifies, is kept as the previous one first; a damaged latest file is not
 * rotated, so a good previous checkpoint is never replaced by a bad one.
 */
export function saveCheckpoint(
  location: string,
  state: CheckpointState,
): TrainResult<{ path: string }> {
  return catchTrainError(() => {
    const { latest, previous } = checkpointPaths(location);
    const bytes = encodeCheckpoint(state);
    if (existsSync(latest) && readCheckpoint(latest).ok) preserveAsPrevious(latest, previous);
    atomicWrite(latest, bytes);
    return { path: latest };
  });
}

/** A checkpoint found by `loadCheckpoint`: its state, the file it came from, and any warnings. */
export interface LoadedCheckpoint {
  state: CheckpointState;
  path: string;
  /** One line per problem met on the way, e.g. a corrupt latest checkpoint that was skipped. */
  warnings: string[];
}

/**
 * Loads the newest usable checkpoint at `location` (a run directory or a checkpoint file): the
 * latest if it verifies, otherwise the previous one with a warning naming the latest's problem.
 * Fails with both reasons if neither is usable.
 */
export function loadCheckpoint(location: string): TrainResult<LoadedCheckpoint> {
  const { latest, previous } = checkpointPaths(location);
  if (!existsSync(latest) && !existsSync(previous)) {
    return { ok: false, message: `no checkpoint found at ${location} (looked for ${latest})` };
  }
  const first = existsSync(latest)
    ? readCheckpoint(latest)
    : { ok: false as const, message: `${latest}: missing` };
  if (first.ok) return { ok: true, value: { state: first.value, path: latest, warnings: [] } };
  const second = existsSync(previous)
    ? readCheckpoint(previous)
    : { ok: false as const, message: `${previous}: missing` };
  if (!second.ok) {
    return { ok: false, message: `no usable checkpoint: ${first.message}; ${second.message}` };
  }
  const warning =
    `checkpoint ${first.message}; resuming from the previous checkpoint ${previous} ` +
    `(epoch ${second.value.epoch})`;
  return { ok: true, value: { state: second.value, path: previous, warnings: [warning] } };
}

/**
 * Writes plain model weights (no prefixes, no training state) atomically: the file the module
 * `cnnc build` emits loads as is. `metadata` goes into `__metadata__`.
 */
export function saveWeights(
  path: string,
  weights: Map<string, NamedTensor>,
  metadata: Record<string, string> = {},
): TrainResult<{ path: string }> {
  return catchTrainError(() => {
    if (weights.size === 0) trainFail(`${path}: no weights to write`);
    atomicWrite(path, writeSafetensors(weights, metadata));
    return { path };
  });
}
