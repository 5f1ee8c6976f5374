/**
 * MONAI's `MaskedLoss`: a spatial mask multiplies the input and the target before the loss runs, and the chain
 * rule multiplies the loss's gradient by the mask.
 * @module
 */
import { defineLoss, type Loss } from '../loss.js';
import { scaleRun } from '../kernels/regionWasm.js';
import type { BatchGeometry, Layout, NdArray } from '../types.js';
import {
  checkNdArray,
  formatShape,
  formatValue,
  geometryOf,
  isIntegerTypedArray,
  rangeError,
  typeError,
} from '../validate.js';
import { ArrayScratch, type ScratchArray } from './scratch.js';

/** A new array, or the scratch's view. */
function arrayOf<T extends ScratchArray>(
  scratch: ArrayScratch | undefined,
  slot: string,
  n: number,
  make: (n: number) => T,
): T {
  return scratch === undefined ? make(n) : scratch.take(slot, n, make);
}
const f32 = (n: number) => new Float32Array(n);
const f64 = (n: number) => new Float64Array(n);
const i32 = (n: number) => new Int32Array(n);

/**
 * A checked mask as the masked loss reads it, one value per pixel and never expanded over the channels: the
 * factor of element (b, pixel q, any channel) of pr is `data[(shared ? 0 : b·pixels) + q]`. `runs` holds, per
 * mask image j (j = b, or 0 when shared), the maximal runs `[q0, q1)` of at least {@link MIN_COPY_PIXELS} pixels
 * whose factor is exactly 1: `runCount[j]` pairs from `runs[j·stride]` (a product by 1 changes nothing there:
 * the passes copy those runs, or skip them).
 */
export interface MaskFactors {
  data: NdArray['data'];
  /** The mask's batch axis is 1: every image uses the same mask. */
  shared: boolean;
  /** pr's geometry. */
  geom: BatchGeometry;
  runs: Int32Array;
  runCount: Int32Array;
  stride: number;
}

/** Runs of mask factors exactly 1 shorter than this many pixels are multiplied, not copied (a copy's call costs). */
const MIN_COPY_PIXELS = 16;

/**
 * Checks `mask` against `pr` (`[N or 1, ...spatial]`, or with a size-1 channel axis where `layout` puts it;
 * finite values) and returns how the masked loss reads it (see {@link MaskFactors}): broadcast over the
 * channels, and over the batch when its batch axis is 1.
 */
export function maskFactors(
  fn: string,
  mask: NdArray,
  pr: NdArray,
  layout: Layout,
  scratch?: ArrayScratch,
): MaskFactors {
  checkNdArray(fn, 'mask', mask, 1);
  const geom = geometryOf(pr.shape, layout);
  const sp = geom.spatialShape;
  const s = mask.shape;
  const eq = (a: readonly number[]) => a.length === sp.length && a.every((d, i) => d === sp[i]);
  const batchOk = s[0] === geom.batch || s[0] === 1;
  let ok = false;
  if (s.length === pr.shape.length) {
    const ch = layout === 'channelsLast' ? s[s.length - 1] : s[1];
    ok = batchOk && ch === 1 && eq(layout === 'channelsLast' ? s.slice(1, -1) : s.slice(2));
  } else if (s.length === pr.shape.length - 1) ok = batchOk && eq(s.slice(1));
  if (!ok) {
    const want = layout === 'channelsLast' ? [geom.batch, ...sp, 1] : [geom.batch, 1, ...sp];
    throw rangeError(
      fn,
      `mask must have the shape ${formatShape(want)} (batch axis N or 1, channel axis optional); got ${formatShape(s)}.`,
    );
  }
  const m = mask.data;
  // One scan: the finite check and the runs of ones, per mask image.
  const P = geom.pixels;
  const images = s[0] === 1 ? 1 : geom.batch;
  const stride = 2 * Math.floor(P / MIN_COPY_PIXELS);
  const runs = arrayOf(scratch, 'runs', images * stride, i32);
  const runCount = arrayOf(scratch, 'runCount', images, i32);
  for (let j = 0; j < images; j++) {
    let k = j * stride;
    let start = -1;
    for (let q = 0, i = j * P; q <= P; q++, i++) {
      const v = q < P ? m[i] : NaN;
      if (q < P && v - v !== 0) {
        throw typeError(fn, `mask must hold finite numbers; got ${formatValue(v)} at mask.data[${i}].`);
      }
      if (v === 1) {
        if (start < 0) start = q;
      } else if (start >= 0) {
        if (q - start >= MIN_COPY_PIXELS) [runs[k], runs[k + 1], k] = [start, q, k + 2];
        start = -1;
      }
    }
    runCount[j] = (k - j * stride) / 2;
  }
  return { data: m, shared: images === 1 && geom.batch !== 1, geom, runs, runCount, stride };
}

/**
 * Splits image b's pixels `[0, pixels)` into runs, in order: `visit(q0, q1, true)` for a run of the mask's runs
 * of ones (see {@link MaskFactors}), `visit(q0, q1, false)` for the pixels between them.
 */
function forEachRun(m: MaskFactors, b: number, visit: (q0: number, q1: number, ones: boolean) => void): void {
  const j = m.shared ? 0 : b;
  let from = 0;
  for (let r = 0, k = j * m.stride; r < m.runCount[j]; r++, k += 2) {
    if (from < m.runs[k]) visit(from, m.runs[k], false);
    visit(m.runs[k], m.runs[k + 1], true);
    from = m.runs[k + 1];
  }
  if (from < m.geom.pixels) visit(from, m.geom.pixels, false);
}

/** `out[from + i] = a[from + i]` for i < `to − from`: a native copy from a typed array. */
function copyRun(a: NdArray['data'], out: ScratchArray, from: number, to: number): void {
  if (ArrayBuffer.isView(a)) out.set(a.subarray(from, to), from);
  else for (let i = from; i < to; i++) out[i] = a[i];
}

/**
 * `out[i] = a[i]·v` for `from ≤ i < to`: the region module's WebAssembly `scale` kernel for float32 arrays, a
 * float32 v and a run long enough (`kernels/regionWasm.ts` → `scaleRun`), else a JS loop; the same bits.
 */
function scaleElements(
  a: NdArray['data'],
  out: Float32Array | Float64Array,
  from: number,
  to: number,
  v: number,
): void {
  if (a instanceof Float32Array && out instanceof Float32Array && scaleRun(a, out, from, to, v)) return;
  for (let i = from; i < to; i++) out[i] = a[i] * v;
}

/**
 * `out[i] = a[i]·v` over the elements of pixels `[q0, q1)` of the image at `base`, v the factor `f[mb + q]` of
 * pixel q, by runs of one mask value (a binary mask's zeros come as one run): channels-last, the run's pixels,
 * every channel; channels-first, the run's part of each plane ({@link scaleElements}). With `out` = `a` (the
 * gradient, in place), runs of factor 1 are skipped.
 */
function timesPixels(
  a: NdArray['data'],
  out: Float32Array | Float64Array,
  f: NdArray['data'],
  mb: number,
  base: number,
  q0: number,
  q1: number,
  geom: BatchGeometry,
): void {
  const { channels: C, pixels: P } = geom;
  const last = geom.layout === 'channelsLast';
  for (let s = q0; s < q1;) {
    const v = f[mb + s];
    let e = s + 1;
    while (e < q1 && f[mb + e] === v) e++;
    if (v === 1 && out === a) {
      // The gradient's factor 1: nothing to do.
    } else if (last) scaleElements(a, out, base + s * C, base + e * C, v);
    else for (let c = 0, plane = base; c < C; c++, plane += P) scaleElements(a, out, plane + s, plane + e, v);
    s = e;
  }
}

/**
 * `out[i] = a[i]·m` for every element i of pr's layout, m its pixel's mask factor: one pass over runs of pixels
 * (see {@link forEachRun}), a native copy where the factor is 1, else the products
 * ({@link timesPixels}). With `out` = `a` (the gradient, in place) the runs of ones are left as they are. The same
 * values as the product everywhere.
 */
function timesMask(a: NdArray['data'], m: MaskFactors, out: Float32Array | Float64Array): void {
  const { batch, pixels: P, channels: C, imageStride } = m.geom;
  const f = m.data;
  const last = m.geom.layout === 'channelsLast';
  const inPlace = out === a;
  for (let b = 0; b < batch; b++) {
    const mb = m.shared ? 0 : b * P;
    const base = b * imageStride;
    forEachRun(m, b, (q0, q1, ones) => {
      if (ones && inPlace) return;
      if (ones && last) copyRun(a, out, base + q0 * C, base + q1 * C);
      else if (ones) for (let c = 0; c < C; c++) copyRun(a, out, base + c * P + q0, base + c * P + q1);
      else timesPixels(a, out, f, mb, base, q0, q1, m.geom);
    });
  }
}

/** The chain rule's factor in place: `grad[i] *= m` for every element i, m its pixel's mask factor (see {@link timesMask}). */
export function gradTimesMask(grad: Float32Array, m: MaskFactors): void {
  timesMask(grad, m, grad);
}

/**
 * `out[q] = trunc(labels[q]·f[mb + q − base])` for q in `[base + q0, base + q1)` (`keepLabel` stays); returns
 * whether every result fits int32.
 */
function labelsTimes(
  labels: NdArray['data'],
  out: Int32Array | Float64Array,
  f: NdArray['data'],
  mb: number,
  base: number,
  q0: number,
  q1: number,
  keepLabel: number | undefined,
): boolean {
  let fits = true;
  for (let q = q0; q < q1; q++) {
    const v = labels[base + q];
    const l = v === keepLabel ? v : Math.trunc(v * f[mb + q]);
    out[base + q] = l;
    fits &&= l === (l | 0);
  }
  return fits;
}

/**
 * A label map times the mask as MONAI's `one_hot(label·mask)` sees it: each label times its pixel's mask value,
 * truncated to an integer, except `keepLabel` (e.g. `ignoreIndex`), which stays. Integer labels give an
 * Int32Array (float64 when a product leaves int32), others float64, both in the scratch when given. Runs of
 * factor 1 are copied (trunc(v·1) = v for an integer v; for integer arrays whose values all fit int32).
 */
function maskLabels(
  labels: NdArray['data'],
  m: MaskFactors,
  keepLabel: number | undefined,
  scratch: ArrayScratch | undefined,
): Int32Array | Float64Array {
  const n = labels.length;
  const P = m.geom.pixels;
  const f = m.data;
  const fitsInt32 = isIntegerTypedArray(labels) && !(labels instanceof Uint32Array);
  let fits = isIntegerTypedArray(labels) && P > 0 && n === m.geom.batch * P;
  if (fits) {
    const out = arrayOf(scratch, 'l32', n, i32);
    for (let b = 0; fits && b < m.geom.batch; b++) {
      const mb = m.shared ? 0 : b * P;
      const base = b * P;
      forEachRun(m, b, (q0, q1, ones) => {
        if (ones && fitsInt32) copyRun(labels, out, base + q0, base + q1);
        else fits = labelsTimes(labels, out, f, mb, base, q0, q1, keepLabel) && fits;
      });
    }
    if (fits) return out;
  }
  // Float labels, a product outside int32, or a label count that is not N·pixels (the loss rejects it later).
  const out64 = arrayOf(scratch, 'l64', n, f64);
  for (let q = 0, s = 0, mb = 0, b = 0; q < n; q++, s++) {
    // Label q is pixel s of image b (q = b·P + s), counted without a division.
    if (s === P) [s, b, mb] = [0, b + 1, m.shared ? 0 : (b + 1) * P];
    const v = labels[q];
    out64[q] = v === keepLabel ? v : Math.trunc(v * f[mb + s]);
  }
  return out64;
}

/**
 * (gt·mask, pr·mask) as MONAI's `MaskedLoss` builds them, and the mask as the gradient reads it: dense targets
 * are multiplied by the mask; a label map (gt shape ≠ pr shape) has each label multiplied by its pixel's mask
 * value and truncated to an integer (MONAI's `one_hot` of `label·mask`), except `keepLabel` (e.g.
 * `ignoreIndex`), which stays. The products keep the inputs' precision, as in PyTorch: float32 `pr` (and dense
 * `gt`) give float32 products, an integer label map an Int32Array (float64 when a product leaves int32), so that
 * the loss takes its fast paths. One pass per input, the mask read once per pixel; the arrays come from
 * `scratch` when given.
 */
export function maskInputs(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  mask: NdArray,
  layout: Layout,
  keepLabel: number | undefined,
  scratch?: ArrayScratch,
): { g: NdArray; p: NdArray; mask: MaskFactors } {
  checkNdArray(fn, 'gt', gt, 1);
  checkNdArray(fn, 'pr', pr, 2);
  const m = maskFactors(fn, mask, pr, layout, scratch);
  const n = pr.data.length;
  const mp =
    pr.data instanceof Float32Array ? arrayOf(scratch, 'p32', n, f32) : arrayOf(scratch, 'p64', n, f64);
  timesMask(pr.data, m, mp);
  const dense = gt.shape.length === pr.shape.length && gt.shape.every((d, i) => d === pr.shape[i]);
  let mg: Float32Array | Float64Array | Int32Array;
  if (dense) {
    mg = gt.data instanceof Float32Array ? arrayOf(scratch, 'g32', n, f32) : arrayOf(scratch, 'g64', n, f64);
    timesMask(gt.data, m, mg);
  } else mg = maskLabels(gt.data, m, keepLabel, scratch);
  return { g: { data: mg, shape: gt.shape }, p: { data: mp, shape: pr.shape }, mask: m };
}

/** `loss` on {@link maskInputs}; the gradient is mask ⊙ ∂loss/∂(pr·mask), written into `out` when given. */
export function maskedLoss(
  fn: string,
  loss: Loss,
  mask: NdArray,
  layout: Layout,
  keepLabel: number | undefined,
  scratch?: ArrayScratch,
): Loss {
  return defineLoss({
    name: loss.name,
    value: (gt, pr) => {
      const a = maskInputs(fn, gt, pr, mask, layout, keepLabel, scratch);
      return loss.value(a.g, a.p);
    },
    valueAndGrad: (gt, pr, out) => {
      const a = maskInputs(fn, gt, pr, mask, layout, keepLabel, scratch);
      const r = loss.valueAndGrad(a.g, a.p, out && { out });
      gradTimesMask(r.grad, a.mask);
      return r;
    },
  });
}
