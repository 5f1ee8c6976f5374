/**
 * Input preparation shared by the loss family (issue 6): geometry, label-map or dense targets, `ignoreIndex`
 * masks, and the activation of logits (softmax over channels or sigmoid) with its backward pass.
 * Validation happens here, once per call; the kernels that follow do not validate.
 * @module
 */
import { numberAlgebra } from '../algebra.js';
import { logSigmoidOf } from './elementwiseTerms.js';
import { firstBadInput } from '../kernels/inputDomain.js';
import type { BatchGeometry, Layout, NdArray, NumericArray } from '../types.js';
import {
  checkNdArray,
  formatShape,
  formatValue,
  geometryOf,
  rangeError,
  sizeOf,
  typeError,
} from '../validate.js';

import type { ArrayScratch, ScratchArray } from './scratch.js';

const u8 = (n: number) => new Uint8Array(n);
const f32 = (n: number) => new Float32Array(n);
const f64 = (n: number) => new Float64Array(n);

/** How logits become probabilities: softmax over the channel axis, or an independent sigmoid per element. */
export type Activation = 'softmax' | 'sigmoid';

/** A prepared (gt, pr) pair: dense targets, an optional validity mask and the probabilities. */
export interface Prepared {
  geom: BatchGeometry;
  /** Dense targets, same layout and length as `pr.data` (one-hot when gt was a label map). */
  g: NumericArray;
  /** 1 where the element counts, 0 where it is ignored; `null` when nothing is ignored. */
  mask: Uint8Array | null;
  /** Probabilities (the activation of the logits, or `pr.data` itself when not from logits). */
  p: NumericArray;
  /** The activation applied, or `null`. */
  activation: Activation | null;
  /** True when gt was given as integer class indices. */
  labelMap: boolean;
}

/** The activation used for `C` channels: the explicit one, else softmax when C > 1 and sigmoid when C = 1. */
export function resolveActivation(activation: Activation | undefined, channels: number): Activation {
  return activation ?? (channels > 1 ? 'softmax' : 'sigmoid');
}

/** Checks the `activation` option. */
export function checkActivation(fn: string, v: unknown): Activation | undefined {
  if (v === undefined) return undefined;
  if (v !== 'softmax' && v !== 'sigmoid') {
    throw typeError(fn, `activation must be 'softmax' or 'sigmoid'; got ${formatValue(v)}.`);
  }
  return v;
}

/** Checks the `ignoreIndex` option: an integer (negative allowed, as PyTorch's -1 or -100). */
export function checkIgnoreIndex(fn: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw typeError(fn, `ignoreIndex must be an integer; got ${formatValue(v)}.`);
  }
  return v;
}

function indexAt(shape: readonly number[], flat: number): string {
  const idx: number[] = new Array(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = flat % shape[a];
    flat = Math.floor(flat / shape[a]);
  }
  return formatShape(idx);
}

/**
 * Validates `gt` and `pr` and builds the dense targets. `gt` is dense (same shape as `pr`) or a label map of
 * shape `[N, ...spatial]` or with a size-1 channel axis (then `pr` must have C > 1, or C = 1 with labels 0/1).
 * With `scratch`, the targets and the mask it builds are views of the scratch's arrays (valid until its next use).
 */
export function prepareTargets(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  layout: Layout,
  ignoreIndex: number | undefined,
  scratch?: ArrayScratch,
): { geom: BatchGeometry; g: NumericArray; mask: Uint8Array | null; labelMap: boolean } {
  const { geom, labelMap } = checkTargets(fn, gt, pr, layout);
  return denseTargets(fn, gt, pr, geom, labelMap, ignoreIndex, scratch);
}

/** The error for a label that is neither a class index in [0, hi] nor `ignoreIndex`, at flat label index q. */
export function badLabelError(
  fn: string,
  gt: NdArray,
  hi: number,
  ignoreIndex: number | undefined,
  q: number,
): RangeError {
  return rangeError(
    fn,
    `gt labels must be integers in [0, ${hi}]${ignoreIndex !== undefined ? ` or ignoreIndex ${ignoreIndex}` : ''}; ` +
      `got ${formatValue(gt.data[q])} at gt index ${indexAt(gt.shape, q)}.`,
  );
}

/**
 * Checks a label map for C ≥ 2 channels without building targets: every label a class index in [0, C) or
 * `ignoreIndex` (else the label error of {@link prepareTargets}, at the first offender). Returns Σ_q W[label_q]
 * over the counted pixels (the weighted mean's denominator; W = 1 when omitted: their count) and how many
 * pixels are ignored.
 * @example labelCounts('f', { data: [0, 2, 9], shape: [3] }, 3, 9) // { weighted: 2, ignored: 1 }
 */
export function labelCounts(
  fn: string,
  gt: NdArray,
  C: number,
  ignoreIndex: number | undefined,
  W?: ArrayLike<number>,
): { weighted: number; ignored: number } {
  const src = gt.data;
  const w = W ?? new Float64Array(C).fill(1);
  // Integer typed arrays hold integers: only the range needs a test.
  const int = src instanceof Uint8Array || src instanceof Int32Array || src instanceof Uint16Array;
  let weighted = 0;
  let ignored = 0;
  for (let q = 0; q < src.length; q++) {
    const v = src[q];
    if (v >= 0 && v < C && (int || v === Math.floor(v))) weighted += w[v];
    else if (v === ignoreIndex) ignored++;
    else throw badLabelError(fn, gt, C - 1, ignoreIndex, q);
  }
  return { weighted, ignored };
}

/**
 * Validates `gt` and `pr` (see {@link prepareTargets}) and tells whether gt is a label map, without building
 * anything.
 */
export function checkTargets(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  layout: Layout,
): { geom: BatchGeometry; labelMap: boolean } {
  checkNdArray(fn, 'gt', gt, 1);
  checkNdArray(fn, 'pr', pr, 2);
  const geom = geometryOf(pr.shape, layout);
  const same = gt.shape.length === pr.shape.length && gt.shape.every((d, i) => d === pr.shape[i]);
  const spatialEq = (s: readonly number[]) =>
    s.length === geom.spatialShape.length && s.every((d, i) => d === geom.spatialShape[i]);
  let labelMap = false;
  if (!same) {
    const s = gt.shape;
    if (s[0] === geom.batch && spatialEq(s.slice(1))) labelMap = true;
    else if (s.length === pr.shape.length && s[0] === geom.batch) {
      const ch = layout === 'channelsLast' ? s[s.length - 1] : s[1];
      const sp = layout === 'channelsLast' ? s.slice(1, -1) : s.slice(2);
      labelMap = ch === 1 && spatialEq(sp);
    }
    if (!labelMap) {
      throw rangeError(
        fn,
        `gt must have the shape of pr ${formatShape(pr.shape)} or be a label map of shape ` +
          `${formatShape([geom.batch, ...geom.spatialShape])} (optionally with a size-1 channel axis); got ${formatShape(gt.shape)}.`,
      );
    }
  }
  return { geom, labelMap };
}

/** The dense targets and ignore mask of a checked (gt, pr) pair. */
function denseTargets(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  geom: BatchGeometry,
  labelMap: boolean,
  ignoreIndex: number | undefined,
  scratch: ArrayScratch | undefined,
): { geom: BatchGeometry; g: NumericArray; mask: Uint8Array | null; labelMap: boolean } {
  const C = geom.channels;
  const n = sizeOf(pr.shape);
  const src = gt.data;
  const zeros = <T extends ScratchArray>(slot: string, make: (n: number) => T): T =>
    scratch === undefined ? make(n) : (scratch.take(slot, n, make).fill(0) as T);
  if (!labelMap) {
    if (ignoreIndex === undefined) return { geom, g: src, mask: null, labelMap };
    const mask = zeros('mask', u8);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (src[i] === ignoreIndex) any = true;
      else mask[i] = 1;
    }
    if (!any) return { geom, g: src, mask: null, labelMap };
    const g = zeros('g64', f64);
    for (let i = 0; i < n; i++) g[i] = mask[i] ? src[i] : 0;
    return { geom, g, mask, labelMap };
  }
  // Label map: one label per pixel, in [N, ...spatial] order.
  const { batch, pixels, imageStride, pixelStride, channelStride } = geom;
  const g = zeros('g32', f32);
  let mask: Uint8Array | null = null;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < pixels; s++) {
      const q = b * pixels + s;
      const v = src[q];
      const base = b * imageStride + s * pixelStride;
      if (v === ignoreIndex) {
        if (!mask) mask = zeros('mask', u8).fill(1);
        for (let c = 0; c < C; c++) mask[base + c * channelStride] = 0;
        continue;
      }
      const hi = C === 1 ? 1 : C - 1;
      if (!Number.isInteger(v) || v < 0 || v > hi) throw badLabelError(fn, gt, hi, ignoreIndex, q);
      if (C === 1) g[base] = v;
      else g[base + v * channelStride] = 1;
    }
  }
  return { geom, g, mask, labelMap };
}

/** log σ(x) = −softplus(−x), without overflow for any x. */
export function logSigmoid(x: number): number {
  return logSigmoidOf(numberAlgebra, x);
}

/** σ(v), exact 0 and 1 for |v| large, never NaN. */
export function sigmoid(v: number): number {
  return numberAlgebra.sigmoid(v);
}

/**
 * Softmax of the C logits of one pixel (from `base`, step `stride`), written to `p` at the same indices (one exp
 * per channel, max subtracted). Returns log Σ exp(x), so that log p_c = x_c − the returned value; NaN when any
 * of the C logits is NaN or ±Inf (a NaN-sticky Σ (x − x) rides along the max, so callers check their input
 * from the return value, with no pass of their own).
 */
export function softmaxAt(
  x: NumericArray,
  p: Float64Array | Float32Array,
  base: number,
  C: number,
  stride: number,
): number {
  let max = -Infinity;
  let bad = 0;
  for (let c = 0, i = base; c < C; c++, i += stride) {
    const v = x[i];
    bad += v - v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let c = 0, i = base; c < C; c++, i += stride) {
    const e = Math.exp(x[i] - max);
    p[i] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let c = 0, i = base; c < C; c++, i += stride) p[i] *= inv;
  return max + Math.log(sum) + bad;
}

/**
 * Softmax over channels or sigmoid, numerically stable for logits of any size (±1e4 give exact 0 and 1, never
 * NaN). Returns float64 probabilities (in `into` when given, else in a new array); `logp` (optional) receives
 * log-probabilities computed in the log domain.
 * With `check` (the public function's name), a NaN or ±Inf logit throws a RangeError naming it and the first
 * offending index (`lovaszSoftmaxLoss: pr must hold finite logits; got NaN at index 7.`); the test rides along
 * the activation's own pass (a NaN-sticky Σ (x − x)).
 */
export function activate(
  x: NumericArray,
  geom: BatchGeometry,
  activation: Activation,
  logp?: Float64Array,
  check?: string,
  into?: Float64Array,
): Float64Array {
  const n = x.length;
  const p = into ?? new Float64Array(n);
  let bad = 0;
  if (activation === 'sigmoid') {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      bad += v - v;
      p[i] = sigmoid(v);
      if (logp) logp[i] = logSigmoid(v);
    }
  } else {
    const { batch, pixels, channels: C, imageStride, pixelStride, channelStride } = geom;
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s < pixels; s++) {
        const base = b * imageStride + s * pixelStride;
        const lse = softmaxAt(x, p, base, C, channelStride);
        bad += lse - lse;
        if (logp) for (let c = 0, i = base; c < C; c++, i += channelStride) logp[i] = x[i] - lse;
      }
    }
  }
  if (check !== undefined && bad !== 0) throw firstBadInput(check, [], x, 'logits')!;
  return p;
}

/**
 * Chain rule through the activation, in place: `d` holds ∂L/∂p on entry and ∂L/∂x on exit.
 * Softmax: ∂L/∂x_c = p_c (d_c − Σ_k p_k d_k); sigmoid: ∂L/∂x = d · p (1 − p).
 */
export function activationBackward(
  d: Float64Array | Float32Array,
  p: ArrayLike<number>,
  geom: BatchGeometry,
  activation: Activation,
): void {
  if (activation === 'sigmoid') {
    for (let i = 0; i < d.length; i++) d[i] *= p[i] * (1 - p[i]);
    return;
  }
  const { batch, pixels, channels: C, imageStride, pixelStride, channelStride } = geom;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < pixels; s++) {
      const base = b * imageStride + s * pixelStride;
      let dot = 0;
      for (let c = 0, i = base; c < C; c++, i += channelStride) dot += p[i] * d[i];
      for (let c = 0, i = base; c < C; c++, i += channelStride) d[i] = p[i] * (d[i] - dot);
    }
  }
}
