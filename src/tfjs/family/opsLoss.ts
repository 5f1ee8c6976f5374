/**
 * Loss-family factories of segkit/tfjs that pick their path by backend: on `cpu` / `wasm` the core's kernels on
 * the tensors' data (`../fromCore.ts`, faster there), elsewhere (`webgl`, `webgpu`, …) TF.js ops with nothing
 * read back. The core factory always runs first: it validates the options with the core's messages and names
 * the loss.
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Loss } from '../../core/loss.js';
import { defineTfLoss, lossFactory } from '../compose.js';
import { lossOnData, onHostBackend } from '../fromCore.js';
import type { TfLoss, TfLossFactory } from '../types.js';

/** A loss in TF.js ops: `(yTrue, yPred) => Scalar`, differentiable in `yPred`, no read-back. */
export type OpsLossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** A TF.js loss running `core` on host backends and `ops` elsewhere, named as the core names it. */
export function tfLossByBackend(core: Loss, ops: OpsLossFn): TfLoss {
  return defineTfLoss(core.name, (yTrue, yPred) =>
    onHostBackend() ? lossOnData(core, yTrue, yPred) : ops(yTrue, yPred),
  );
}

/**
 * A TF.js loss factory over a core factory `make` and an op-path builder `ops` (given the options the core
 * accepted).
 */
export function tfFactoryByBackend<O>(
  make: (options?: O) => Loss,
  ops: (options: O | undefined) => OpsLossFn,
): TfLossFactory<O> {
  return lossFactory((options?: O) => tfLossByBackend(make(options), ops(options)));
}
