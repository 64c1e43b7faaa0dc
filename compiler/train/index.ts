// The training infrastructure `cnnc train` is wired from: data loading, checkpoints, progress and
// the report. Each concept lives in its own file; this module only re-exports their entry points.
export { TrainError, describeError, type TrainResult } from './errors.js';
export type { Dataset, DataSplit } from './data/dataset.js';
export { loadTrainingData } from './data/load.js';
export { batchCount, batches, type Batch, type PartialBatch } from './data/batches.js';
export { epochOrder, epochSeed, seededPermutation } from './data/shuffle.js';
export { DEFAULT_TEST_FRACTION, splitDataset, type SplitOptions } from './data/split.js';
export type { EpochMetrics } from './history.js';
export type { CheckpointState, JsonValue } from './checkpoint-format.js';
export {
  CHECKPOINT_FILE,
  PREVIOUS_CHECKPOINT_FILE,
  checkpointPaths,
  loadCheckpoint,
  readCheckpoint,
  saveCheckpoint,
  saveWeights,
  type LoadedCheckpoint,
} from './checkpoint.js';
export {
  createProgress,
  type Progress,
  type ProgressOptions,
  type StepReport,
} from './progress.js';
export {
  addToConfusion,
  addScoresToConfusion,
  confusionMatrix,
  emptyConfusion,
  type ConfusionMatrix,
} from './confusion.js';
export { packOptimizerState, unpackOptimizerState, type ParameterInfo } from './optimizer-state.js';
export {
  createResumableRng,
  parseRngState,
  type ResumableRng,
  type RngState,
} from './rng-state.js';
export { renderReport, writeReport, type ReportInput } from './report.js';
export { augmentBatch, type Augmentation } from './augment.js';
export { earlyStopStep, type EarlyStopDecision, type EarlyStopState } from './early-stop.js';
export { channelStatistics, MIN_STD, type ChannelStatistics } from './adapt.js';
