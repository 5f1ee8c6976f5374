/**
 * Binary cross-entropy from logits with `posWeight` (PyTorch `binary_cross_entropy_with_logits`) and smp's
 * `SoftBCEWithLogitsLoss` around it: label smoothing, `ignoreIndex`, and a `posWeight` array broadcast against
 * `pr` as torch broadcasts it.
 * @module
 */
import type { NdArray } from '../types.js';
import { checkNdArray, checkSameShape, formatShape, formatValue, rangeError } from '../validate.js';
import { softBceWasm } from '../kernels/binaryWasm.js';
import { numberAlgebra } from '../algebra.js';
import { bceLogitsOf, bceLogitsSlopeOf, smoothBinaryTargetOf } from './elementwiseTerms.js';

/** ℓ(x, t) = −(w·t·log σ(x) + (1 − t)·log σ(−x)), stable for any logit x: `bceLogitsOf` on numbers. */
export function bceLogitsValue(x: number, t: number, w: number): number {
  return bceLogitsOf(numberAlgebra, x, t, w);
}

/** ∂ℓ/∂x = −w·t·σ(−x) + (1 − t)·σ(x): `bceLogitsSlopeOf` on numbers. */
export function bceLogitsGrad(x: number, t: number, w: number): number {
  return bceLogitsSlopeOf(numberAlgebra, x, t, w);
}

/** Resolved options of {@link softBceTerms}. */
export interface SoftBceConfig {
  /** Smoothing s: t' = (1 − t)·s + t·(1 − s). */
  smoothFactor: number;
  /** gt value whose elements give 0 (still counted by the mean, as smp). */
  ignoreIndex: number | undefined;
  /** A number, or an array broadcast against pr's shape (trailing axes aligned, size-1 axes repeated). */
  posWeight: number | NdArray;
  reduction: 'mean' | 'sum';
  /** Check the data (non-finite logits or targets throw; `checkInputs`). @default true */
  checkInputs?: boolean;
}

/** For each element of `shape`, the index into a `pw` array broadcast against it (torch rules). */
function broadcastIndex(fn: string, pw: NdArray, shape: readonly number[]): Int32Array {
  const r = shape.length;
  const q = pw.shape.length;
  const ok =
    q <= r &&
    pw.shape.every((d, k) => {
      const t = shape[r - q + k];
      return d === 1 || d === t;
    });
  if (!ok) {
    throw rangeError(
      fn,
      `posWeight must broadcast against pr ${formatShape(shape)} (trailing axes aligned, each 1 or equal); got ${formatShape(pw.shape)}.`,
    );
  }
  // stride of pw along each axis of pr (0 where pw has size 1 or no axis).
  const strides = new Array<number>(r).fill(0);
  let s = 1;
  for (let k = q - 1; k >= 0; k--) {
    if (pw.shape[k] !== 1) strides[r - q + k] = s;
    s *= pw.shape[k];
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(n);
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    out[i] = off;
    for (let a = r - 1; a >= 0; a--) {
      idx[a]++;
      off += strides[a];
      if (idx[a] < shape[a]) break;
      off -= strides[a] * idx[a];
      idx[a] = 0;
    }
  }
  return out;
}

/**
 * Value (mean or sum), optional per-element terms, and gradient w.r.t. the logits of smp's soft BCE:
 * t' = (1 − t)·s + t·(1 − s); ℓ_i = bceLogitsValue(x_i, t'_i, w_i), 0 where t_i = ignoreIndex; the mean
 * divides by every element, ignored ones included (smp). With a number `posWeight` (or one of a single entry),
 * float32 data and no per-element terms asked for, the WebAssembly kernel of kernels/binaryWasm.ts computes it;
 * the gradient goes into `out` when given (every entry written).
 */
export function softBceTerms(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  cfg: SoftBceConfig,
  withGrad: boolean,
  elements?: Float64Array,
  out?: Float32Array,
): { value: number; grad: Float32Array | null } {
  checkNdArray(fn, 'gt', gt, 1);
  checkNdArray(fn, 'pr', pr, 1);
  checkSameShape(fn, gt, pr);
  const x = pr.data;
  const g = gt.data;
  const n = x.length;
  const s = cfg.smoothFactor;
  const pwIndex = typeof cfg.posWeight === 'number' ? null : broadcastIndex(fn, cfg.posWeight, pr.shape);
  const pwData = typeof cfg.posWeight === 'number' ? null : cfg.posWeight.data;
  const pw0 = typeof cfg.posWeight === 'number' ? cfg.posWeight : 1;
  const scale = cfg.reduction === 'mean' ? 1 / n : 1;
  const grad = withGrad ? (out ?? new Float32Array(n)) : null;
  // One weight for every element (a number, or a posWeight of one entry): the WebAssembly kernel's case.
  const pwOne = pwData === null ? pw0 : pwData.length === 1 ? pwData[0] : undefined;
  if (pwOne !== undefined && !elements) {
    const sum = softBceWasm(g, x, grad, pwOne, s, cfg.ignoreIndex, scale);
    if (sum !== undefined) return { value: sum * scale, grad };
  }
  // The loop below writes the gradient of the elements it does not ignore only.
  if (grad !== null && out !== undefined) grad.fill(0);
  let total = 0;
  const check = cfg.checkInputs !== false;
  for (let i = 0; i < n; i++) {
    const t = g[i];
    // NaN / ±Inf fail here, in the one pass over the data.
    if (check && x[i] - x[i] + (t - t) !== 0) {
      if (!Number.isFinite(x[i]))
        throw rangeError(fn, `pr must hold finite logits; got ${formatValue(x[i])} at pr.data[${i}].`);
      throw rangeError(fn, `gt must hold finite numbers; got ${formatValue(t)} at gt.data[${i}].`);
    }
    if (t === cfg.ignoreIndex) {
      if (elements) elements[i] = 0;
      continue;
    }
    const ts = smoothBinaryTargetOf(numberAlgebra, t, s);
    const w = pwIndex === null ? pw0 : pwData![pwIndex[i]];
    const v = bceLogitsValue(x[i], ts, w);
    total += v;
    if (elements) elements[i] = v;
    if (grad) grad[i] = scale * bceLogitsGrad(x[i], ts, w);
  }
  return { value: total * scale, grad };
}
