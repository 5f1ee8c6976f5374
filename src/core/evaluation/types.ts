/**
 * Types of the metrics engine: accumulator options, the serialised state, metric names, reductions and the
 * results of surface-distance computations.
 * @module
 */
import type { Region, RegionsInput } from './regions.js';

/**
 * How `update` reads its inputs.
 * - `'multiclass'`: `gt` is a label map `[N, ...spatial]`; `pred` is a label map of the same shape, or class
 *   scores (probabilities or logits) with one more axis (the class axis, placed by `layout`) reduced by argmax.
 * - `'binary'`: one class; `gt` holds 0/1, `pred` holds 0/1 or scores thresholded at `threshold`.
 * - `'multilabel'`: `gt` and `pred` have a class axis (by `layout`); each channel is a binary problem,
 *   `pred` thresholded per channel.
 */
export type ConfusionMode = 'multiclass' | 'binary' | 'multilabel';

/** Options of {@link ConfusionMatrix}. */
export interface ConfusionMatrixOptions {
  /** Number of classes C (channels for `'multilabel'`; must be 1 for `'binary'`). */
  numClasses: number;
  /** How inputs are read. @default 'multiclass' */
  mode?: ConfusionMode;
  /**
   * A `gt` label whose pixels are skipped entirely (multiclass only); must lie outside [0, C).
   * @default null (nothing ignored)
   */
  ignoreIndex?: number | null;
  /**
   * Scores `pred > threshold` (strictly) count as positive (binary / multilabel with non-integer `pred`). Integer `pred`
   * of binary / multilabel must hold 0/1 and is not thresholded unless `threshold` is given.
   * @default null (0.5 for float `pred`; integer `pred` must be 0/1)
   */
  threshold?: number | null;
  /** Keep per-image counts (needed by imagewise reductions and per-image reports). @default false */
  perImage?: boolean;
  /**
   * Regions counted besides the classes (multiclass only): named label sets, positive where the label is in
   * the set, e.g. `{ WT: [1, 2, 3], TC: [2, 3], ET: [3] }`. @default null
   */
  regions?: RegionsInput | null;
}

/** Options of {@link ConfusionMatrix.update}. */
export interface UpdateOptions {
  /** Where the class axis of class-score / multilabel inputs sits. @default 'channelsFirst' */
  layout?: 'channelsFirst' | 'channelsLast';
  /** One identifier per image of the batch (axis 0), stored with the per-image rows. */
  ids?: readonly string[];
}

/** Per-class counts (length C each), exact integers. */
export interface ClassCounts {
  tp: number[];
  fp: number[];
  fn: number[];
  tn: number[];
}

/** Per-image counts: a {@link ClassCounts} with the image's identifier (or null). */
export interface ImageCounts extends ClassCounts {
  id: string | null;
}

/**
 * Per-image counts of a multiclass {@link ConfusionMatrix}, sparse: only the classes present in the image's gt
 * or pred (tp, fp or fn not 0) are stored, so an image costs 32 bytes per present class (plus its id), whatever
 * the number of classes C. The tn of a class is `pixels − tp − fp − fn`; a class left out has tp = fp = fn = 0
 * and tn = pixels.
 * @example { id: 'case_01', pixels: 16, counts: [0, 7, 1, 1, 1, 7, 1, 1] } // classes 0 and 1: tp 7, fp 1, fn 1 each
 */
export interface SparseImageCounts {
  id: string | null;
  /** Pixels counted in the image (ignored pixels excluded). */
  pixels: number;
  /** Flat quadruples `class, tp, fp, fn`, by increasing class. */
  counts: number[];
}

/**
 * The JSON state of a {@link ConfusionMatrix} (`toJSON()`), version 2. All counts are exact integers (below
 * 2^53). Merging two states adds the counts and concatenates `rows`.
 *
 * Version 2 stores multiclass counts sparsely: `cells` (the non-zero cells of the C×C matrix) instead of the
 * dense `matrix`, no `tp`/`fp`/`fn`/`tn` totals (they follow from `cells`), and per-image rows as
 * {@link SparseImageCounts}; its size grows with the non-zero counts, not with C². Binary and multilabel
 * states keep the dense totals and rows of version 1. `fromJSON` still reads version 1 (dense `matrix`, dense
 * rows).
 */
export interface ConfusionState {
  format: 'segkit.confusion';
  /** 2 when written; 1 (dense multiclass form) is still read. */
  version: 1 | 2;
  mode: ConfusionMode;
  numClasses: number;
  ignoreIndex: number | null;
  /** The threshold given to the constructor, or null (0.5 for float `pred`, 0/1 integer `pred`). */
  threshold: number | null;
  perImage: boolean;
  /** Number of images seen. */
  images: number;
  /** Pixels counted (ignored pixels excluded), per image summed; for multilabel per channel. */
  pixels: number;
  /** Pixels skipped by `ignoreIndex`. */
  ignored: number;
  /**
   * Multiclass, version 2: the non-zero cells of the C×C counts as flat triples `gt class, predicted class,
   * count`, sorted by gt class, then predicted class. Null for binary / multilabel.
   */
  cells?: number[] | null;
  /** Multiclass, version 1 only: C×C counts, row = gt class, column = predicted class. */
  matrix?: number[][] | null;
  /** Dataset totals per class (binary / multilabel; version 1 multiclass too). */
  tp?: number[];
  fp?: number[];
  fn?: number[];
  tn?: number[];
  /**
   * Per-image counts when `perImage` (else an empty array), in update order: {@link SparseImageCounts} for
   * multiclass version 2, {@link ImageCounts} otherwise.
   */
  rows: (ImageCounts | SparseImageCounts)[];
  /** The regions (sorted, unique labels), when the accumulator has regions (an optional key). */
  regions?: Region[];
  /** Per-image counts per region, one per entry of `rows` with the same id (with `regions`). */
  regionRows?: ImageCounts[];
}

/**
 * Metrics computed from counts.
 * - `iou` (Jaccard) = tp / (tp + fp + fn)
 * - `dice` (= `f1`) = 2tp / (2tp + fp + fn)
 * - `fbeta` = (1+β²)tp / ((1+β²)tp + β²fn + fp)
 * - `precision` (PPV) = tp / (tp + fp); `recall` (= `sensitivity`, TPR) = tp / (tp + fn)
 * - `specificity` (TNR) = tn / (tn + fp); `npv` = tn / (tn + fn)
 * - `fpr` = fp / (fp + tn); `fnr` = fn / (fn + tp)
 * - `accuracy` = (tp + tn) / (tp + fp + fn + tn); `balancedAccuracy` = (recall + specificity) / 2
 * - `mcc` = (tp·tn − fp·fn) / √((tp+fp)(tp+fn)(tn+fp)(tn+fn))
 */
export type CountMetric =
  | 'iou'
  | 'dice'
  | 'f1'
  | 'fbeta'
  | 'precision'
  | 'recall'
  | 'sensitivity'
  | 'specificity'
  | 'accuracy'
  | 'balancedAccuracy'
  | 'npv'
  | 'fpr'
  | 'fnr'
  | 'mcc';

/**
 * How per-image, per-class counts become one number.
 * - `'micro'`: add all counts (images and classes), compute once.
 * - `'macro'`: per class from dataset counts, then the mean over classes.
 * - `'weighted'`: per class from dataset counts, then Σ w_c·s_c / Σ w_c with `classWeights` or, by default,
 *   the support (tp + fn) as weights.
 * - `'micro-imagewise'`: per image, add counts over classes and compute; then the mean over images.
 * - `'macro-imagewise'`: per image and class; mean over images per class, then mean over classes.
 * - `'weighted-imagewise'`: as `'macro-imagewise'` with the class weights of `'weighted'` at the end.
 * - `'none'`: the per-image × per-class values (`number[][]`), no reduction.
 * Means skip NaN values and report how many they skipped.
 */
export type Reduction =
  'micro' | 'macro' | 'weighted' | 'micro-imagewise' | 'macro-imagewise' | 'weighted-imagewise' | 'none';

/**
 * What reference-based metrics (IoU, Dice, F-β, precision, recall) return when the reference is empty
 * (tp + fn = 0), following Metrics Reloaded (Maier-Hein et al. 2024): `bothEmpty` when the prediction is empty
 * too, `predNonEmpty` otherwise.
 */
export interface EmptyReferencePolicy {
  /** Value when reference and prediction are both empty. @default NaN */
  bothEmpty?: number;
  /** Value when the reference is empty and the prediction is not. @default 0 */
  predNonEmpty?: number;
}

/** Options shared by the `…FromCounts` finishers. */
export interface FromCountsOptions {
  /** F-β weight of recall (only `fbeta`). @default 1 */
  beta?: number;
  /** Value of a 0/0 ratio not settled by `emptyReference`. @default NaN */
  zeroDivision?: number;
  /**
   * Empty-reference policy: `'metrics-reloaded'` = `{ bothEmpty: NaN, predNonEmpty: 0 }`, an object, or
   * `undefined` (the formula decides; 0/0 gives `zeroDivision`).
   * @default undefined
   */
  emptyReference?: 'metrics-reloaded' | EmptyReferencePolicy;
}

/** Options of {@link ConfusionMatrix.compute} and {@link reduceCounts}. */
export interface ComputeOptions extends FromCountsOptions {
  /** @default 'macro' */
  reduction?: Reduction;
  /** Keep class 0 (ignored when there is a single class, as MONAI). @default true */
  includeBackground?: boolean;
  /** Class weights for `'weighted'` / `'weighted-imagewise'` (length C; default: the support tp + fn). */
  classWeights?: readonly number[];
}

/** Result of {@link ConfusionMatrix.compute} / {@link reduceCounts}. */
export interface MetricResult {
  metric: CountMetric;
  reduction: Reduction;
  /** The reduced value; for `'none'` the images × classes values. */
  value: number | number[][];
  /** Per selected class: from dataset counts (`micro`, `macro`, `weighted`) or the mean over images (imagewise). */
  perClass: number[];
  /** Indices of the selected classes (all, or all but 0 when `includeBackground` is false). */
  classes: number[];
  /** Number of NaN values the final means skipped (0 for `'micro'` and `'none'`). */
  skipped: number;
}

/** Distance used between boundary points. */
export type DistanceMetric = 'euclidean' | 'taxicab' | 'chessboard';

/**
 * How the percentile Hausdorff distance pools the two directed distance sets.
 * - `'max-of-directed'` (MONAI, Huttenlocher): max(P_p(d(pred→gt)), P_p(d(gt→pred))).
 * - `'pooled'` (MedPy `hd95`, seg-metrics): P_p of the union of both sets.
 */
export type HausdorffPooling = 'max-of-directed' | 'pooled';

/**
 * What a surface is made of, and so how its points are weighted.
 * - `'boundary-voxels'` (MONAI's default, `use_subvoxels=False`; MedPy; seg-metrics): the foreground voxels with
 *   a background face neighbour, each counted once; percentiles by numpy's linear interpolation.
 * - `'surface-elements'` (Nikolov et al. 2021, google-deepmind/surface-distance; MONAI `use_subvoxels=True`):
 *   the surface elements on the voxel-corner grid, each weighted by its contour length (2-D) or area (3-D);
 *   means and NSD are weighted by those measures and percentiles are weighted nearest ranks. 2-D and 3-D only.
 */
export type SurfaceDefinition = 'boundary-voxels' | 'surface-elements';

/** Options of {@link surfaceDistances}. */
export interface SurfaceOptions {
  /** What the surfaces are made of (see {@link SurfaceDefinition}). @default 'boundary-voxels' */
  definition?: SurfaceDefinition;
  /** Voxel size per spatial axis (or one number for all), > 0. @default 1 */
  spacing?: number | readonly number[];
  /** Percentile of the percentile Hausdorff distance, in [0, 100]. @default 95 */
  percentile?: number;
  /** @default 'max-of-directed' */
  pooling?: HausdorffPooling;
  /** NSD tolerance τ (same unit as `spacing`), ≥ 0. @default 1 */
  tolerance?: number;
  /**
   * `'euclidean'` (exact EDT); `'taxicab'` = Σ spacing_i·|Δ_i|; `'chessboard'` = max spacing_i·|Δ_i|.
   * @default 'euclidean'
   */
  distanceMetric?: DistanceMetric;
}

/**
 * Surface metrics of one pair of binary masks. Distances are in `spacing` units. Empty masks: every distance
 * is NaN and `nsd` NaN when both are empty; every distance is Infinity and `nsd` 0 when exactly one is empty.
 */
export interface SurfaceMetrics {
  /** Hausdorff distance: the largest directed distance. */
  hausdorff: number;
  /** Percentile Hausdorff distance (HD95 by default) with the requested pooling. */
  hd: number;
  /** Directed percentile distance pred → gt (MONAI `directed=True`). */
  hdPredToGt: number;
  /** Directed percentile distance gt → pred. */
  hdGtToPred: number;
  /**
   * Average symmetric surface distance: (Σ d(pred→gt) + Σ d(gt→pred)) / (|∂pred| + |∂gt|); with
   * `'surface-elements'` every term weighted by the element's length / area.
   */
  assd: number;
  /** Mean surface distance pred → gt (MONAI SurfaceDistanceMetric with `symmetric=False`). */
  msdPredToGt: number;
  /** Mean surface distance gt → pred. */
  msdGtToPred: number;
  /**
   * Normalised surface Dice at `tolerance` (Nikolov et al. 2021): boundary points within τ over all; with
   * `'surface-elements'` their lengths / areas.
   */
  nsd: number;
  /** Boundary points of gt and pred (boundary voxels, or surface elements with `'surface-elements'`). */
  gtBoundary: number;
  predBoundary: number;
}

/** One row of a {@link SurfaceAccumulator}: the metrics of one image, per class (null = class not evaluated). */
export interface SurfaceRow {
  id: string | null;
  classes: (SurfaceMetrics | null)[];
}

/** JSON state of a {@link SurfaceAccumulator}, version 1. Non-finite numbers are the strings "NaN", "Infinity". */
export interface SurfaceState {
  format: 'segkit.surface';
  version: 1;
  numClasses: number;
  /** The regions, when the rows are per region (an optional key of version 1). */
  regions?: Region[];
  options: Required<Omit<SurfaceOptions, 'spacing'>>;
  rows: { id: string | null; classes: (Record<keyof SurfaceMetrics, number | string> | null)[] }[];
}

/** A mean that skipped NaN values: the value and the number of values counted and skipped. */
export interface NanMean {
  value: number;
  counted: number;
  skipped: number;
}
