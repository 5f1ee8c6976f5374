/**
 * Cross-entropy from logits as PyTorch computes it (the CE term of `diceCELoss`): softmax cross-entropy over
 * all channels (label-map targets: weighted mean by Σ w_y, with label smoothing; dense targets: probability
 * targets, mean over pixels), or binary cross-entropy with `posWeight` when there is one channel.
 * @module
 */
import type { BatchGeometry, Layout, NdArray, NumericArray } from '../types.js';
import { firstBadInput } from '../kernels/inputDomain.js';
import { LAST_MAX_C, type LabelTargets, pixelBlocks, softmaxFocalWasm } from '../kernels/elementwiseWasm.js';
import { rangeError } from '../validate.js';
import { checkTargets, labelCounts, prepareTargets } from './input.js';
import { numberAlgebra } from '../algebra.js';
import { focalSideLogSlopeOf, focalSideOf, smoothTargetOf } from './elementwiseTerms.js';
import { bceLogitsGrad, bceLogitsValue } from './softBce.js';

/** Options of {@link crossEntropyTerms}. */
export interface CrossEntropyConfig {
  layout: Layout;
  /** One weight per channel (softmax), or the positive weight (one channel); `undefined` = 1. */
  weights: number | Float64Array | undefined;
  /** Label smoothing ε ∈ [0, 1] (softmax form). */
  labelSmoothing: number;
  ignoreIndex: number | undefined;
  reduction: 'mean' | 'sum';
  /** Check the data (non-finite logits or targets throw; `checkInputs`). @default true */
  checkInputs?: boolean;
  /** A factor on the reduced value and gradient (smp's mean over every pixel: 1 / pixels). @default 1 */
  scale?: number;
}

/** One CE weight per channel from `ceWeights` (a number, one per channel, or one for all); 1 when unset. */
export function ceChannelWeights(
  fn: string,
  weights: CrossEntropyConfig['weights'],
  C: number,
): Float64Array {
  const W = new Float64Array(C).fill(1);
  if (weights === undefined) return W;
  if (typeof weights === 'number') W.fill(weights);
  else if (weights.length === C) W.set(weights);
  else if (weights.length === 1) W.fill(weights[0]);
  else throw rangeError(fn, `ceWeights must have ${C} entries, one per channel; got ${weights.length}.`);
  return W;
}

/**
 * Value and gradient (w.r.t. the logits) of the cross-entropy; `elements` (softmax form), when given, receives
 * the unreduced loss of each pixel (`[N, ...spatial]` order, 0 where ignored). `out`: the gradient's buffer
 * (every entry written), else a new one.
 * Softmax: L_i = −(1 − ε)·w_y·log p_y − (ε/C)·Σ_c w_c·log p_c (labels), or −Σ_c w_c·t'_c·log p_c with
 * t' = (1 − ε)·t + ε/C (dense); ∂L/∂x_j = h_j − p_j·Σ_c h_c with h_c = ∂L/∂log p_c.
 * One channel: L_i = −(w·t·log σ(x) + (1 − t)·log σ(−x)).
 * Float32 logits of 2…8 channels (either layout) run on the WebAssembly kernels of the softmax focal loss with
 * γ = 0 ({@link softmaxFocalWasm}); the JS loop below is the fallback of the same semantics.
 */
export function crossEntropyTerms(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  cfg: CrossEntropyConfig,
  withGrad: boolean,
  elements?: Float64Array,
  out?: Float32Array,
): { value: number; grad: Float32Array | null } {
  if (elements === undefined) {
    const r = crossEntropyFast(fn, gt, pr, cfg, withGrad ? (out ?? null) : undefined);
    if (r !== undefined && r !== null) return r;
  }
  const t = prepareTargets(fn, gt, pr, cfg.layout, cfg.ignoreIndex);
  const { geom, g, mask, labelMap } = t;
  const { batch, pixels, channels: C, imageStride, pixelStride, channelStride } = geom;
  const x = pr.data;
  const grad = withGrad ? (out ?? new Float32Array(x.length)) : null;
  if (grad && mask !== null) grad.fill(0);
  const W = ceChannelWeights(fn, cfg.weights, C);
  let total = 0;
  let denom = 0;
  // NaN-sticky Σ (x − x) + Σ (t − t) over what the loop reads: 0 exactly when it is all finite.
  let bad = 0;
  if (C === 1) {
    const pw = W[0];
    for (let i = 0; i < x.length; i++) {
      if (mask !== null && mask[i] === 0) continue;
      const xv = x[i];
      const tv = g[i];
      bad += xv - xv + (tv - tv);
      total += bceLogitsValue(xv, tv, pw);
      denom++;
      if (grad) grad[i] = bceLogitsGrad(xv, tv, pw);
    }
  } else {
    const eps = cfg.labelSmoothing;
    const lp = new Float64Array(C);
    const h = new Float64Array(C);
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s < pixels; s++) {
        const base = b * imageStride + s * pixelStride;
        if (mask !== null && mask[base] === 0) {
          if (elements) elements[b * pixels + s] = 0;
          continue;
        }
        let max = -Infinity;
        for (let c = 0, i = base; c < C; c++, i += channelStride) {
          const v = x[i];
          bad += v - v;
          if (v > max) max = v;
        }
        let sum = 0;
        for (let c = 0, i = base; c < C; c++, i += channelStride) sum += Math.exp(x[i] - max);
        const lse = max + Math.log(sum);
        let hs = 0;
        let wy = 0;
        let pixel = 0;
        for (let c = 0, i = base; c < C; c++, i += channelStride) {
          lp[c] = x[i] - lse;
          const tv = g[i];
          bad += tv - tv;
          // labels: g is one-hot, so (1 − ε)·t + ε/C reproduces nll + smoothing; w_y = Σ_c w_c·t_c.
          const coef = W[c] * smoothTargetOf(numberAlgebra, tv, eps, C);
          if (labelMap) wy += W[c] * tv;
          // The cross-entropy side −log p (the focal side with γ = 0), its ∂/∂log p = −1.
          h[c] = coef * (focalSideLogSlopeOf(numberAlgebra, 0, 0, lp[c], 0) as number);
          hs += h[c];
          pixel += coef * focalSideOf(numberAlgebra, 0, lp[c], 0);
        }
        total += pixel;
        if (elements) elements[b * pixels + s] = pixel;
        denom += labelMap ? wy : 1;
        if (grad) {
          for (let c = 0, i = base; c < C; c++, i += channelStride) grad[i] = h[c] - Math.exp(lp[c]) * hs;
        }
      }
    }
  }
  if (bad !== 0 && cfg.checkInputs !== false) {
    // Elements read: every element outside the mask (one channel), every channel of a counted pixel (softmax).
    const read =
      C === 1
        ? (i: number) => mask === null || mask[i] !== 0
        : (i: number) => mask === null || mask[pixelBase(geom, i)] !== 0;
    throw firstBadInput(fn, g, x, 'logits', read)!;
  }
  const scale = reductionScale(cfg, denom);
  if (grad && scale !== 1) for (let i = 0; i < grad.length; i++) grad[i] *= scale;
  return { value: total * scale, grad };
}

/** The factor of the reduction: 1 / denominator for the mean (0 when nothing counts), times `cfg.scale`. */
function reductionScale(cfg: CrossEntropyConfig, denom: number): number {
  return (cfg.reduction === 'mean' ? (denom > 0 ? 1 / denom : 0) : 1) * (cfg.scale ?? 1);
}

/**
 * The softmax form on the WebAssembly kernels: float32 logits of 2…LAST_MAX_C channels, label maps (with
 * `ignoreIndex`) or dense targets with nothing ignored. The kernels take the targets t' = (1 − ε)·t + ε/C
 * (label maps: written block by block from the labels by the driver, 0 on ignored pixels; dense targets with
 * ε > 0: built here) and the weights w_c as the focal coefficients with γ = 0. `undefined` when they do not
 * apply, or when a block flagged a non-finite input or float32 overflow: then the JS loop runs (and raises its
 * error). `out` undefined: no gradient; null: a new one.
 */
function crossEntropyFast(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  cfg: CrossEntropyConfig,
  out: Float32Array | null | undefined,
  accumulate = false,
): { value: number; grad: Float32Array | null } | undefined | null {
  const x = pr.data;
  if (!(x instanceof Float32Array)) return undefined;
  const { geom, labelMap } = checkTargets(fn, gt, pr, cfg.layout);
  const C = geom.channels;
  if (C < 2 || C > LAST_MAX_C) return undefined;
  const W = ceChannelWeights(fn, cfg.weights, C);
  let t: NumericArray | LabelTargets;
  let denom: number;
  if (labelMap) {
    const eps = cfg.labelSmoothing;
    const on = smoothTargetOf(numberAlgebra, 1, eps, C);
    const off = smoothTargetOf(numberAlgebra, 0, eps, C);
    t = { labels: gt.data, on, off, ignore: cfg.ignoreIndex };
    // The label check rides in the driver's fill (a bad label: undefined, then the JS loop raises). Only the
    // weighted mean needs Σ w_y first: with equal weights, not accumulating, guess no ignored pixel (the fill
    // then gives up at one, ignore: undefined) and count only if the guess fails.
    denom = 0;
    if (cfg.reduction === 'mean') {
      const ig = cfg.ignoreIndex;
      const guess = !accumulate && W.every((w) => w === W[0]) && !(ig !== undefined && ig >= 0 && ig < C);
      if (guess) {
        const scale = reductionScale(cfg, W[0] * geom.batch * geom.pixels);
        const grad = out === undefined ? null : (out ?? new Float32Array(x.length));
        const tg = { ...t, ignore: undefined };
        const value = softmaxFocalWasm(null, tg, x, grad, pixelBlocks(geom), W, 0, scale);
        if (typeof value === 'number') return { value, grad };
      }
      denom = labelCounts(fn, gt, C, cfg.ignoreIndex, W).weighted;
    }
  } else {
    const p = prepareTargets(fn, gt, pr, cfg.layout, cfg.ignoreIndex);
    if (p.mask !== null) return undefined;
    t = cfg.labelSmoothing === 0 ? p.g : smoothedTargets(p.g, cfg.labelSmoothing, C);
    denom = geom.batch * geom.pixels;
  }
  const scale = reductionScale(cfg, denom);
  const grad = out === undefined ? null : (out ?? new Float32Array(x.length));
  // Unchecked: a flagged block returns undefined and the JS loop, which reads only what counts, raises.
  const value = softmaxFocalWasm(null, t, x, grad, pixelBlocks(geom), W, 0, scale, accumulate);
  return value === undefined || value === null ? value : { value, grad };
}

/**
 * Adds λ·∂CE/∂x to `out` and returns λ·CE (a compound's second term, with no pass of its own): on the kernels
 * only. `undefined` when they do not apply (`out` untouched: compute the term apart), `null` when they fell
 * back after adding to part of `out` (a flagged block: redo `out` from the start, the term apart).
 * @example crossEntropyAccumulate('diceCELoss', gt, pr, cfg, out, 0.5) // 0.5·CE, and out += 0.5·∂CE/∂x
 * // (float32 logits of 2…8 channels, 8,192 elements or more; `undefined` otherwise)
 */
export function crossEntropyAccumulate(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  cfg: CrossEntropyConfig,
  out: Float32Array,
  lambda: number,
): number | undefined | null {
  const r = crossEntropyFast(fn, gt, pr, { ...cfg, scale: (cfg.scale ?? 1) * lambda }, out, true);
  return r === undefined || r === null ? r : r.value;
}

/** t' = (1 − ε)·t + ε/C of dense targets, as float32. */
function smoothedTargets(g: NumericArray, eps: number, C: number): Float32Array {
  const t = new Float32Array(g.length);
  for (let i = 0; i < g.length; i++) t[i] = smoothTargetOf(numberAlgebra, g[i], eps, C);
  return t;
}

/** The flat index of channel 0 of the pixel holding element `i`. */
function pixelBase(geom: BatchGeometry, i: number): number {
  const { imageStride, pixels, channels } = geom;
  if (geom.layout === 'channelsLast') return i - (i % channels);
  const b = Math.floor(i / imageStride);
  return b * imageStride + (i % pixels);
}
