/**
 * The engine behind sm's region scores (`f_score`, `iou_score`, `precision`, `recall`) and the losses built on
 * them (`DiceLoss = 1 − f_score`, `JaccardLoss = 1 − iou_score`): validate → reduce per-class sums in one
 * pass (float64) → finish the arithmetic → optionally write the closed-form gradient in a second pass that
 * reads only `gt`.
 *
 * Reference: segmentation_models 1.0.1, `base/functional.py`. Per group g (each image when `perImage`, else
 * the whole batch) and selected class c: `tp = Σ gt·pr`, `fp = Σ pr − tp`, `fn = Σ gt − tp` over the pixels
 * of g; then a score per (g, c); mean over images when `perImage`; times the class weights; mean over
 * classes.
 * @module
 */
import { affineAdjacent } from '../kernels/affineGrad.js';
import { affinePixels, startRegionTape, sumsPixels, type RegionTape } from '../kernels/regionWasm.js';
import { sums1Thresholded, sumsAdjacent, type FloatArray } from '../kernels/regionStats.js';
import { toFloatArray } from '../kernels/toFloatArray.js';
import { checkClassWeights, checkGtPr, selectedChannels, type ResolvedRegionOptions } from '../options.js';
import { defineLoss, type Loss, type Metric } from '../loss.js';
import type { BatchGeometry, NdArray } from '../types.js';

/** Which score: F-beta (Dice at β = 1), IoU (Jaccard), precision or recall. */
export type RegionKind = 'fScore' | 'iou' | 'precision' | 'recall';

/** Everything one evaluation produces. */
export interface RegionResult {
  /** The reduced score (or `1 − score` for a loss). */
  value: number;
  /** Per selected class: mean over groups, before class weights (scores, never `1 − score`). */
  perClass: number[];
  /** ∂value/∂pr when asked for (float32, same layout as pr; zero on unselected channels). */
  grad?: Float32Array;
}

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
 * `i = start; i < end; i += step`) and `cell` = group·K + slot of its first channel. Channels-last: one run
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
 * Pass 1: `stats[cell·2 + {0, 1}] = {tp, u}` for every (group, selected class) cell, where `u` is the
 * size term of the kind: `Σpr + β²·Σgt` (F-score), `Σpr + Σgt` (IoU), `Σpr` (precision), `Σgt` (recall).
 */
function reduceStats(
  kind: RegionKind,
  beta2: number,
  gt: FloatArray,
  pr: FloatArray,
  geo: BatchGeometry,
  channels: readonly number[],
  perImage: boolean,
  threshold: number | undefined,
  tape: RegionTape | undefined,
): Float64Array {
  const stats = new Float64Array((perImage ? geo.batch : 1) * channels.length * 2);
  // u = λ·Σpr + μ·Σgt.
  const mu = kind === 'fScore' ? beta2 : kind === 'precision' ? 0 : 1;
  const lambda = kind === 'recall' ? 0 : 1;
  forEachRun(geo, channels, perImage, (start, end, step, count, cell) => {
    if (threshold !== undefined) {
      for (let k = 0; k < count; k++) {
        sums1Thresholded(gt, pr, start + k, end + k, step, threshold, lambda, mu, stats, (cell + k) * 2);
      }
    } else {
      // Σgt alone (recall): swap the roles, u = Σ(gt + 0·pr).
      const [a, b, m] = lambda === 0 ? [pr, gt, 0] : [gt, pr, mu];
      // Runs of whole pixels (every channel, or a channels-first plane) may take the WebAssembly kernels.
      // With gt in the first slot, pass 1 can leave gt's masks on the tape for pass 2.
      if (step === count)
        sumsPixels(a, b, start, end, count, m, stats, cell * 2, a === gt ? tape : undefined);
      else sumsAdjacent(a, b, start, end, step, count, m, stats, cell * 2);
    }
  });
  return stats;
}

/**
 * Score and gradient coefficients of one (group, class) from its sums, sm's formulas:
 * ∂score/∂pr = a·gt + b on every pixel of the group and class. Writes `[score, a, b]` into `out`.
 * The F-score denominator `(1 + β²)·tp + β²·fn + fp` equals `Σpr + β²·Σgt` = `u`, IoU's union is `u − tp`.
 * With `smooth = 0` an empty class gives 0/0 = NaN (and non-finite coefficients), as sm does.
 */
function scoreOf(
  kind: RegionKind,
  tp: number,
  u: number,
  beta2: number,
  smooth: number,
  out: Float64Array,
): void {
  let den: number, score: number, a: number;
  switch (kind) {
    case 'fScore':
      den = u + smooth;
      score = ((1 + beta2) * tp + smooth) / den;
      a = (1 + beta2) / den;
      break;
    case 'iou':
      den = u - tp + smooth;
      score = (tp + smooth) / den;
      a = (1 + score) / den;
      break;
    default:
      // precision (u = Σpr) and recall (u = Σgt): (tp + smooth) / (u + smooth).
      den = u + smooth;
      score = (tp + smooth) / den;
      a = 1 / den;
  }
  out[0] = score;
  out[1] = a;
  out[2] = kind === 'recall' ? 0 : -score / den;
}

/**
 * Pass 2: `grad = coef_a·gt + coef_b` per (group, selected class) cell; other channels are 0. Writes into
 * `out` when given (zeroing it first only when some channels are not selected).
 */
function writeGrad(
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
 * Evaluates a region score (or `1 − score` when `asLoss`) with sm's semantics, and its gradient when
 * `wantGrad` (into `out` when given, already validated). Validates the inputs against the resolved options
 * first.
 */
export function evaluateRegion(
  fn: string,
  kind: RegionKind,
  o: ResolvedRegionOptions,
  gtIn: NdArray,
  prIn: NdArray,
  wantGrad: boolean,
  asLoss: boolean,
  out?: Float32Array,
): RegionResult {
  const geo = checkGtPr(fn, gtIn, prIn, o.layout);
  const channels = selectedChannels(fn, o.classIndexes, geo.channels);
  const K = channels.length;
  checkClassWeights(fn, o.classWeights, K);
  const gt = toFloatArray(gtIn.data);
  const pr = toFloatArray(prIn.data);
  const groups = o.perImage ? geo.batch : 1;
  const beta2 = o.beta * o.beta;
  const tape = wantGrad ? startRegionTape() : undefined;
  const stats = reduceStats(kind, beta2, gt, pr, geo, channels, o.perImage, o.threshold, tape);

  const w = o.classWeights;
  const sign = asLoss ? -1 : 1;
  const coef = wantGrad ? new Float64Array(groups * K * 2) : undefined;
  const perClass = new Array<number>(K).fill(0);
  const s = new Float64Array(3);
  for (let g = 0; g < groups; g++) {
    for (let k = 0; k < K; k++) {
      const at = (g * K + k) * 2;
      scoreOf(kind, stats[at], stats[at + 1], beta2, o.smooth, s);
      perClass[k] += s[0];
      if (coef) {
        // value = mean_k(w_k · mean_g score_gk): each score enters with weight w_k / (K · groups).
        const scale = (sign * (typeof w === 'number' ? w : w[k])) / (K * groups);
        coef[(g * K + k) * 2] = scale * s[1];
        coef[(g * K + k) * 2 + 1] = scale * s[2];
      }
    }
  }
  let value = 0;
  for (let k = 0; k < K; k++) {
    perClass[k] /= groups;
    value += (typeof w === 'number' ? w : w[k]) * perClass[k];
  }
  value /= K;
  const result: RegionResult = { value: asLoss ? 1 - value : value, perClass };
  if (coef) result.grad = writeGrad(gt, geo, channels, o.perImage, coef, out, tape);
  return result;
}

/** Builds a sm-style `Metric` of one region kind from validated options. */
export function regionMetric(fn: string, kind: RegionKind, name: string, o: ResolvedRegionOptions): Metric {
  return {
    name,
    value: (gt, pr) => evaluateRegion(fn, kind, o, gt, pr, false, false).value,
    perClass: (gt, pr) => evaluateRegion(fn, kind, o, gt, pr, false, false).perClass,
  };
}

/** Builds a sm-style `Loss` `1 − score` of one region kind from validated options. */
export function regionLoss(fn: string, kind: RegionKind, name: string, o: ResolvedRegionOptions): Loss {
  return defineLoss({
    name,
    value: (gt, pr) => evaluateRegion(fn, kind, o, gt, pr, false, true).value,
    valueAndGrad: (gt, pr, out) => {
      const r = evaluateRegion(fn, kind, o, gt, pr, true, true, out);
      return { value: r.value, grad: r.grad as Float32Array };
    },
  });
}
