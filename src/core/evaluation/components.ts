/**
 * Connected components of binary masks in 2-D and 3-D, and the lesion-wise detection metrics built on them
 * (per-lesion true and false positives, sensitivity, precision, F1, and the BraTS 2023 lesion-wise Dice).
 * @module
 */
import { labelComponents } from '../kernels/components.js';
import { dilateBraTS } from '../kernels/dilate.js';
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
   * overlap of at least one element (the BraTS 2023 rule). Only 0 with `dilation`. @default 0
   */
  iouThreshold?: number;
  /**
   * BraTS 2023 ground-truth dilation, in steps of the structuring element of
   * `scipy.ndimage.generate_binary_structure(rank, 2)` (3×3 square in 2-D, 18-neighbourhood in 3-D). With d > 0 the
   * ground-truth mask is dilated d times; a lesion is then the ground-truth elements of one connected component
   * of the dilated mask (full connectivity, 8 / 26, as BraTS's cc3d call), so lesions closer than about 2d merge;
   * a predicted component matches a lesion when it overlaps that dilated component, and the lesion's Dice is taken
   * against the undilated lesion. BraTS 2023 uses 3 (glioma, SSA, paediatric) and 1 (meningioma, metastases).
   * @default 0
   */
  dilation?: number;
  /**
   * Ground-truth lesions of at most this many elements are not scored: they are neither TP nor FN nor in the
   * lesion Dice, but a predicted component that matches one is no false positive (BraTS 2023
   * `lesion_volume_thresh`, in voxels = mm³ at BraTS's 1 mm spacing: 50, and 2 for metastases; its predicted
   * components are never dropped by size). @default 0
   */
  sizeThreshold?: number;
}

/**
 * Lesion-wise counts of one image and one class, additive over images (so they merge across shards):
 * `lesionDiceSum / (gtLesions + fp)` is the lesion-wise Dice of a set of images.
 */
export interface LesionCounts {
  /** Ground-truth lesions scored (components of the ground-truth mask, above `sizeThreshold`). */
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
 * component that matches no lesion is a false positive and counts as Dice 0 (BraTS 2023 lesion-wise Dice). The
 * BraTS 2023 preprocessing is optional: `dilation` (ground-truth lesions grouped and matched through their dilation)
 * and `sizeThreshold` (small ground-truth lesions not scored); both default to off.
 * Reference: BraTS 2023 lesion-wise metrics, github.com/rachitsaluja/BraTS-2023-Metrics (`brats_metrics.py`).
 * @example lesionCounts({ data: [1, 1, 0, 0, 0, 0, 0, 1], shape: [2, 4] }, { data: [1, 0, 0, 0, 0, 0, 0, 0], shape: [2, 4] })
 * // { gtLesions: 2, predLesions: 1, tp: 1, fn: 1, fp: 0, tpPred: 1, lesionDiceSum: 2/3 }
 * @example lesionCounts({ data: [1, 0, 0, 1], shape: [1, 4] }, { data: [0, 1, 0, 0], shape: [1, 4] }, { dilation: 1 })
 * // the dilations {0, 1} and {2, 3} touch: one lesion {0, 3}, matched by the component {1} with Dice 0
 * // { gtLesions: 1, predLesions: 1, tp: 1, fn: 0, fp: 0, tpPred: 1, lesionDiceSum: 0 }
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
  const dilation = options.dilation ?? 0;
  if (!(Number.isSafeInteger(dilation) && dilation >= 0)) {
    throw rangeError(fn, `dilation must be an integer ≥ 0; got ${formatValue(dilation)}.`);
  }
  if (dilation > 0 && t > 0) {
    throw rangeError(
      fn,
      `iouThreshold must be 0 with dilation (a dilated lesion is matched by any overlap); got ${formatValue(t)}.`,
    );
  }
  const sizeThreshold = options.sizeThreshold ?? 0;
  if (typeof sizeThreshold !== 'number' || !(sizeThreshold >= 0) || !Number.isFinite(sizeThreshold)) {
    throw rangeError(fn, `sizeThreshold must be a finite number ≥ 0; got ${formatValue(sizeThreshold)}.`);
  }
  const n = gt.data.length;
  const p = new Int32Array(n);
  const P = labelComponents(pred.data, pred.shape, connectivity, p);
  if (dilation === 0) {
    const g = new Int32Array(n);
    const G = labelComponents(gt.data, gt.shape, connectivity, g);
    return lesionCountsOfLabels(g, G.sizes, p, P.sizes, t, null, sizeThreshold);
  }
  // Zones: the components of the dilated ground truth; a lesion is the ground truth inside one zone.
  const zone = new Int32Array(n);
  const Z = labelComponents(
    dilateBraTS(gt.data, gt.shape, dilation),
    gt.shape,
    defaultConnectivity(gt.shape.length),
    zone,
  );
  const g = new Int32Array(n);
  const sizes = new Float64Array(Z.count);
  for (let i = 0; i < n; i++) {
    if (gt.data[i] !== 0) {
      g[i] = zone[i];
      sizes[zone[i] - 1]++;
    }
  }
  return lesionCountsOfLabels(g, sizes, p, P.sizes, 0, zone, sizeThreshold);
}

/** Counts of the (a, b) label pairs where both are nonzero, sparse: key = a · stride + b. */
function pairCounts(a: Int32Array, b: Int32Array, stride: number): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== 0 && b[i] !== 0) {
      const key = a[i] * stride + b[i];
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  }
  return out;
}

/**
 * The counts of {@link lesionCounts} from two labellings and their component sizes. Lesion a and component b
 * match when b overlaps `zone` label a (when `zone` is given: the dilated lesion), else when IoU(a, b) > iouThreshold.
 * Lesions of at most `sizeThreshold` elements are not scored (their matches still clear components of FP).
 */
export function lesionCountsOfLabels(
  g: Int32Array,
  gSizes: Float64Array,
  p: Int32Array,
  pSizes: Float64Array,
  iouThreshold: number,
  zone: Int32Array | null = null,
  sizeThreshold = 0,
): LesionCounts {
  const stride = pSizes.length + 1;
  const overlap = pairCounts(g, p, stride);
  const hits = zone ? pairCounts(zone, p, stride) : overlap;
  // Matching pairs per lesion: the components matched and their shared elements.
  const matchedArea = new Float64Array(gSizes.length); // Σ |g ∩ p| over matching p
  const matchedSize = new Float64Array(gSizes.length); // Σ |p| over matching p
  const predMatched = new Uint8Array(pSizes.length);
  for (const [key, n] of hits) {
    const a = Math.floor(key / stride);
    const b = key - a * stride;
    if (!zone && !(n / (gSizes[a - 1] + pSizes[b - 1] - n) > iouThreshold)) continue;
    matchedArea[a - 1] += zone ? (overlap.get(key) ?? 0) : n;
    matchedSize[a - 1] += pSizes[b - 1];
    predMatched[b - 1] = 1;
  }
  let scored = 0;
  let tp = 0;
  let lesionDiceSum = 0;
  for (let a = 0; a < gSizes.length; a++) {
    if (gSizes[a] <= sizeThreshold) continue;
    scored++;
    if (matchedSize[a] === 0) continue;
    tp++;
    // Components are disjoint, so |g ∩ ∪p| = Σ |g ∩ p| and |∪p| = Σ |p|.
    lesionDiceSum += (2 * matchedArea[a]) / (gSizes[a] + matchedSize[a]);
  }
  let tpPred = 0;
  for (let b = 0; b < pSizes.length; b++) tpPred += predMatched[b];
  return {
    gtLesions: scored,
    predLesions: pSizes.length,
    tp,
    fn: scored - tp,
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
