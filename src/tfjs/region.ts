/**
 * The region scores of segmentation_models (F-score/Dice, IoU/Jaccard, precision, recall) in TF.js ops, and
 * the closed-form gradient of their losses.
 *
 * Every one of them is a score shape of the core's table (src/core/scores.ts), `score = num / den` with, per
 * image (or over the batch) and class, `num = a·tp + smooth`, `den = a·tp + wfp·fp + wfn·fn + smooth`
 * (tp = Σ gt·pr, fp = Σ pr − tp, fn = Σ gt − tp), computed by the table's own `ratioScoreOf` on tensors
 * (`tensorAlgebra`). Its closed-form derivative (the table's `ratioPartialsOf` and `countCoefficientsOf`) is
 * affine in `gt` per class and image, `∂score/∂pr = A·gt + B`, so the gradient is one pass over `gt` once the
 * small per-class sums are known (no `dataSync`, everything stays on the backend).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkClassWeights, selectedChannels, type ResolvedRegionOptions } from '../core/options.js';
import { checkTensors, gatherChannels, scatterChannels, type TensorGeometry } from './input.js';
import {
  type ScoreShape,
  type TermReductionConfig,
  countCoefficientsOf,
  ratioPartialsOf,
  ratioScoreOf,
  reduceTermsOf,
  scoreLossDerivative,
  scoreLossOf,
} from '../core/scores.js';
import { tensorAlgebra as T } from './family/tensorAlgebra.js';

/** A region score of one batch, before and after sm's averaging. */
export interface TensorRegionResult {
  /** Scores of all channels, `[Nk, 1, C]` or `[Nk, C, 1]` (Nk = N per image, else 1). */
  score: tf.Tensor3D;
  /** Their numerators and denominators, same shape. */
  num: tf.Tensor3D;
  den: tf.Tensor3D;
  /**
   * sm's `average`: mean over images, times the class weights, mean over the selected classes
   * (`1 − loss`).
   */
  value: tf.Scalar;
  /**
   * The loss `1 − value`, reduced by the core's table (`reduceTermsOf` in its `'score'` class-weight mode: the
   * weights act on the scores, as sm's).
   */
  loss: tf.Scalar;
  /** The reduction's scale `1/(C'·Nk)`: ∂loss/∂term of each selected (image, class). */
  scale: tf.Tensor | number;
}

/** The reduction of sm's scores in the core's table: mean over the (image, class) terms, weights on the scores. */
const SM_REDUCTION: TermReductionConfig = { reduction: 'mean', classWeightMode: 'score' };

/** What a region loss or metric needs besides the tensors. */
export interface RegionCall {
  fn: string;
  /** The score's shape in the core's table. */
  shape: ScoreShape;
  options: ResolvedRegionOptions;
}

/** Validates the tensors against the options; returns the geometry and the selected channels. */
export function checkRegionCall(
  call: RegionCall,
  yTrue: unknown,
  yPred: unknown,
): { geo: TensorGeometry; channels: number[] } {
  const { fn, options } = call;
  const geo = checkTensors(fn, yTrue, yPred, options.layout);
  const channels = selectedChannels(fn, options.classIndexes, geo.channels);
  checkClassWeights(fn, options.classWeights, channels.length);
  return { geo, channels };
}

/** Σ of the class weights. */
function sumOf(w: Float64Array): number {
  let s = 0;
  for (const v of w) s += v;
  return s;
}

/** The class weights as a tensor broadcasting along the channel axis of `[., 1, C']` / `[., C', 1]`. */
function weightTensor(w: number | Float64Array, geo: TensorGeometry): tf.Tensor | number {
  if (typeof w === 'number') return w;
  return tf.tensor3d(Float32Array.from(w), geo.channelAxis === 2 ? [1, 1, w.length] : [1, w.length, 1]);
}

/**
 * Per-class sums over the pixels (and the images unless `perImage`), keeping the 3-D shape
 * (`[Nk, 1, C]` / `[Nk, C, 1]`). On the `cpu` backend, channels-last sums are a product with a row of ones
 * (its reduction over a non-inner axis transposes in JavaScript first, several times slower); elsewhere a
 * plain `sum` (a ones-row product would make wasm repack the data and WebGL loop serially).
 */
export function pixelSums(x: tf.Tensor3D, geo: TensorGeometry, perImage: boolean): tf.Tensor3D {
  if (geo.layout === 'channelsLast' && tf.getBackend() === 'cpu') {
    const [n, p, c] = geo.shape3;
    if (perImage) return tf.matMul(tf.ones([n, 1, p]), x);
    return tf.reshape(tf.matMul(tf.ones([1, n * p]), tf.reshape(x, [n * p, c])), [1, 1, c]);
  }
  return tf.sum(x, perImage ? [geo.pixelAxis] : [0, geo.pixelAxis], true) as tf.Tensor3D;
}

/**
 * The score of `gt3` against `pr3` (3-D views, float32) as sm computes it (`threshold` applied here when
 * set).
 */
export function regionForward(
  call: RegionCall,
  gt3: tf.Tensor3D,
  pr3: tf.Tensor3D,
  geo: TensorGeometry,
  channels: readonly number[],
): TensorRegionResult {
  const { shape, options } = call;
  const p = options.threshold === undefined ? pr3 : tf.cast(tf.greater(pr3, options.threshold), 'float32');
  const sums = (x: tf.Tensor) => pixelSums(x as tf.Tensor3D, geo, options.perImage);
  const tp = sums(tf.mul(gt3, p));
  // A side whose weight is 0 is never read by the table (precision reads no fn, recall no fp): not summed.
  const fp = shape.wfp !== 0 ? tf.sub(sums(p), tp) : tp;
  const fn = shape.wfn !== 0 ? tf.sub(sums(gt3), tp) : tp;
  const parts = ratioScoreOf(T, shape, tp, fp, fn, options.smooth, options.smooth);
  const score = parts.s as tf.Tensor3D;
  const selected = gatherChannels(score, channels, geo);
  // The table's class terms w·(1 − s) (sm: no log loss, no focal power, no empty-class rule) and its reduction
  // over the Nk·C' (image, class) terms: Σ w(1 − s)/count + 1 − Σw/count = 1 − mean(w·s).
  const w = options.classWeights;
  const terms = tf.mul(scoreLossOf(T, selected, false, 0), weightTensor(w, geo));
  const count = selected.size;
  const wsum = (count / channels.length) * (typeof w === 'number' ? w * channels.length : sumOf(w));
  const r = reduceTermsOf(T, tf.sum(terms), tf.scalar(count), tf.scalar(wsum), SM_REDUCTION, 1);
  const loss = r.value as tf.Scalar;
  return {
    score,
    num: parts.num as tf.Tensor3D,
    den: parts.den as tf.Tensor3D,
    value: tf.sub(1, loss) as tf.Scalar,
    loss,
    scale: r.scale,
  };
}

/**
 * The gradient of `1 − value` with respect to `pr` as `A·gt + B`, with `A`, `B` per image (or batch) and
 * class, zero on the unselected channels; shapes as `score`.
 */
export function lossCoefficients(
  call: RegionCall,
  r: TensorRegionResult,
  geo: TensorGeometry,
  channels: readonly number[],
): { A: tf.Tensor3D; B: tf.Tensor3D } {
  const { shape, options } = call;
  // ∂loss/∂score = reduction scale · w_c · ℓ'(s) (ℓ = 1 − s: the table's scoreLossDerivative, −1), i.e.
  // −w_c / (C'·Nk) on the selected channels; ∂score/∂(tp, fp, fn) from the table.
  const k = tf.mul(
    weightTensor(options.classWeights, geo),
    tf.mul(r.scale, scoreLossDerivative(0, false, 0)),
  );
  const pick = (x: tf.Tensor3D) => gatherChannels(x, channels, geo);
  const [dtp, dfp, dfn] = ratioPartialsOf(T, shape, {
    num: pick(r.num),
    den: pick(r.den),
    s: pick(r.score),
    clamped: null,
  });
  const [a, b] = countCoefficientsOf(T, dtp, dfp, dfn);
  const A = tf.mul(k, a) as tf.Tensor3D;
  const B = tf.mul(k, b) as tf.Tensor3D;
  return { A: scatterChannels(A, channels, geo), B: scatterChannels(B, channels, geo) };
}

/**
 * `dy·(A·gt + B)` as a 3-D tensor. Over the whole batch in channels-last layout this is one fused matrix
 * product `gt · diag(dy·A) + dy·B` (one pass on every backend); otherwise a broadcast multiply-add.
 */
export function affineInGt(
  gt3: tf.Tensor3D,
  A: tf.Tensor3D,
  B: tf.Tensor3D,
  dy: tf.Tensor,
  geo: TensorGeometry,
): tf.Tensor3D {
  if (geo.layout === 'channelsLast' && A.shape[0] === 1) {
    const C = geo.channels;
    // The wasm kernel reads the bias rank from its buffer, so the bias must be computed as 1-D, not reshaped.
    const g = tf.fused.matMul({
      a: tf.reshape(gt3, [-1, C]),
      b: tf.diag(tf.mul(tf.reshape(A, [C]), dy)) as tf.Tensor2D,
      bias: tf.mul(tf.reshape(B, [C]), dy),
    });
    return tf.reshape(g, geo.shape3);
  }
  return tf.add(tf.mul(gt3, tf.mul(A, dy)), tf.mul(B, dy)) as tf.Tensor3D;
}
