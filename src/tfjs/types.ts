/**
 * The contracts of `segkit/tfjs`: a loss or metric is a plain TF.js function `(yTrue, yPred) => Scalar`,
 * usable wherever TF.js takes one (`model.compile({ loss, metrics })`, custom loops), whose `name` is the
 * Keras-style name segmentation_models gives it.
 * @module
 */
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';

/**
 * A TF.js metric: `(yTrue, yPred) => Scalar` with sm's Keras name, so `history.history` keys read
 * `iou_score`, `f1-score`, `precision`, `recall`.
 */
export interface TfMetric {
  /** The metric of one batch (ground truth first, as in Keras). */
  (yTrue: Tensor, yPred: Tensor): Scalar;
  /** Keras-style name (`iou_score`, `f1-score`, …). */
  readonly name: string;
}

/**
 * A TF.js loss: `(yTrue, yPred) => Scalar`, differentiable with respect to `yPred` (closed-form gradients
 * through `tf.customGrad`), with sm's algebra: `diceLoss.plus(categoricalFocalLoss.times(2))`.
 * `yTrue` is a constant, as labels are: no gradient flows into it.
 */
export interface TfLoss extends TfMetric {
  /** `this + other`, named `<this>_plus_<other>` as sm's `SumOfLosses`. */
  plus(other: TfLoss): TfLoss;
  /** `k · this`, named `<k><this>` as the core's `times`. */
  times(k: number): TfLoss;
}

/**
 * A loss factory that is also its own default instance, as in the core: `diceLoss({ beta: 2 })` returns a
 * configured loss (sm `DiceLoss(beta=2)`), `diceLoss` itself is sm's ready-made `dice_loss`
 * (`model.compile({ loss: diceLoss })`).
 */
export interface TfLossFactory<O> extends TfLoss {
  /** A loss with these options (validated now, with the core's messages). */
  (options?: O): TfLoss;
}

/** A metric factory that is also its own default instance (`metrics: [iouScore, fScore({ beta: 2 })]`). */
export interface TfMetricFactory<O> extends TfMetric {
  /** A metric with these options (validated now, with the core's messages). */
  (options?: O): TfMetric;
}
