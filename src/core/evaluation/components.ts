/**
 * Connected components of binary masks in 2-D and 3-D, and the lesion-wise detection metrics built on them
 * (per-lesion true and false positives, sensitivity, precision, F1, and the BraTS 2023 lesion-wise Dice).
 * @module
 */
import { labelComponents } from '../kernels/components.js';
import type { NdArray } from '../types.js';
import { checkNdArray, checkSameShape, formatValue, rangeError, typeError } from '../validate.js';

/** Neighbourhood of a voxel: 4 or 8 in 2-D; 6 (faces), 18 (faces and edges) or 26 (all) in 3-D. */
export type Connectivity = 4 | 8 | 6 | 18 | 26;

/** The result of {@link connectedComponents}. */
export interface Components {
  /** One label per element: 0 = background, components 1 … count in raster order of their first element. */
  labels: Int32Array;
  /** Number of components. */
  count: number;
  /** `sizes[k]` = number of elements of component k + 1. */
  sizes: Float64Array;
}

/** The full connectivity of a rank: 8 in 2-D, 26 in 3-D (the BraTS 2023 lesion-wise rule, cc3d's default). */
export function defaultConnectivity(rank: number): Connectivity {
  return rank === 2 ? 8 : 26;
}

/** Validates a connectivity for a mask rank. */
export function resolveConnectivity(fn: string, connectivity: unknown, rank: number): Connectivity {
  if (rank !== 2 && rank !== 3) {
    throw rangeError(fn, `masks must be 2-D [H, W] or 3-D [D, H, W]; got rank ${rank}.`);
  }
  if (connectivity === undefined) return defaultConnectivity(rank);
  const allowed = rank === 2 ? [4, 8] : [6, 18, 26];
  if (!allowed.includes(connectivity as number)) {
    throw rangeError(
      fn,
      `connectivity must be ${allowed.join(' or ')} for ${rank}-D masks; got ${formatValue(connectivity)}.`,
    );
  }
  return connectivity as Connectivity;
}

/**
 * Labels the connected components of a binary mask (nonzero = foreground) of shape `[H, W]` or `[D, H, W]`, in
 * linear time (runs of each row joined in a union-find). Components are numbered 1, 2, … in raster order of their
 * first element, so the labelling is deterministic.
 * @param options.connectivity - 4 or 8 in 2-D; 6, 18 or 26 in 3-D. @default 8 in 2-D, 26 in 3-D
 * @example connectedComponents({ data: [1, 0, 1, 1, 0, 0, 0, 0, 1], shape: [3, 3] }, { connectivity: 4 }).count // 3
 */
export function connectedComponents(
  mask: NdArray,
  options: { connectivity?: Connectivity } = {},
): Components {
  const fn = 'connectedComponents';
  checkNdArray(fn, 'mask', mask, 2);
  const connectivity = resolveConnectivity(fn, options.connectivity, mask.shape.length);
  const labels = new Int32Array(mask.data.length);
  const { count, sizes } = labelComponents(mask.data, mask.shape, connectivity, labels);
  return { labels, count, sizes };
}

/** How a predicted component must overlap a ground-truth lesion to detect it. */
export interface LesionOptions {
  /** See {@link connectedComponents}. @default 8 in 2-D, 26 in 3-D */
  connectivity?: Connectivity;
  /**
   * A ground-truth lesion and a predicted component match when their IoU is above this value; 0 means any
   * overlap of at least one element (the BraTS 2023 rule, without its dilation). @default 0
   */
  iouThreshold?: number;
}

/**
 * Lesion-wise counts of one image and one class, additive over images (so they merge across shards):
 * `lesionDiceSum / (gtLesions + fp)` is the lesion-wise Dice of a set of images.
 */
export interface LesionCounts {
  /** Ground-truth lesions (components of the ground-truth mask). */
  gtLesions: number;
  /** Predicted components. */
  predLesions: number;
  /** Ground-truth lesions matched by at least one predicted component. */
  tp: number;
  /** Ground-truth lesions matched by none. */
  fn: number;
  /** Predicted components that match no ground-truth lesion. */
  fp: number;
  /** Predicted components that match at least one ground-truth lesion. */
  tpPred: number;
  /** Σ over ground-truth lesions of the Dice between the lesion and the union of its matching components (0 if none). */
  lesionDiceSum: number;
}

/** Metrics from {@link LesionCounts}. */
export interface LesionMetrics {
  /** tp / gtLesions (NaN without ground-truth lesions). */
  sensitivity: number;
  /** tpPred / predLesions (NaN without predicted components). */
  precision: number;
  /** Harmonic mean of sensitivity and precision (NaN when either is NaN; 0 when both are 0). */
  f1: number;
  /** BraTS 2023: lesionDiceSum / (gtLesions + fp); 1 when neither mask has a lesion. */
  lesionDice: number;
}

/**
 * Lesion-wise detection counts between a ground-truth and a predicted binary mask (nonzero = foreground), shape
 * `[H, W]` or `[D, H, W]`. Lesions are connected components. A ground-truth lesion g and a predicted component p
 * match when they overlap (IoU(g, p) > `iouThreshold`, 0 = any shared element). Per ground-truth lesion, its Dice is
 * taken against the union of its matching predicted components (0 when none: a false negative); every predicted
 * component that matches no lesion is a false positive and counts as Dice 0 (BraTS 2023 lesion-wise Dice, without
 * the challenge's 3-voxel dilation of ground-truth lesions or its removal of lesions under 50 voxels).
 * @example lesionCounts({ data: [1, 1, 0, 0, 0, 0, 0, 1], shape: [2, 4] }, { data: [1, 0, 0, 0, 0, 0, 0, 0], shape: [2, 4] })
 * // { gtLesions: 2, predLesions: 1, tp: 1, fn: 1, fp: 0, tpPred: 1, lesionDiceSum: 2/3 }
 */
export function lesionCounts(gt: NdArray, pred: NdArray, options: LesionOptions = {}): LesionCounts {
  const fn = 'lesionCounts';
  checkNdArray(fn, 'gt', gt, 2);
  checkNdArray(fn, 'pred', pred, 2);
  checkSameShape(fn, gt, pred, ['gt', 'pred']);
  const connectivity = resolveConnectivity(fn, options.connectivity, gt.shape.length);
  const t = options.iouThreshold ?? 0;
  if (typeof t !== 'number' || !(t >= 0 && t < 1)) {
    throw rangeError(fn, `iouThreshold must be a number in [0, 1); got ${formatValue(t)}.`);
  }
  const n = gt.data.length;
  const g = new Int32Array(n);
  const p = new Int32Array(n);
  const G = labelComponents(gt.data, gt.shape, connectivity, g);
  const P = labelComponents(pred.data, pred.shape, connectivity, p);
  return lesionCountsOfLabels(g, G.sizes, p, P.sizes, t);
}

/** The counts of {@link lesionCounts} from two labellings and their component sizes. */
export function lesionCountsOfLabels(
  g: Int32Array,
  gSizes: Float64Array,
  p: Int32Array,
  pSizes: Float64Array,
  iouThreshold: number,
): LesionCounts {
  // Overlaps of (lesion, component) pairs, sparse: key = gLabel · (pCount + 1) + pLabel.
  const stride = pSizes.length + 1;
  const overlap = new Map<number, number>();
  for (let i = 0; i < g.length; i++) {
    const a = g[i];
    const b = p[i];
    if (a !== 0 && b !== 0) {
      const key = a * stride + b;
      overlap.set(key, (overlap.get(key) ?? 0) + 1);
    }
  }
  // Matching pairs per lesion: the components matched and their shared elements.
  const matchedArea = new Float64Array(gSizes.length); // Σ |g ∩ p| over matching p
  const matchedSize = new Float64Array(gSizes.length); // Σ |p| over matching p
  const predMatched = new Uint8Array(pSizes.length);
  for (const [key, inter] of overlap) {
    const a = Math.floor(key / stride);
    const b = key - a * stride;
    const union = gSizes[a - 1] + pSizes[b - 1] - inter;
    if (!(inter / union > iouThreshold)) continue;
    matchedArea[a - 1] += inter;
    matchedSize[a - 1] += pSizes[b - 1];
    predMatched[b - 1] = 1;
  }
  let tp = 0;
  let lesionDiceSum = 0;
  for (let a = 0; a < gSizes.length; a++) {
    if (matchedSize[a] === 0) continue;
    tp++;
    // Components are disjoint, so |g ∩ ∪p| = Σ |g ∩ p| and |∪p| = Σ |p|.
    lesionDiceSum += (2 * matchedArea[a]) / (gSizes[a] + matchedSize[a]);
  }
  let tpPred = 0;
  for (let b = 0; b < pSizes.length; b++) tpPred += predMatched[b];
  return {
    gtLesions: gSizes.length,
    predLesions: pSizes.length,
    tp,
    fn: gSizes.length - tp,
    fp: pSizes.length - tpPred,
    tpPred,
    lesionDiceSum,
  };
}

/** Adds lesion counts (of several images, or shards). */
export function addLesionCounts(a: LesionCounts, b: LesionCounts): LesionCounts {
  return {
    gtLesions: a.gtLesions + b.gtLesions,
    predLesions: a.predLesions + b.predLesions,
    tp: a.tp + b.tp,
    fn: a.fn + b.fn,
    fp: a.fp + b.fp,
    tpPred: a.tpPred + b.tpPred,
    lesionDiceSum: a.lesionDiceSum + b.lesionDiceSum,
  };
}

/**
 * Lesion-wise sensitivity, precision, F1 and Dice from counts (of one image, or summed over a data set).
 * @example lesionMetrics({ gtLesions: 2, predLesions: 1, tp: 1, fn: 1, fp: 0, tpPred: 1, lesionDiceSum: 2/3 })
 * // { sensitivity: 0.5, precision: 1, f1: 2/3, lesionDice: 1/3 }
 */
export function lesionMetrics(c: LesionCounts): LesionMetrics {
  if (c === null || typeof c !== 'object') {
    throw typeError('lesionMetrics', `counts must be an object of lesion counts; got ${formatValue(c)}.`);
  }
  const sensitivity = c.gtLesions === 0 ? NaN : c.tp / c.gtLesions;
  const precision = c.predLesions === 0 ? NaN : c.tpPred / c.predLesions;
  const f1 =
    Number.isNaN(sensitivity) || Number.isNaN(precision)
      ? NaN
      : sensitivity + precision === 0
        ? 0
        : (2 * sensitivity * precision) / (sensitivity + precision);
  const den = c.gtLesions + c.fp;
  return { sensitivity, precision, f1, lesionDice: den === 0 ? 1 : c.lesionDiceSum / den };
}
