/**
 * Surface distances between binary masks in any rank (2-D and 3-D in practice): exact distance transform,
 * boundary extraction, Hausdorff distance and its percentile, ASSD, MSD and normalised surface Dice.
 * @module
 */
import { boundaryMask } from '../kernels/boundary.js';
import { distanceTransformInPlace, distancesAt, type DtKind } from '../kernels/edt.js';
import type { NdArray, NumericArray } from '../types.js';
import {
  checkFiniteNumber,
  checkFiniteValues,
  checkNdArray,
  checkNumberInRange,
  checkSameShape,
  formatValue,
  rangeError,
  typeError,
} from '../validate.js';
import type { DistanceMetric, HausdorffPooling, SurfaceMetrics, SurfaceOptions } from './types.js';

const METRICS: readonly DistanceMetric[] = ['euclidean', 'taxicab', 'chessboard'];

/** Validated options of the surface functions. */
export interface ResolvedSurfaceOptions {
  spacing: number[];
  percentile: number;
  pooling: HausdorffPooling;
  tolerance: number;
  distanceMetric: DistanceMetric;
}

/** Checks `spacing` against the rank: one positive number, or one per axis. */
export function resolveSpacing(fn: string, spacing: unknown, rank: number): number[] {
  if (spacing === undefined) return new Array(rank).fill(1);
  const list = typeof spacing === 'number' ? new Array(rank).fill(spacing) : spacing;
  if (!Array.isArray(list) || list.length !== rank) {
    throw rangeError(
      fn,
      `spacing must be a positive number or ${rank} positive numbers (one per spatial axis); got ${formatValue(spacing)}.`,
    );
  }
  for (const s of list) {
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) {
      throw rangeError(fn, `spacing must hold finite numbers > 0; got ${formatValue(spacing)}.`);
    }
  }
  return [...list] as number[];
}

/** Validates the surface options for masks of rank `rank`. */
export function resolveSurfaceOptions(
  fn: string,
  options: SurfaceOptions,
  rank: number,
): ResolvedSurfaceOptions {
  if (options === null || typeof options !== 'object') {
    throw typeError(fn, `options must be an object; got ${formatValue(options)}.`);
  }
  const pooling = options.pooling ?? 'max-of-directed';
  if (pooling !== 'max-of-directed' && pooling !== 'pooled') {
    throw typeError(fn, `pooling must be 'max-of-directed' or 'pooled'; got ${formatValue(pooling)}.`);
  }
  const distanceMetric = options.distanceMetric ?? 'euclidean';
  if (!METRICS.includes(distanceMetric)) {
    throw typeError(
      fn,
      `distanceMetric must be 'euclidean', 'taxicab' or 'chessboard'; got ${formatValue(distanceMetric)}.`,
    );
  }
  return {
    spacing: resolveSpacing(fn, options.spacing, rank),
    percentile:
      options.percentile === undefined
        ? 95
        : checkNumberInRange(fn, 'percentile', options.percentile, 0, 100),
    pooling,
    tolerance: options.tolerance === undefined ? 1 : checkFiniteNumber(fn, 'tolerance', options.tolerance, 0),
    distanceMetric,
  };
}

let scratchF = new Float64Array(0);
function scratch(n: number): Float64Array {
  if (scratchF.length < n) scratchF = new Float64Array(n);
  return scratchF.subarray(0, n);
}

/** Distance-transform features of `mask` (nonzero) into a fresh Float64Array of true distances. */
function transform(
  features: ArrayLike<number>,
  shape: readonly number[],
  spacing: readonly number[],
  metric: DistanceMetric,
  out: Float64Array,
): void {
  for (let i = 0; i < out.length; i++) out[i] = features[i] !== 0 ? 0 : Infinity;
  const kind: DtKind = metric === 'euclidean' ? 'euclidean2' : metric;
  distanceTransformInPlace(out, shape, spacing, kind);
}

/**
 * Exact distance transform: for every element, the distance (in `spacing` units) to the nearest nonzero
 * element of `features`; Infinity everywhere when there is none. Euclidean by the separable algorithm of
 * Felzenszwalb & Huttenlocher (2012), linear time per axis, any rank, anisotropic spacing.
 * Note: scipy's `distance_transform_edt(x)` measures to the nearest zero, i.e. it equals
 * `distanceTransform(x == 0)`.
 * @param options.spacing - element size per axis. @default 1
 * @param options.distanceMetric - `'euclidean'`, `'taxicab'` or `'chessboard'`. @default 'euclidean'
 * @throws RangeError when `features` holds NaN or ±Infinity (naming the first index).
 * @example distanceTransform({ data: new Uint8Array([1, 0, 0]), shape: [3] }) // Float64Array [0, 1, 2]
 */
export function distanceTransform(
  features: NdArray,
  options: Pick<SurfaceOptions, 'spacing' | 'distanceMetric'> = {},
): Float64Array {
  const fn = 'distanceTransform';
  checkNdArray(fn, 'features', features, 1);
  checkFiniteValues(fn, 'features', features.data);
  const o = resolveSurfaceOptions(fn, options, features.shape.length);
  const out = new Float64Array(features.data.length);
  transform(features.data, features.shape, o.spacing, o.distanceMetric, out);
  if (o.distanceMetric === 'euclidean') for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(out[i]);
  return out;
}

/**
 * Boundary of a binary mask (nonzero = foreground): the mask minus its erosion by the cross structuring element
 * (face connectivity: 4-neighbourhood in 2-D, 6 in 3-D), the outside of the array counted as background, so
 * foreground on the array border is boundary. Same as MONAI / scipy `binary_erosion` defaults.
 * @throws RangeError when `mask` holds NaN or ±Infinity (naming the first index).
 * @example boundary({ data: new Uint8Array(9).fill(1), shape: [3, 3] }) // all but the centre
 */
export function boundary(mask: NdArray): Uint8Array {
  checkNdArray('boundary', 'mask', mask, 1);
  checkFiniteValues('boundary', 'mask', mask.data);
  const m = new Uint8Array(mask.data.length);
  for (let i = 0; i < m.length; i++) m[i] = mask.data[i] !== 0 ? 1 : 0;
  const out = new Uint8Array(m.length);
  boundaryMask(m, mask.shape, out, undefined, true);
  return out;
}

/** In-place selection: returns the k-th smallest of a[0..n) (a is reordered). */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // median of three as pivot
    let x = a[lo],
      y = a[mid],
      z = a[hi];
    if (x > y) [x, y] = [y, x];
    if (y > z) [y, z] = [z, y];
    if (x > y) [x, y] = [y, x];
    const pivot = y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/**
 * The q-th percentile (q in [0, 100]) with numpy's default linear interpolation: rank (n−1)·q/100 between the
 * neighbouring order statistics. NaN for an empty list. `values` is reordered.
 * @example percentile(new Float64Array([1, 2, 3, 4]), 50) // 2.5
 */
export function percentile(values: Float64Array, q: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const pos = ((n - 1) * q) / 100;
  const k = Math.floor(pos);
  const lo = select(values, k);
  if (k + 1 >= n || pos === k) return lo;
  let hi = Infinity;
  for (let i = k + 1; i < n; i++) if (values[i] < hi) hi = values[i];
  const t = pos - k;
  // numpy's lerp: exact at both ends
  return t >= 0.5 ? hi - (hi - lo) * (1 - t) : lo + (hi - lo) * t;
}

function emptyMetrics(value: number, nsd: number, gtBoundary: number, predBoundary: number): SurfaceMetrics {
  return {
    hausdorff: value,
    hd: value,
    hdPredToGt: value,
    hdGtToPred: value,
    assd: value,
    msdPredToGt: value,
    msdGtToPred: value,
    nsd,
    gtBoundary,
    predBoundary,
  };
}

/** Bounding box [lo, hi) per axis of the nonzero elements of a or b; null when both are empty. */
function unionBox(a: NumericArray, b: NumericArray, shape: readonly number[]): [number[], number[]] | null {
  const rank = shape.length;
  const n = shape[rank - 1];
  const lo = shape.map((d) => d);
  const hi = shape.map(() => 0);
  const coord = new Array(rank - 1).fill(0);
  let any = false;
  for (let off = 0; off < a.length; off += n) {
    // first foreground from the left, then from the right: lines with foreground are rarely read in full
    let first = -1;
    for (let x = 0; x < n; x++) {
      if (a[off + x] !== 0 || b[off + x] !== 0) {
        first = x;
        break;
      }
    }
    if (first >= 0) {
      let last = n - 1;
      while (a[off + last] === 0 && b[off + last] === 0) last--;
      any = true;
      if (first < lo[rank - 1]) lo[rank - 1] = first;
      if (last + 1 > hi[rank - 1]) hi[rank - 1] = last + 1;
      for (let k = 0; k < rank - 1; k++) {
        if (coord[k] < lo[k]) lo[k] = coord[k];
        if (coord[k] + 1 > hi[k]) hi[k] = coord[k] + 1;
      }
    }
    for (let k = rank - 2; k >= 0; k--) {
      if (++coord[k] < shape[k]) break;
      coord[k] = 0;
    }
  }
  return any ? [lo, hi] : null;
}

/** Copies the box [lo, hi) of `src` (nonzero → 1) into `out` (length: the box size). */
function crop(
  src: NumericArray,
  shape: readonly number[],
  lo: number[],
  hi: number[],
  out: Uint8Array,
): Uint8Array {
  const rank = shape.length;
  const box = hi.map((h, k) => h - lo[k]);
  const size = out.length;
  const strides: number[] = new Array(rank).fill(1);
  for (let k = rank - 2; k >= 0; k--) strides[k] = strides[k + 1] * shape[k + 1];
  const n = box[rank - 1];
  const coord = new Array(rank - 1).fill(0);
  for (let o = 0; o < size; o += n) {
    let s = lo[rank - 1];
    for (let k = 0; k < rank - 1; k++) s += (coord[k] + lo[k]) * strides[k];
    for (let x = 0; x < n; x++) out[o + x] = src[s + x] !== 0 ? 1 : 0;
    for (let k = rank - 2; k >= 0; k--) {
      if (++coord[k] < box[k]) break;
      coord[k] = 0;
    }
  }
  return out;
}

let scratchM = new Uint8Array(0);
/** The 0/1 boxes and boundary masks (every element is written, so no clearing is needed). */
function maskScratch(n: number): Uint8Array {
  if (scratchM.length < n) scratchM = new Uint8Array(n);
  return scratchM;
}

let scratchI = new Int32Array(0);
function indexScratch(n: number): Int32Array {
  if (scratchI.length < n) scratchI = new Int32Array(n);
  return scratchI;
}

/** Distances from each listed `query` boundary element to the nearest `features` boundary element. */
function directed(
  features: Uint8Array,
  queries: Int32Array,
  count: number,
  shape: readonly number[],
  o: ResolvedSurfaceOptions,
): Float64Array {
  const d = new Float64Array(count);
  const kind: DtKind = o.distanceMetric === 'euclidean' ? 'euclidean2' : o.distanceMetric;
  distancesAt(features, shape, o.spacing, kind, queries, count, scratch(features.length), d);
  if (kind === 'euclidean2') for (let i = 0; i < count; i++) d[i] = Math.sqrt(d[i]);
  return d;
}

/**
 * Surface metrics of two binary masks of the same spatial shape (no batch or channel axis; nonzero =
 * foreground): Hausdorff distance, percentile Hausdorff distance (HD95 by default) with the declared pooling,
 * ASSD, directed mean surface distances and normalised surface Dice at `tolerance` (Nikolov et al. 2021).
 * Boundaries by {@link boundary} (face connectivity, outside = background); distances are exact (Euclidean
 * distance transform on the bounding box of the union, which contains every nearest boundary point).
 *
 * Empty masks, never an error: both empty → every distance NaN, nsd NaN; exactly one empty → every distance
 * Infinity, nsd 0 (MONAI's values). Percentiles use numpy's linear interpolation.
 * @param options.spacing - voxel size per axis. @default 1
 * @param options.percentile - in [0, 100]. @default 95
 * @param options.pooling - `'max-of-directed'` (MONAI) or `'pooled'` (MedPy). @default 'max-of-directed'
 * @param options.tolerance - NSD tolerance τ, distances ≤ τ count as correct. @default 1
 * @param options.distanceMetric - @default 'euclidean'
 * @throws RangeError when `gt` or `pred` holds NaN or ±Infinity (naming the argument and the first index).
 * @example surfaceDistances(gtMask, predMask, { spacing: [0.8, 0.8, 2.5] }).hd // HD95 in mm
 */
export function surfaceDistances(gt: NdArray, pred: NdArray, options: SurfaceOptions = {}): SurfaceMetrics {
  const fn = 'surfaceDistances';
  checkNdArray(fn, 'gt', gt, 1);
  checkNdArray(fn, 'pred', pred, 1);
  checkSameShape(fn, gt, pred, ['gt', 'pred']);
  checkFiniteValues(fn, 'gt', gt.data);
  checkFiniteValues(fn, 'pred', pred.data);
  const o = resolveSurfaceOptions(fn, options, gt.shape.length);
  return surfaceDistancesResolved(gt.data, pred.data, gt.shape, o);
}

/** {@link surfaceDistances} on validated inputs. */
export function surfaceDistancesResolved(
  gt: NumericArray,
  pred: NumericArray,
  shape: readonly number[],
  o: ResolvedSurfaceOptions,
): SurfaceMetrics {
  const box = unionBox(gt, pred, shape);
  if (box === null) return emptyMetrics(NaN, NaN, 0, 0);
  const [lo, hi] = box;
  const cshape = hi.map((h, k) => h - lo[k]);
  // 0/1 copies of the box (the whole array when the box is full): the boundary kernel then works on words
  const size = cshape.reduce((a, d) => a * d, 1);
  const masks = maskScratch(4 * size);
  const g = crop(gt, shape, lo, hi, masks.subarray(0, size));
  const p = crop(pred, shape, lo, hi, masks.subarray(size, 2 * size));
  const bg = masks.subarray(2 * size, 3 * size);
  const bp = masks.subarray(3 * size, 4 * size);
  const lists = indexScratch(2 * size);
  const listG = lists.subarray(0, size);
  const listP = lists.subarray(size, 2 * size);
  const nG = boundaryMask(g, cshape, bg, listG, true);
  const nP = boundaryMask(p, cshape, bp, listP, true);
  if (nG === 0 || nP === 0) return emptyMetrics(Infinity, 0, nG, nP);
  const dPG = directed(bg, listP, nP, cshape, o);
  const dGP = directed(bp, listG, nG, cshape, o);
  let maxPG = 0,
    maxGP = 0,
    sumPG = 0,
    sumGP = 0,
    correct = 0;
  const tau = o.tolerance;
  for (let i = 0; i < nP; i++) {
    const d = dPG[i];
    if (d > maxPG) maxPG = d;
    sumPG += d;
    if (d <= tau) correct++;
  }
  for (let i = 0; i < nG; i++) {
    const d = dGP[i];
    if (d > maxGP) maxGP = d;
    sumGP += d;
    if (d <= tau) correct++;
  }
  let hdPredToGt: number, hdGtToPred: number, hd: number;
  if (o.pooling === 'pooled') {
    const all = new Float64Array(nP + nG);
    all.set(dPG);
    all.set(dGP, nP);
    hd = percentile(all, o.percentile);
    hdPredToGt = percentile(dPG, o.percentile);
    hdGtToPred = percentile(dGP, o.percentile);
  } else {
    hdPredToGt = percentile(dPG, o.percentile);
    hdGtToPred = percentile(dGP, o.percentile);
    hd = Math.max(hdPredToGt, hdGtToPred);
  }
  return {
    hausdorff: Math.max(maxPG, maxGP),
    hd,
    hdPredToGt,
    hdGtToPred,
    assd: (sumPG + sumGP) / (nP + nG),
    msdPredToGt: sumPG / nP,
    msdGtToPred: sumGP / nG,
    nsd: correct / (nP + nG),
    gtBoundary: nG,
    predBoundary: nP,
  };
}

/**
 * {@link surfaceDistances} for every class of two label maps of one image (spatial shape only): class c
 * compares `gt == c` with `pred == c`. `gt` pixels equal to `ignoreIndex` count as background of every class.
 * @param options.numClasses - number of classes C.
 * @param options.classes - classes to evaluate. @default all of [0, C)
 * @returns one entry per class in [0, C): the metrics, or null for a class not in `classes`.
 * @throws RangeError on a label outside [0, C) (ignoreIndex excepted), naming the value and the first index.
 */
export function surfaceDistancesPerClass(
  gt: NdArray,
  pred: NdArray,
  options: SurfaceOptions & { numClasses: number; classes?: readonly number[]; ignoreIndex?: number | null },
): (SurfaceMetrics | null)[] {
  const fn = 'surfaceDistancesPerClass';
  checkNdArray(fn, 'gt', gt, 1);
  checkNdArray(fn, 'pred', pred, 1);
  checkSameShape(fn, gt, pred, ['gt', 'pred']);
  const C = options?.numClasses;
  if (!Number.isInteger(C) || C < 1) {
    throw rangeError(fn, `numClasses must be an integer ≥ 1; got ${formatValue(C)}.`);
  }
  const o = resolveSurfaceOptions(fn, options, gt.shape.length);
  const ig = options.ignoreIndex ?? null;
  const classes = options.classes ?? Array.from({ length: C }, (_, c) => c);
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0 || c >= C) {
      throw rangeError(fn, `classes must be integers in [0, ${C - 1}]; got ${formatValue(c)}.`);
    }
  }
  for (const [name, a] of [
    ['gt', gt.data],
    ['pred', pred.data],
  ] as const) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (name === 'gt' && v === ig) continue;
      if (v >>> 0 !== v || v >= C) {
        const what = Number.isInteger(v) ? `in [0, ${C - 1}]` : 'integers';
        throw rangeError(fn, `${name} labels must be ${what}; got ${v} at index ${i}.`);
      }
    }
  }
  const n = gt.data.length;
  const gm = new Uint8Array(n);
  const pm = new Uint8Array(n);
  const out: (SurfaceMetrics | null)[] = new Array(C).fill(null);
  for (const c of classes) {
    for (let i = 0; i < n; i++) {
      gm[i] = gt.data[i] === c ? 1 : 0;
      pm[i] = pred.data[i] === c ? 1 : 0;
    }
    out[c] = surfaceDistancesResolved(gm, pm, gt.shape, o);
  }
  return out;
}
