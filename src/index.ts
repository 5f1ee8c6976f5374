/**
 * segkit — segmentation losses and metrics. This entry point is the dependency-free core: it runs unchanged in
 * Node and in browsers. TensorFlow.js adapters live in `segkit/tfjs`, file readers in `segkit/io`.
 * @packageDocumentation
 */
export type { NdArray, NumericArray, Layout, BatchGeometry } from './core/types.js';
export type { Loss, Metric, ValueAndGrad, GradOptions, LossFactory, MetricFactory } from './core/loss.js';
export * from './core/losses/index.js';
export * from './core/metrics/index.js';
export * from './core/weights/index.js';
export * from './core/evaluation/index.js';
export {
  kernelBackend,
  setRelaxedSimd,
  type KernelBackend,
  type KernelModules,
  type ModuleBackend,
} from './core/backend.js';
