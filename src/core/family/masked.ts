/**
 * MONAI's `MaskedLoss`: a spatial mask multiplies the input and the target before the loss runs, and the chain
 * rule multiplies the loss's gradient by the mask.
 * @module
 */
import { defineLoss, type Loss } from '../loss.js';
import type { Layout, NdArray } from '../types.js';
import {
  checkNdArray,
  formatShape,
  formatValue,
  geometryOf,
  isIntegerTypedArray,
  rangeError,
  typeError,
} from '../validate.js';
import { ArrayScratch } from './scratch.js';

/** A new array, or the scratch's view. */
function arrayOf<T extends Float32Array | Float64Array>(
  scratch: ArrayScratch | undefined,
  slot: string,
  n: number,
  make: (n: number) => T,
): T {
  return scratch === undefined ? make(n) : scratch.take(slot, n, make);
}
const f32 = (n: number) => new Float32Array(n);
const f64 = (n: number) => new Float64Array(n);

/**
 * The mask factor of every element of `pr` (mask broadcast over the channels, and over the batch when its batch
 * axis is 1). `mask` is `[N or 1, ...spatial]`, or with a size-1 channel axis where `layout` puts it.
 */
export function expandMask(
  fn: string,
  mask: NdArray,
  pr: NdArray,
  layout: Layout,
  scratch?: ArrayScratch,
): Float64Array {
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
  for (let i = 0; i < m.length; i++) {
    if (!Number.isFinite(m[i])) {
      throw typeError(fn, `mask must hold finite numbers; got ${formatValue(m[i])} at mask.data[${i}].`);
    }
  }
  const { batch, pixels, channels: C, imageStride, pixelStride, channelStride } = geom;
  const out = arrayOf(scratch, 'f', pr.data.length, f64);
  for (let b = 0; b < batch; b++) {
    const mb = s[0] === 1 ? 0 : b * pixels;
    for (let q = 0; q < pixels; q++) {
      const v = m[mb + q];
      for (let c = 0, i = b * imageStride + q * pixelStride; c < C; c++, i += channelStride) out[i] = v;
    }
  }
  return out;
}

/**
 * (gt·mask, pr·mask) as MONAI's `MaskedLoss` builds them, and the mask factor of each element of pr: dense
 * targets are multiplied by the mask; a label map (gt shape ≠ pr shape) has each label multiplied by its
 * pixel's mask value and truncated to an integer (MONAI's `one_hot` of `label·mask`), except `keepLabel`
 * (e.g. `ignoreIndex`), which stays. The products keep the inputs' precision, as in PyTorch: float32 `pr` (and
 * dense `gt`) give float32 products, an integer label map an Int32Array (float64 when a product leaves int32), so
 * that the loss takes its fast paths.
 */
export function maskInputs(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  mask: NdArray,
  layout: Layout,
  keepLabel: number | undefined,
  scratch?: ArrayScratch,
): { g: NdArray; p: NdArray; f: Float64Array } {
  checkNdArray(fn, 'gt', gt, 1);
  checkNdArray(fn, 'pr', pr, 2);
  const f = expandMask(fn, mask, pr, layout, scratch);
  const n = pr.data.length;
  const mp =
    pr.data instanceof Float32Array ? arrayOf(scratch, 'p32', n, f32) : arrayOf(scratch, 'p64', n, f64);
  for (let i = 0; i < n; i++) mp[i] = pr.data[i] * f[i];
  const dense = gt.shape.length === pr.shape.length && gt.shape.every((d, i) => d === pr.shape[i]);
  let mg: Float32Array | Float64Array | Int32Array;
  if (dense) {
    mg = gt.data instanceof Float32Array ? arrayOf(scratch, 'g32', n, f32) : arrayOf(scratch, 'g64', n, f64);
    for (let i = 0; i < n; i++) mg[i] = gt.data[i] * f[i];
  } else {
    // One label per pixel, [N, ...spatial] order: the mask factor of channel 0 of that pixel.
    const { pixels, imageStride, pixelStride } = geometryOf(pr.shape, layout);
    const labels = arrayOf(scratch, 'l64', gt.data.length, f64);
    let int32 = isIntegerTypedArray(gt.data);
    for (let q = 0; q < labels.length; q++) {
      const v = gt.data[q];
      const b = Math.floor(q / pixels);
      const mv = f[b * imageStride + (q - b * pixels) * pixelStride];
      const l = v === keepLabel ? v : Math.trunc(v * mv);
      labels[q] = l;
      int32 &&= l === (l | 0);
    }
    mg = int32 ? Int32Array.from(labels) : labels;
  }
  return { g: { data: mg, shape: gt.shape }, p: { data: mp, shape: pr.shape }, f };
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
      for (let i = 0; i < r.grad.length; i++) r.grad[i] *= a.f[i];
      return r;
    },
  });
}
