/**
 * Shared driver of the elementwise losses (cross-entropy, focal): validation, channel selection and the
 * strided runs their kernels walk.
 * @module
 */
import { toFloatArray } from '../kernels/toFloatArray.js';
import type { FloatArray } from '../kernels/regionStats.js';
import { checkGtPr, selectedChannels } from '../options.js';
import { defineLoss, type Loss, type ValueAndGrad } from '../loss.js';
import type { BatchGeometry, Layout, NdArray } from '../types.js';

/** Validated float views of one call. */
export interface ElementwiseCall {
  gt: FloatArray;
  pr: FloatArray;
  geo: BatchGeometry;
  /** Selected channels, in the caller's order. */
  channels: number[];
  /** Number of elements of the gathered tensor (`N · pixels · K`): sm's `mean` divides by it. */
  count: number;
}

/** Validates `(gt, pr)` and the class selection; converts the data to float arrays once. */
export function prepareElementwise(
  fn: string,
  gtIn: NdArray,
  prIn: NdArray,
  layout: Layout,
  classIndexes: number[] | null,
): ElementwiseCall {
  const geo = checkGtPr(fn, gtIn, prIn, layout);
  const channels = selectedChannels(fn, classIndexes, geo.channels);
  return {
    gt: toFloatArray(gtIn.data),
    pr: toFloatArray(prIn.data),
    geo,
    channels,
    count: geo.batch * geo.pixels * channels.length,
  };
}

/**
 * Calls `visit(start, end, step)` for strided runs that together cover every element of the selected
 * channels once: one run over the whole buffer when every channel is selected (order does not matter for
 * an elementwise mean), else one run per channel (channels-last) or per channel plane (channels-first).
 */
export function forEachSelectedRun(
  call: ElementwiseCall,
  visit: (start: number, end: number, step: number) => void,
): void {
  const { geo, channels } = call;
  const total = geo.batch * geo.imageStride;
  if (channels.length === geo.channels) {
    visit(0, total, 1);
  } else if (geo.layout === 'channelsLast') {
    for (const c of channels) visit(c, total, geo.channels);
  } else {
    for (let n = 0; n < geo.batch; n++) {
      for (const c of channels) {
        const start = n * geo.imageStride + c * geo.pixels;
        visit(start, start + geo.pixels, 1);
      }
    }
  }
}

/**
 * Calls `visit(base, pixels, pixelStride, offsets)` for blocks of pixels whose selected channels sit at
 * element offsets `offsets` from each pixel: one block over all N·pixels pixels for channels-last (the
 * images are contiguous), one block per image for channels-first.
 */
export function forEachPixelBlock(
  call: ElementwiseCall,
  visit: (base: number, pixels: number, pixelStride: number, offsets: Int32Array) => number,
): number {
  const { geo, channels } = call;
  if (geo.layout === 'channelsLast')
    return visit(0, geo.batch * geo.pixels, geo.channels, Int32Array.from(channels));
  const offsets = Int32Array.from(channels, (c) => c * geo.pixels);
  let sum = 0;
  for (let n = 0; n < geo.batch; n++) sum += visit(n * geo.imageStride, geo.pixels, 1, offsets);
  return sum;
}

/**
 * Builds a `Loss` whose value is `sumTerms(call) / count` (sm's `mean` over the gathered tensor).
 * `sumTerms` returns the sum of the loss terms and, when `grad` is given, writes `scale · ∂term/∂pr` into it
 * (`scale = 1 / count`). With `zeroesItself`, a caller's `out` is handed over as it is and `sumTerms` must
 * set every entry (see {@link zeroUnselected}).
 */
export function elementwiseLoss(
  fn: string,
  name: string,
  layout: Layout,
  classIndexes: number[] | null,
  sumTerms: (call: ElementwiseCall, grad: Float32Array | null, scale: number) => number,
  zeroesItself = false,
): Loss {
  const run = (gt: NdArray, pr: NdArray, withGrad: boolean, out?: Float32Array): ValueAndGrad => {
    const call = prepareElementwise(fn, gt, pr, layout, classIndexes);
    // The JS kernels write only the entries whose gradient can be nonzero: the rest must start at 0, unless
    // `sumTerms` zeroes what it does not write (`zeroesItself`: the WebAssembly kernels write every entry).
    const grad = withGrad
      ? out === undefined
        ? new Float32Array(call.pr.length)
        : zeroesItself
          ? out
          : out.fill(0)
      : null;
    const value = sumTerms(call, grad, 1 / call.count) / call.count;
    return { value, grad: grad as Float32Array };
  };
  return defineLoss({
    name,
    value: (gt, pr) => run(gt, pr, false).value,
    valueAndGrad: (gt, pr, out) => run(gt, pr, true, out),
  });
}

/**
 * For `sumTerms` of a loss built with `zeroesItself`: zeroes the whole gradient when only some channels are
 * selected (the runs do not cover the others); returns whether it did.
 */
export function zeroUnselected(call: ElementwiseCall, grad: Float32Array | null): boolean {
  if (grad === null || call.channels.length === call.geo.channels) return false;
  grad.fill(0);
  return true;
}

/** Sums `term(start, end, step)` over the runs of {@link forEachSelectedRun}. */
export function sumRuns(
  call: ElementwiseCall,
  term: (start: number, end: number, step: number) => number,
): number {
  let sum = 0;
  forEachSelectedRun(call, (start, end, step) => {
    sum += term(start, end, step);
  });
  return sum;
}
