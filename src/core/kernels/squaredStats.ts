/**
 * The JS kernels of the region statistics stage in the squared (V-Net) counting form
 * (`src/core/family/denseStats.ts`), from probabilities or from float32 logits with a sigmoid: pass 1 adds, per
 * channel of a strided run, Σ p·g, Σ p², Σ g² and Σ g (the last tells empty classes); pass 2 writes
 * ∂L/∂p = a·g + b·p in float64, rounded once to float32, or through the sigmoid (a·g + b·p)·(p·(1 − p)).
 * The coefficients come from the score table (`countCoefficientsOf` of `src/core/scores.ts`: a = A, b = 2B for
 * the squared form's ∂P/∂p = 2p). From logits, p = σ(x) rounded to float32 as in `sigmoidStats.ts` (stored in
 * pass 1 when asked, read back or computed again in pass 2). `regionWasm.ts` runs the same passes in
 * WebAssembly SIMD on runs of whole float32 pixels (the same float64 gradient arithmetic); these loops run the
 * rest. Strided and additive: channel k of the run goes to `out[at + 4k]` (Σ p·g), `+ 1` (Σ p²), `+ 2` (Σ g²),
 * `+ 3` (Σ g).
 * @module
 */
import { numberAlgebra } from '../algebra.js';
import type { FloatArray } from './regionStats.js';
import type { SigmoidPass, StridedRun } from './sigmoidStats.js';

const sigmoid = numberAlgebra.sigmoid;

/**
 * Pass 1 over a strided run: adds Σ p·g, Σ p², Σ g², Σ g of the run's channel k to `out[at + 4k]` … `+ 3`, with
 * p = pr[i], or with `pass` p = σ(pass.x[i]) rounded to float32 (pr is then the logits; `pass.bad` tracks bad
 * logits and p goes to `pass.store`). Widens `range` = [min, max] to the p values read unless it is empty.
 * @example // gt [1, 0.5], pr [0.5, 1]: out = [1, 1.25, 1.25, 1.5]
 * squaredSums(new Float32Array([1, 0.5]), new Float32Array([0.5, 1]), { start: 0, end: 2, step: 1, count: 1 }, out, 0, NO_RANGE)
 */
export function squaredSums(
  gt: FloatArray,
  pr: FloatArray,
  run: StridedRun,
  out: Float64Array,
  at: number,
  range: Float64Array,
  pass?: SigmoidPass,
): void {
  const { start, end, step, count } = run;
  const store = pass?.store;
  const check = range.length !== 0;
  let lo = check ? range[0] : 0;
  let hi = check ? range[1] : 0;
  let bad = 0;
  for (let k = 0; k < count; k++) {
    let t = 0;
    let pp = 0;
    let gg = 0;
    let sg = 0;
    for (let i = start + k; i < end; i += step) {
      let p = pr[i];
      if (pass !== undefined) {
        bad += p - p;
        p = Math.fround(sigmoid(p));
        if (store !== undefined) store[i] = p;
      }
      const g = gt[i];
      t += p * g;
      pp += p * p;
      gg += g * g;
      sg += g;
      if (check) {
        if (p < lo) lo = p;
        if (p > hi) hi = p;
      }
    }
    out[at + 4 * k] += t;
    out[at + 4 * k + 1] += pp;
    out[at + 4 * k + 2] += gg;
    out[at + 4 * k + 3] += sg;
  }
  if (check) {
    range[0] = lo;
    range[1] = hi;
  }
  if (pass !== undefined) pass.bad += bad;
}

/**
 * Where pass 2 of the squared form reads p: `p` holds the probabilities (`sigmoid` 'none'), σ of the logits that
 * pass 1 stored ('stored'; it may be `grad` itself), or the logits ('recompute': σ again).
 */
export interface SquaredGradArrays {
  p: FloatArray;
  sigmoid: 'none' | 'stored' | 'recompute';
  grad: Float32Array;
}

/**
 * Pass 2 over the same run: `grad[i] = a_k·gt[i] + b_k·p` (probabilities), or `(a_k·gt[i] + b_k·p)·(p·(1 − p))`
 * (through the sigmoid), with `a_k = coef[at + 2k]`, `b_k = coef[at + 2k + 1]`, in float64 rounded once.
 * @example // gt 1, p ½, a = 2, b = −1: grad = [2 − ½] = [1.5]; through the sigmoid [1.5·¼] = [0.375]
 * squaredGrad(new Float32Array([1]), { p: new Float32Array([0.5]), sigmoid: 'none', grad }, { start: 0, end: 1, step: 1, count: 1 }, new Float64Array([2, -1]), 0)
 */
export function squaredGrad(
  gt: FloatArray,
  arrays: SquaredGradArrays,
  run: StridedRun,
  coef: Float64Array,
  at: number,
): void {
  const { p: src, sigmoid: how, grad } = arrays;
  const { start, end, step, count } = run;
  for (let k = 0; k < count; k++) {
    const a = coef[at + 2 * k];
    const b = coef[at + 2 * k + 1];
    for (let i = start + k; i < end; i += step) {
      const p = how === 'recompute' ? Math.fround(sigmoid(src[i])) : src[i];
      const d = a * gt[i] + b * p;
      grad[i] = how === 'none' ? d : d * (p * (1 - p));
    }
  }
}

/**
 * Pass 2 of the squared form through a softmax, over one image of C channel planes (channels-first) from
 * `start`: `grad_c = p_c·(d_c − Σ_k p_k·d_k)` with `d_c = a[c]·gt_c + b[c]·p_c` in float64, rounded once (a, b: 0
 * for channels not selected), p the softmax that pass 1 stored, for the image's pixels from `from` (@default 0).
 * `grad` may be `p` itself: each pixel reads all of its p before writing.
 * @example // one pixel, C = 2, p = [¼, ¾], gt = [1, 0], a = [1, 1], b = [0, 0]: d = [1, 0], Σ p·d = ¼,
 * // grad = [¼·¾, ¾·(−¼)] = [0.1875, −0.1875]
 * softmaxSquaredGrad(gt, p, grad, 0, 1, 2, new Float64Array([1, 1]), new Float64Array(2))
 */
export function softmaxSquaredGrad(
  gt: FloatArray,
  p: Float32Array,
  grad: Float32Array,
  start: number,
  pixels: number,
  C: number,
  a: Float64Array,
  b: Float64Array,
  from = 0,
): void {
  // Blocks of pixels, each channel plane's part read in order (contiguous loops): Σ_k p_k·d_k first, then the
  // gradient with d computed again (the same bits).
  const dot = new Float64Array(Math.min(pixels, SOFTMAX_BLOCK));
  for (let s0 = from; s0 < pixels; s0 += SOFTMAX_BLOCK) {
    const n = Math.min(SOFTMAX_BLOCK, pixels - s0);
    dot.fill(0);
    for (let c = 0; c < C; c++) {
      const [ac, bc, at] = [a[c], b[c], start + c * pixels + s0];
      for (let j = 0; j < n; j++) {
        const pv = p[at + j];
        dot[j] += pv * (ac * gt[at + j] + bc * pv);
      }
    }
    for (let c = 0; c < C; c++) {
      const [ac, bc, at] = [a[c], b[c], start + c * pixels + s0];
      for (let j = 0; j < n; j++) {
        const pv = p[at + j];
        grad[at + j] = pv * (ac * gt[at + j] + bc * pv - dot[j]);
      }
    }
  }
}

/** Pixels per block of {@link softmaxSquaredGrad} (its planes' parts stay in cache between its two loops). */
const SOFTMAX_BLOCK = 2048;
