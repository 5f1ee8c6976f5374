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
 * kernels leave gt's masks on it for {@link denseGrad}.
 */
export function denseStats(
  gt: FloatArray,
  pr: FloatArray,
  geo: BatchGeometry,
  channels: readonly number[],
  perImage: boolean,
  threshold: number | undefined,
  tape: RegionTape | undefined,
): Float64Array {
  const stats = new Float64Array((perImage ? geo.batch : 1) * channels.length * 3);
  forEachRun(geo, channels, perImage, (start, end, step, count, cell) => {
    if (threshold !== undefined) {
      for (let k = 0; k < count; k++) {
        sums1Thresholded(gt, pr, start + k, end + k, step, threshold, stats, (cell + k) * 3);
      }
    } else if (step === count) {
      // Runs of whole pixels (every channel, or a channels-first plane) may take the WebAssembly kernels.
      sumsPixels(gt, pr, start, end, count, stats, cell * 3, tape);
    } else sumsAdjacent(gt, pr, start, end, step, count, stats, cell * 3);
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
