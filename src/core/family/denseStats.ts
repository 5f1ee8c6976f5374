/**
 * The statistics stage of the region pipeline for probability inputs with dense targets (no activation, no
 * ignored pixels, the plain form): per (row, selected class) tp = Σ gt·pr, P = Σ pr and G = Σ gt in one pass
 * (float64 sums), and the gradient pass `grad = A·gt + B` per (row, class) that reads only gt. This is the
 * segmentation_models preset's common case and what every other preset runs when its options reduce to it.
 *
 * It dispatches each strided run to the kernels: WebAssembly SIMD (`kernels/regionWasm.ts`) for contiguous
 * runs of whole float32 pixels long enough to pay, else the JS loops (`kernels/regionStats.ts`,
 * `kernels/affineGrad.ts`); with `threshold`, the binarising JS loop (`sums1Thresholded`).
 * @module
 */
import { affineAdjacent } from '../kernels/affineGrad.js';
import { affinePixels, sumsPixels, type RegionTape } from '../kernels/regionWasm.js';
import { sums1Thresholded, sumsAdjacent, type FloatArray } from '../kernels/regionStats.js';
import type { BatchGeometry } from '../types.js';
import { type CheckedDomain, firstBadInput } from '../kernels/inputDomain.js';

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
 * `range` (`NO_RANGE`, `checkInputs: false`) leaves the range untracked.
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
): Float64Array {
  const stats = new Float64Array((perImage ? geo.batch : 1) * channels.length * 3);
  forEachRun(geo, channels, perImage, (start, end, step, count, cell) => {
    if (threshold !== undefined) {
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

/**
 * Pass 2: `grad = coef[2·cell]·gt + coef[2·cell + 1]` per (row, selected class) cell; other channels are 0.
 * Writes into `out` when given (zeroing it first only when some channels are not selected).
 */
export function denseGrad(
  gt: FloatArray,
  geo: BatchGeometry,
  channels: readonly number[],
  perImage: boolean,
  coef: Float64Array,
  out: Float32Array | undefined,
  tape: RegionTape | undefined,
): Float32Array {
  let grad: Float32Array;
  if (out === undefined) grad = new Float32Array(geo.batch * geo.imageStride);
  else grad = channels.length < geo.channels ? out.fill(0) : out;
  forEachRun(geo, channels, perImage, (start, end, step, count, cell) => {
    if (step === count) affinePixels(gt, grad, start, end, count, coef, cell * 2, tape);
    else affineAdjacent(gt, grad, start, end, step, count, coef, cell * 2);
  });
  return grad;
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
