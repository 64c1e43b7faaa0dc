// The training infrastructure `cnnc train` is wired from: data loading, checkpoints, progress and
// the report. Each concept lives in its own file; this module only re-exports their entry points.
export { TrainError, describeError, type TrainResult } from './core/errors.js';
export type { Dataset, DataSplit } from './core/data/dataset.js';
export { loadTrainingData } from './io/data/load.js';
export { batchCount, batches, type Batch, type PartialBatch } from './core/data/batches.js';
export { epochOrder, epochSeed, seededPermutation } from './core/data/shuffle.js';
export { DEFAULT_TEST_FRACTION, splitDataset, type SplitOptions } from './core/data/split.js';
export type { EpochMetrics } from './core/history.js';
export type { CheckpointState, JsonValue } from './core/checkpoint-format.js';
export {
  CHECKPOINT_FILE,
  PREVIOUS_CHECKPOINT_FILE,
  checkpointPaths,
  loadCheckpoint,
  readCheckpoint,
  saveCheckpoint,
  saveWeights,
  type LoadedCheckpoint,
} from './io/checkpoint.js';
export {
  createProgress,
  type Progress,
  type ProgressOptions,
  type StepReport,
} from './io/progress.js';
export {
  addToConfusion,
  addScoresToConfusion,
  confusionMatrix,
  emptyConfusion,
  type ConfusionMatrix,
} from './core/confusion.js';
export {
  packOptimizerState,
  unpackOptimizerState,
  type ParameterInfo,
} from './core/optimizer-state.js';
export {
  createResumableRng,
  parseRngState,
  type ResumableRng,
  type RngState,
} from './core/rng-state.js';
export { renderReport, type ReportInput } from './core/report.js';
export { writeReport } from './io/write-report.js';
export { augmentBatch, type Augmentation } from './core/augment.js';
export { earlyStopStep, type EarlyStopDecision, type EarlyStopState } from './core/early-stop.js';
export { channelStatistics, MIN_STD, type ChannelStatistics } from './core/adapt.js';
