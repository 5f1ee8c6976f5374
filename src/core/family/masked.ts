/**
 * MONAI's `MaskedLoss`: a spatial mask multiplies the input and the target before the loss runs, and the chain
 * rule multiplies the loss's gradient by the mask.
 * @module
 */
import { defineLoss, type Loss } from '../loss.js';
import type { Layout, NdArray } from '../types.js';
import { checkNdArray, formatShape, formatValue, geometryOf, rangeError, typeError } from '../validate.js';

/**
 * The mask factor of every element of `pr` (mask broadcast over the channels, and over the batch when its batch
 * axis is 1). `mask` is `[N or 1, ...spatial]`, or with a size-1 channel axis where `layout` puts it.
 */
export function expandMask(fn: string, mask: NdArray, pr: NdArray, layout: Layout): Float64Array {
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
  const out = new Float64Array(pr.data.length);
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
 * (e.g. `ignoreIndex`), which stays.
 */
export function maskInputs(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  mask: NdArray,
  layout: Layout,
  keepLabel: number | undefined,
): { g: NdArray; p: NdArray; f: Float64Array } {
  checkNdArray(fn, 'gt', gt, 1);
  checkNdArray(fn, 'pr', pr, 2);
  const f = expandMask(fn, mask, pr, layout);
  const n = pr.data.length;
  const mp = new Float64Array(n);
  for (let i = 0; i < n; i++) mp[i] = pr.data[i] * f[i];
  const dense = gt.shape.length === pr.shape.length && gt.shape.every((d, i) => d === pr.shape[i]);
  const mg = new Float64Array(gt.data.length);
  if (dense) {
    for (let i = 0; i < n; i++) mg[i] = gt.data[i] * f[i];
  } else {
    // One label per pixel, [N, ...spatial] order: the mask factor of channel 0 of that pixel.
    const { pixels, imageStride, pixelStride } = geometryOf(pr.shape, layout);
    for (let q = 0; q < mg.length; q++) {
      const v = gt.data[q];
      const b = Math.floor(q / pixels);
      const mv = f[b * imageStride + (q - b * pixels) * pixelStride];
      mg[q] = v === keepLabel ? v : Math.trunc(v * mv);
    }
  }
  return { g: { data: mg, shape: gt.shape }, p: { data: mp, shape: pr.shape }, f };
}

/** `loss` on {@link maskInputs}; the gradient is mask ⊙ ∂loss/∂(pr·mask). */
export function maskedLoss(
  fn: string,
  loss: Loss,
  mask: NdArray,
  layout: Layout,
  keepLabel: number | undefined,
): Loss {
  return defineLoss({
    name: loss.name,
    value: (gt, pr) => {
      const a = maskInputs(fn, gt, pr, mask, layout, keepLabel);
      return loss.value(a.g, a.p);
    },
    valueAndGrad: (gt, pr) => {
      const a = maskInputs(fn, gt, pr, mask, layout, keepLabel);
      const r = loss.valueAndGrad(a.g, a.p);
      for (let i = 0; i < r.grad.length; i++) r.grad[i] *= a.f[i];
      return r;
    },
  });
}
