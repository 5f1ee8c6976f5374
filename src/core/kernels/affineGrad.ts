/**
 * Second pass of the region losses: the gradient of sm's Dice / Jaccard (and of the soft F-score, IoU,
 * precision, recall) is affine in `gt` per class and group, `grad = a·gt + b`, so this pass reads only `gt`
 * and writes `grad`. Strided like {@link ./regionStats.ts}; does not validate or allocate.
 *
 * Coefficients come in pairs: channel k of the run uses `a = coef[at + 2k]`, `b = coef[at + 2k + 1]`.
 * @module
 */
import { BLOCK_PIXELS, type FloatArray } from './regionStats.js';

/** One channel at `i` for `i = start; i < end; i += step`. */
export function affine1(
  gt: FloatArray,
  grad: Float32Array,
  start: number,
  end: number,
  step: number,
  coef: Float64Array,
  at: number,
): void {
  const a = coef[at],
    b = coef[at + 1];
  for (let i = start; i < end; i += step) grad[i] = a * gt[i] + b;
}

/** Two adjacent channels at `i, i + 1`. */
export function affine2(
  gt: FloatArray,
  grad: Float32Array,
  start: number,
  end: number,
  step: number,
  coef: Float64Array,
  at: number,
): void {
  const a0 = coef[at],
    b0 = coef[at + 1],
    a1 = coef[at + 2],
    b1 = coef[at + 3];
  for (let i = start; i < end; i += step) {
    grad[i] = a0 * gt[i] + b0;
    grad[i + 1] = a1 * gt[i + 1] + b1;
  }
}

/** Three adjacent channels at `i … i + 2`. */
export function affine3(
  gt: FloatArray,
  grad: Float32Array,
  start: number,
  end: number,
  step: number,
  coef: Float64Array,
  at: number,
): void {
  const a0 = coef[at],
    b0 = coef[at + 1],
    a1 = coef[at + 2],
    b1 = coef[at + 3],
    a2 = coef[at + 4],
    b2 = coef[at + 5];
  for (let i = start; i < end; i += step) {
    grad[i] = a0 * gt[i] + b0;
    grad[i + 1] = a1 * gt[i + 1] + b1;
    grad[i + 2] = a2 * gt[i + 2] + b2;
  }
}

/** Four adjacent channels at `i … i + 3`. */
export function affine4(
  gt: FloatArray,
  grad: Float32Array,
  start: number,
  end: number,
  step: number,
  coef: Float64Array,
  at: number,
): void {
  const a0 = coef[at],
    b0 = coef[at + 1],
    a1 = coef[at + 2],
    b1 = coef[at + 3],
    a2 = coef[at + 4],
    b2 = coef[at + 5],
    a3 = coef[at + 6],
    b3 = coef[at + 7];
  for (let i = start; i < end; i += step) {
    grad[i] = a0 * gt[i] + b0;
    grad[i + 1] = a1 * gt[i + 1] + b1;
    grad[i + 2] = a2 * gt[i + 2] + b2;
    grad[i + 3] = a3 * gt[i + 3] + b3;
  }
}

/**
 * Writes `count` adjacent channels with the widest kernels (4 + 4 + … + remainder), block by block of
 * pixels when count > 4, as `sumsAdjacent`.
 */
export function affineAdjacent(
  gt: FloatArray,
  grad: Float32Array,
  start: number,
  end: number,
  step: number,
  count: number,
  coef: Float64Array,
  at: number,
): void {
  const block = count > 4 ? BLOCK_PIXELS * step : end - start;
  for (let s = start; s < end; s += block) {
    const e = Math.min(s + block, end);
    let k = 0;
    for (; k + 4 <= count; k += 4) affine4(gt, grad, s + k, e + k, step, coef, at + 2 * k);
    const rest = count - k;
    if (rest === 3) affine3(gt, grad, s + k, e + k, step, coef, at + 2 * k);
    else if (rest === 2) affine2(gt, grad, s + k, e + k, step, coef, at + 2 * k);
    else if (rest === 1) affine1(gt, grad, s + k, e + k, step, coef, at + 2 * k);
  }
}
