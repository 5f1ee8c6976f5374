/**
 * segkit/tfjs — segkit's losses and metrics as TensorFlow.js loss and metric functions
 * `(yTrue, yPred) => Scalar`, with the same factories, options and Keras names as the core (and
 * segmentation_models), closed-form gradients through `tf.customGrad`, for `model.compile`, `fit` and custom
 * loops. Needs `@tensorflow/tfjs-core` (a peer dependency); the core `segkit` entry does not.
 * @packageDocumentation
 */
export type { TfLoss, TfMetric, TfLossFactory, TfMetricFactory } from './types.js';
export type { RegionOptions, FocalOptions, CrossentropyOptions } from '../core/options.js';
export type { DiceLossOptions } from '../core/losses/diceLoss.js';
export type { JaccardLossOptions } from '../core/losses/jaccardLoss.js';
export type { IouOptions } from '../core/metrics/iouScore.js';
export type { BinaryFocalOptions } from '../core/losses/binaryFocalLoss.js';
export type { BinaryCrossentropyOptions } from '../core/losses/binaryCrossentropy.js';
export { diceLoss, jaccardLoss } from './regionLoss.js';
export { fScore, iouScore, precision, recall } from './metrics.js';
export { categoricalFocalLoss, binaryFocalLoss } from './focal.js';
export { categoricalCrossentropy, binaryCrossentropy } from './crossentropy.js';
export {
  bceDiceLoss,
  bceJaccardLoss,
  cceDiceLoss,
  cceJaccardLoss,
  binaryFocalDiceLoss,
  binaryFocalJaccardLoss,
  categoricalFocalDiceLoss,
  categoricalFocalJaccardLoss,
} from './presets.js';
export { registerWasmTrainingKernels } from './wasmTraining.js';
export * from './family/index.js';
