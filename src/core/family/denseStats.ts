/**
 * The statistics stage of the region pipeline for probability inputs with dense targets (no activation, no
 * ignored pixels, the plain form): per (row, selected class) tp = Σ gt·pr, P = Σ pr and G = Σ gt in one pass
 * (float64 sums), and the gradient pass `grad = A·gt + B` per (row, class) that reads only gt. This is the
 * segmentation_models preset's common case and what every other preset runs when its options reduce to it.
 *
 * It dispatches each strided run to the kernels: WebAssembly SIMD (`kernels/regionWasm.ts`) for contiguous
 * runs of whole float32 pixels long enough to pay, else the JS loops (`kernels/regionStats.ts`,
 * `kernels/affineGrad.ts`); with `threshold`, the binarising JS loop (`sums1Thresholded`).
 *
 * From float32 logits with a sigmoid (`sigmoid`: the activation is elementwise, so the same runs apply), pass 1
 * takes p = σ(x) on the way (and stores it in the caller's gradient buffer when one follows) and pass 2 writes
 * ∂L/∂x = p(1 − p)·(A·gt + B): `regionWasm.ts`'s sigmoid kernels on runs of whole float32 pixels, else
 * `kernels/sigmoidStats.ts`.
 *
 * In the squared (V-Net) counting form (`squared`, from probabilities or through the sigmoid), pass 1 adds
 * Σ p·g, Σ p², Σ g² and Σ g per cell and pass 2 writes ∂L/∂p = a·g + b·p (b = 2·B of the score table, for
 * ∂(Σ p²)/∂p = 2p), times p(1 − p) through the sigmoid: `regionWasm.ts`'s squared kernels on runs of whole
 * float32 pixels, else `kernels/squaredStats.ts`.
 * @module
 */
import { affineAdjacent } from '../kernels/affineGrad.js';
import {
  affinePixels,
  sigmoidGradRun,
  sigmoidSumsRun,
  squaredGradRun,
  squaredSumsRun,
  sumsPixels,
  type RegionTape,
} from '../kernels/regionWasm.js';
import type { Held, SigmoidPass } from '../kernels/sigmoidStats.js';
import { sums1Thresholded, sumsAdjacent, type FloatArray } from '../kernels/regionStats.js';
import type { BatchGeometry } from '../types.js';
import { type CheckedDomain, firstBadInput } from '../kernels/inputDomain.js';

/**
 * The switches of the sigmoid stage, for tests and benchmarks: `enabled` (off: calls from logits with a sigmoid
 * take the general path of region.ts) and `store` (off: pass 2 computes σ(x) again instead of reading what pass
 * 1 stored in the gradient buffer). @internal
 */
export const denseSigmoid = { enabled: true, store: true };

/**
 * The switch of the squared (V-Net) form on this stage, for tests and benchmarks: off, squared calls take the
 * general path of region.ts. @internal
 */
export const denseSquared = { enabled: true };

/** Consecutive selected channels `[first, first + count)` landing in slots `[slot, slot + count)`. */
interface Run {
  first: number;
  count: number;
  slot: number;
}

/** Splits the selected channels into runs of consecutive channel indexes (order kept). */
function adjacentRuns(channels: readonly number[]): Run[] {
  const runs: Run[] = [];
  for (let k = 0; k < channels.length; k++) {
    const last = runs[runs.length - 1];
    if (last && channels[k] === last.first + last.count) last.count++;
    else runs.push({ first: channels[k], count: 1, slot: k });
  }
  return runs;
}

/**
 * Visits the strided runs that cover the selected channels once: `visit(start, end, step, count, cell)` where
 * the run holds `count` adjacent channels (element `i + k` is channel k of the run, for
 * `i = start; i < end; i += step`) and `cell` = row·K + slot of its first channel. Channels-last: one run
 * per block of consecutive selected channels (over the whole batch unless `perImage`); channels-first: one
 * contiguous plane per image and channel.
 */
function forEachRun(
  geo: BatchGeometry,
  channels: readonly number[],
  perImage: boolean,
  visit: (start: number, end: number, step: number, count: number, cell: number) => void,
): void {
  const K = channels.length;
  const { batch: N, pixels: P, channels: C, imageStride } = geo;
  if (geo.layout === 'channelsLast') {
    const runs = adjacentRuns(channels);
    // Without perImage the whole batch is one contiguous run of N·P pixels.
    const images = perImage ? N : 1;
    const span = perImage ? imageStride : N * imageStride;
    for (let n = 0; n < images; n++) {
      for (const r of runs) visit(n * span + r.first, (n + 1) * span, C, r.count, n * K + r.slot);
    }
  } else {
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < K; k++) {
        const start = n * imageStride + channels[k] * P;
        visit(start, start + P, 1, 1, (perImage ? n : 0) * K + k);
      }
    }
  }
}

/**
 * Pass 1: `stats[cell·3 + {0, 1, 2}] = {tp, P, G}` for every (row, selected class) cell (row = image when
 * `perImage`, else 0). With `threshold`, pr counts as `pr > threshold` (1 or 0). With a tape, the WebAssembly
 * kernels leave gt's masks on it for {@link denseGrad}. Widens `range` = [min, max] to the pr values read (a
 * NaN in pr or gt shows in the sums instead, except that the thresholded kernel keeps it in `range`); an empty
 * `range` (`NO_RANGE`, `checkInputs: false`) leaves the range untracked. With `sigmoid`, pr is ignored: the
 * logits are `sigmoid.x`, p = σ(x) (see {@link SigmoidPass}; `range` is not read). `squared` (no threshold, no
 * tape): four sums per cell, `stats[cell·4 + {0, 1, 2, 3}] = {Σ p·g, Σ p², Σ g², Σ g}`. With `hold` (the per-image
 * fused form, sigmoid or squared): the WebAssembly kernels keep p in their module's memory for {@link denseGrad}.
 */
export function denseStats(
  gt: FloatArray,
  pr: FloatArray,
  geo: BatchGeometry,
  channels: readonly number[],
  perImage: boolean,
  threshold: number | undefined,
  tape: RegionTape | undefined,
  range: Float64Array,
  sigmoid?: SigmoidPass,
  squared = false,
  hold?: Held,
): Float64Array {
  const width = squared ? 4 : 3;
  const stats = new Float64Array((perImage ? geo.batch : 1) * channels.length * width);
  forEachRun(geo, channels, perImage, (start, end, step, count, cell) => {
    const run = { start, end, step, count, hold };
    if (squared) squaredSumsRun(gt, sigmoid?.x ?? pr, run, stats, cell * 4, range, sigmoid);
    else if (sigmoid !== undefined) sigmoidSumsRun(gt, sigmoid, run, stats, cell * 3);
    else if (threshold !== undefined) {
      for (let k = 0; k < count; k++) {
        const r = range.length !== 0 ? range : new Float64Array(2);
        sums1Thresholded(gt, pr, start + k, end + k, step, threshold, stats, (cell + k) * 3, r);
      }
    } else if (step === count) {
      // Runs of whole pixels (every channel, or a channels-first plane) may take the WebAssembly kernels.
      sumsPixels(gt, pr, start, end, count, stats, cell * 3, range, tape);
    } else sumsAdjacent(gt, pr, start, end, step, count, stats, cell * 3, range);
  });
  return stats;
}

/** The logits of a sigmoid gradient pass, and where pass 1 stored σ of them (undefined: computed again). */
export interface SigmoidGradInput {
  x: Float32Array;
  stored: Float32Array | undefined;
}

/**
 * Pass 2: `grad = coef[2·cell]·gt + coef[2·cell + 1]` per (row, selected class) cell; other channels are 0.
 * Writes into `out` when given (zeroing it first only when some channels are not selected). With `sigmoid`
 * (logits): `grad = (coef[2·cell]·gt + coef[2·cell + 1])·p(1 − p)`, p = σ(x) read from `sigmoid.stored` (it may
 * be `out`: only the channels not selected are zeroed then) or computed again. With `squared` (the V-Net form):
 * `grad = coef[2·cell]·gt + coef[2·cell + 1]·p`, p = `squared.pr` (probabilities) or σ(x) as above, times
 * p(1 − p) with `sigmoid`. With `hold`: p where {@link denseStats} held it (the same runs in the same order).
 */
export function denseGrad(
  gt: FloatArray,
  geo: BatchGeometry,
  channels: readonly number[],
  perImage: boolean,
  coef: Float64Array,
  out: Float32Array | undefined,
  tape: RegionTape | undefined,
  sigmoid?: SigmoidGradInput,
  squared?: { pr?: FloatArray },
  hold?: Held,
): Float32Array {
  let grad: Float32Array;
  const subset = channels.length < geo.channels;
  // Pass 2 reads p (the store, or pr that `out` may alias) at the elements it writes: zero only the others then.
  const reads = sigmoid !== undefined || squared !== undefined;
  if (out === undefined) grad = new Float32Array(geo.batch * geo.imageStride);
  else if (subset && reads) grad = zeroUnselected(out, geo, channels);
  else grad = subset ? out.fill(0) : out;
  const how = sigmoid === undefined ? 'none' : sigmoid.stored !== undefined ? 'stored' : 'recompute';
  const p = sigmoid === undefined ? squared?.pr : (sigmoid.stored ?? sigmoid.x);
  forEachRun(geo, channels, perImage, (start, end, step, count, cell) => {
    const run = { start, end, step, count, hold };
    if (squared !== undefined) squaredGradRun(gt, { p: p!, sigmoid: how, grad }, run, coef, cell * 2);
    else if (sigmoid !== undefined) {
      const arrays = { x: sigmoid.x, stored: sigmoid.stored, grad };
      sigmoidGradRun(gt, arrays, run, coef, cell * 2);
    } else if (step === count) affinePixels(gt, grad, start, end, count, coef, cell * 2, tape);
    else affineAdjacent(gt, grad, start, end, step, count, coef, cell * 2);
  });
  return grad;
}

/** Sets the elements of the channels not in `channels` to 0 (the others keep what they hold); returns `out`. */
export function zeroUnselected(
  out: Float32Array,
  geo: BatchGeometry,
  channels: readonly number[],
): Float32Array {
  const { batch, pixels, channels: C, imageStride, pixelStride, channelStride } = geo;
  for (let c = 0; c < C; c++) {
    if (channels.includes(c)) continue;
    for (let b = 0; b < batch; b++) {
      const base = b * imageStride + c * channelStride;
      if (pixelStride === 1) out.fill(0, base, base + pixels);
      else for (let s = 0, i = base; s < pixels; s++, i += pixelStride) out[i] = 0;
    }
  }
  return out;
}

/**
 * NaN-sticky Σ (x − x) over the logits of the channels not in `channels` (0 exactly when they are all
 * finite): the sigmoid stage reads only the selected channels, and the general path checks every logit.
 */
export function unselectedLogitsBad(
  x: Float32Array,
  geo: BatchGeometry,
  channels: readonly number[],
): number {
  const { batch, pixels, channels: C, imageStride, pixelStride, channelStride } = geo;
  let bad = 0;
  for (let c = 0; c < C; c++) {
    if (channels.includes(c)) continue;
    for (let b = 0; b < batch; b++) {
      for (let s = 0, i = b * imageStride + c * channelStride; s < pixels; s++, i += pixelStride) {
        const v = x[i];
        bad += v - v;
      }
    }
  }
  return bad;
}

/**
 * The bad-input check of pass 1, from what the pass left (no extra pass over good data): the sums are finite
 * exactly when pr (or the probabilities of the logits) and gt hold no NaN or ±Inf in the elements read
 * (selected channels, outside `mask`'s zeros). `domain`:
 * - `'probabilities'`: pr must lie in [0, 1], `range` = [min, max] of the pr values read;
 * - `'numbers'` (a thresholded metric): only NaN is an error, `range` as above;
 * - `'logits'`: every logit must be finite (the activation reads every channel of a pixel, masked or not),
 *   `range[0]` = the NaN-sticky Σ (x − x) over the logits, 0 exactly when all are finite.
 * On bad input, one scan finds the first offending index (flat; pr before gt) for the message:
 * `diceLoss: pr must hold probabilities in [0, 1]; got NaN at index 1234.` or `gt must hold finite values …`.
 * @throws RangeError
 */
export function checkDenseInputs(
  fn: string,
  gt: ArrayLike<number>,
  pr: ArrayLike<number>,
  geo: BatchGeometry,
  channels: readonly number[],
  sums: readonly Float64Array[],
  range: Float64Array,
  domain: CheckedDomain,
  mask: Uint8Array | null = null,
): void {
  let finite = true;
  for (const a of sums) for (let i = 0; i < a.length; i++) finite = finite && Number.isFinite(a[i]);
  const inRange =
    domain === 'logits'
      ? range[0] === 0
      : domain === 'probabilities'
        ? range[0] >= 0 && range[1] <= 1
        : !Number.isNaN(range[0] + range[1]);
  if (finite && inRange) return;
  const C = geo.channels;
  const selected = new Uint8Array(C);
  for (const c of channels) selected[c] = 1;
  const read = (i: number) =>
    selected[geo.layout === 'channelsLast' ? i % C : Math.floor((i % geo.imageStride) / geo.pixels)] === 1 &&
    (mask === null || mask[i] !== 0);
  const e = firstBadInput(fn, gt, pr, domain, domain === 'logits' ? () => true : read, read);
  if (e) throw e;
}
