/**
 * The streaming confusion accumulator: exact integer counts per class (and per image), mergeable across
 * processes through a versioned JSON state.
 * @module
 */
import { argmaxLabels, binaryCount, confusionCells, confusionCount } from '../kernels/confusion.js';
import type { NdArray, NumericArray } from '../types.js';
import {
  checkBoolean,
  checkFiniteNumber,
  checkFiniteValues,
  checkNdArray,
  formatShape,
  formatValue,
  rangeError,
  sizeOf,
  typeError,
} from '../validate.js';
import { imageScores, reduceCounts } from './reduce.js';
import type { ImageRows } from './reduce.js';
import { regionCountsFromCells, resolveRegions } from './regions.js';
import { SparseRowStore } from './sparseRows.js';
import type { SparseRow } from './sparseRows.js';
import type { Region } from './regions.js';
import type {
  ClassCounts,
  ComputeOptions,
  ConfusionMatrixOptions,
  ConfusionMode,
  ConfusionState,
  CountMetric,
  ImageCounts,
  MetricResult,
  SparseImageCounts,
  UpdateOptions,
} from './types.js';

const MODES: readonly ConfusionMode[] = ['multiclass', 'binary', 'multilabel'];

/** The largest C for which {@link ConfusionMatrix.matrix} builds the dense C×C matrix. */
export const DENSE_MATRIX_MAX_CLASSES = 4096;

/**
 * Per-class tp, fp, fn of one image from its non-zero cells (`key, count` pairs, key = g·C + p), as flat
 * quadruples `class, tp, fp, fn` by increasing class: only classes present in gt or pred.
 */
function classQuadruples(pairs: readonly number[], C: number): Float64Array {
  const slot = new Map<number, number>();
  const acc: number[] = [];
  const at = (c: number): number => {
    let i = slot.get(c);
    if (i === undefined) {
      i = acc.length;
      slot.set(c, i);
      acc.push(c, 0, 0, 0);
    }
    return i;
  };
  for (let j = 0; j < pairs.length; j += 2) {
    const g = Math.floor(pairs[j] / C);
    const p = pairs[j] - g * C;
    const v = pairs[j + 1];
    if (g === p) acc[at(g) + 1] += v;
    else {
      acc[at(g) + 3] += v;
      acc[at(p) + 2] += v;
    }
  }
  const classes = [...slot.keys()].sort((a, b) => a - b);
  const out = new Float64Array(4 * classes.length);
  classes.forEach((c, r) => {
    const i = slot.get(c)!;
    for (let k = 0; k < 4; k++) out[4 * r + k] = acc[i + k];
  });
  return out;
}

/** The dense per-class counts (length C each) of a sparse row. */
function expandRow(r: SparseRow, C: number): ImageCounts {
  const tp = new Array<number>(C).fill(0);
  const fp = new Array<number>(C).fill(0);
  const fn = new Array<number>(C).fill(0);
  const tn = new Array<number>(C).fill(r.pixels);
  for (let k = 0; k < r.counts.length; k += 4) {
    const c = r.counts[k];
    tp[c] = r.counts[k + 1];
    fp[c] = r.counts[k + 2];
    fn[c] = r.counts[k + 3];
    tn[c] = r.pixels - tp[c] - fp[c] - fn[c];
  }
  return { id: r.id, tp, fp, fn, tn };
}

/**
 * The per-image region rows of a state (`state.regionRows`), checked against the accumulator's regions and
 * the ids of its per-image rows (one region row per image, same order); empty without regions.
 */
function parseRegionRows(
  fn: string,
  state: ConfusionState,
  regions: readonly Region[] | null,
  ids: readonly (string | null)[],
): ImageCounts[] {
  if (!regions) return [];
  const R = regions.length;
  const given = state.regionRows;
  if (!Array.isArray(given) || given.length !== ids.length) {
    throw rangeError(
      fn,
      `state.regionRows must be an array of ${ids.length} rows (one per image); got ${formatValue(given)}.`,
    );
  }
  const checkR = (name: string, v: unknown): number[] => {
    if (!Array.isArray(v) || v.length !== R || !v.every((x) => Number.isSafeInteger(x) && x >= 0)) {
      throw rangeError(fn, `${name} must be ${R} integers ≥ 0; got ${formatValue(v)}.`);
    }
    return [...(v as number[])];
  };
  return given.map((r, i) => {
    const id = r.id === null || r.id === undefined ? null : String(r.id);
    if (id !== ids[i]) {
      throw rangeError(
        fn,
        `state.regionRows[${i}].id must equal state.rows[${i}].id; got ${formatValue(r.id)}.`,
      );
    }
    return {
      id,
      tp: checkR(`state.regionRows[${i}].tp`, r.tp),
      fp: checkR(`state.regionRows[${i}].fp`, r.fp),
      fn: checkR(`state.regionRows[${i}].fn`, r.fn),
      tn: checkR(`state.regionRows[${i}].tn`, r.tn),
    };
  });
}

/** Formats flat index `i` of `shape` as `i (position [a,b,c])`. */
function where(i: number, shape: readonly number[]): string {
  const pos: number[] = [];
  let r = i;
  for (let k = shape.length - 1; k >= 0; k--) {
    pos.unshift(r % shape[k]);
    r = Math.floor(r / shape[k]);
  }
  return `${i} (position ${formatShape(pos)})`;
}

function isIntegerArray(a: NumericArray): boolean {
  return !(a instanceof Float32Array || a instanceof Float64Array || Array.isArray(a));
}

/**
 * Streaming confusion counts for segmentation: `update` with batches, `merge` states from other workers or
 * machines, `toJSON` / `fromJSON` to store them, and `compute` any count metric with any reduction.
 *
 * Inputs always carry the batch on axis 0: a single `[H, W]` label map is passed as shape `[1, H, W]`.
 * Counts are exact integers, so merging the states of any split of a dataset reproduces the single run, and
 * the reductions sum per-image values in sorted order so the computed metrics match bit for bit.
 *
 * Memory (multiclass): the dataset counts are kept sparse (one map entry per non-zero cell of the C×C matrix),
 * and each per-image row holds only the classes present in that image's gt or pred (32 bytes each, plus the
 * row and its id: about 100 bytes per image with 3 classes present, measured over 10⁵ images, for C = 3 and
 * C = 65,536 alike), so the number of classes costs nothing per image. An image is counted through a dense C×C scratch only when C ≤ 256 and C² ≤ 4·pixels; otherwise
 * by sorting its g·C + p keys (O(P log P)).
 * @example
 * const cm = new ConfusionMatrix({ numClasses: 3, ignoreIndex: 255, perImage: true });
 * cm.update({ data: gt, shape: [1, 512, 512] }, { data: pred, shape: [1, 512, 512] }, { ids: ['case_01'] });
 * cm.compute('dice', { reduction: 'macro-imagewise' }).value;
 */
export class ConfusionMatrix {
  /** Number of classes (channels for multilabel). */
  readonly numClasses: number;
  /** How inputs are read. */
  readonly mode: ConfusionMode;
  /** The skipped gt label (multiclass), or null. */
  readonly ignoreIndex: number | null;
  /** Score threshold of binary / multilabel predictions. */
  readonly threshold: number;
  /** Whether per-image counts are kept. */
  readonly perImage: boolean;
  /** The regions counted besides the classes (multiclass), or null. */
  readonly regions: Region[] | null;
  private readonly thresholdGiven: boolean;
  private cellMap = new Map<number, number>(); // multiclass: g·C + p → count, non-zero cells only
  private counts: Float64Array; // [tp, fp, fn, tn] × C (binary / multilabel)
  private rowList: ImageCounts[] = []; // binary / multilabel
  private sparseRows = new SparseRowStore(); // multiclass, one typed-array pool for all images
  private regionRowList: ImageCounts[] = []; // per image and region (with regions)
  private imageCount = 0;
  private pixelCount = 0;
  private ignoredCount = 0;

  /**
   * @param options.numClasses - number of classes C ≥ 1 (1 for binary).
   * @param options.mode - `'multiclass'`, `'binary'` or `'multilabel'`. @default 'multiclass'
   * @param options.ignoreIndex - gt label to skip (multiclass), outside [0, C). @default null
   * @param options.threshold - positive when score > threshold (strictly, as fScore and iouScore, sm and torchmetrics). @default 0.5
   * @param options.perImage - keep per-image counts. @default false
   * @param options.regions - regions counted besides the classes (multiclass only): `{ WT: [1, 2, 3], ... }`
   * or `[{ name, labels }]`; see {@link ConfusionMatrix.computeRegions}. @default null
   */
  constructor(options: ConfusionMatrixOptions) {
    const fn = 'ConfusionMatrix';
    if (options === null || typeof options !== 'object') {
      throw typeError(fn, `options must be an object { numClasses, ... }; got ${formatValue(options)}.`);
    }
    const C = options.numClasses;
    if (!Number.isInteger(C) || C < 1 || C > 65536) {
      throw rangeError(fn, `numClasses must be an integer in [1, 65536]; got ${formatValue(C)}.`);
    }
    const mode = options.mode ?? 'multiclass';
    if (!MODES.includes(mode)) {
      throw typeError(fn, `mode must be 'multiclass', 'binary' or 'multilabel'; got ${formatValue(mode)}.`);
    }
    if (mode === 'binary' && C !== 1) {
      throw rangeError(fn, `numClasses must be 1 in mode 'binary'; got ${C}.`);
    }
    const ig = options.ignoreIndex ?? null;
    if (ig !== null) {
      if (mode !== 'multiclass') {
        throw typeError(fn, `ignoreIndex is only supported in mode 'multiclass'; got ${formatValue(ig)}.`);
      }
      if (!Number.isInteger(ig) || (ig >= 0 && ig < C)) {
        throw rangeError(fn, `ignoreIndex must be an integer outside [0, ${C - 1}]; got ${formatValue(ig)}.`);
      }
    }
    this.thresholdGiven = options.threshold !== undefined && options.threshold !== null;
    this.threshold = this.thresholdGiven ? checkFiniteNumber(fn, 'threshold', options.threshold) : 0.5;
    this.numClasses = C;
    this.mode = mode;
    this.ignoreIndex = ig;
    this.perImage = checkBoolean(fn, 'perImage', options.perImage, false);
    const regions = options.regions ?? null;
    if (regions !== null && mode !== 'multiclass') {
      throw typeError(fn, `regions are only supported in mode 'multiclass'; got mode '${mode}'.`);
    }
    this.regions = regions === null ? null : resolveRegions(fn, regions, C);
    this.counts = new Float64Array(mode === 'multiclass' ? 0 : 4 * C);
  }

  /** Number of images seen (axis-0 entries of every update, plus merged states). */
  get images(): number {
    return this.imageCount;
  }

  /**
   * Adds a batch. Multiclass: `gt` is a label map `[N, ...spatial]` of integers in [0, C) (or `ignoreIndex`),
   * `pred` a label map of the same shape or class scores with a class axis of length C (argmax; first index on
   * ties). Binary: `gt` 0/1 and `pred` 0/1 or scores, same shape `[N, ...]`. Multilabel: same-shape `gt` and
   * `pred` with a class axis of length C at axis 1 (`layout: 'channelsFirst'`) or last.
   * @param options.layout - where the class axis sits. @default 'channelsFirst'
   * @param options.ids - one identifier per image, kept in the per-image rows.
   * @throws RangeError on different shapes, a label outside [0, C) (naming the value and the first index), or
   * scores holding NaN or ±Infinity (naming `pred` and the first index),
   * TypeError on non-integer labels.
   */
  update(gt: NdArray, pred: NdArray, options: UpdateOptions = {}): this {
    const fn = 'ConfusionMatrix.update';
    checkNdArray(fn, 'gt', gt, 1);
    checkNdArray(fn, 'pred', pred, 1);
    const layout = options.layout ?? 'channelsFirst';
    if (layout !== 'channelsFirst' && layout !== 'channelsLast') {
      throw typeError(fn, `layout must be 'channelsFirst' or 'channelsLast'; got ${formatValue(layout)}.`);
    }
    const N = gt.shape[0];
    const ids = options.ids;
    if (ids !== undefined && (!Array.isArray(ids) || ids.length !== N)) {
      throw rangeError(fn, `ids must be an array of ${N} strings (one per image); got ${formatValue(ids)}.`);
    }
    const C = this.numClasses;
    const sameShape = gt.shape.length === pred.shape.length && gt.shape.every((d, i) => d === pred.shape[i]);
    const newRows: ImageCounts[] = [];
    const newSparse: SparseRow[] = [];
    const newRegionRows: ImageCounts[] = [];
    if (this.mode === 'multiclass') {
      let labels = pred.data;
      if (!sameShape) {
        const expected = layout === 'channelsFirst' ? [N, C, ...gt.shape.slice(1)] : [...gt.shape, C];
        if (pred.shape.length !== expected.length || !pred.shape.every((d, i) => d === expected[i])) {
          throw rangeError(
            fn,
            `pred must be a label map of gt's shape ${formatShape(gt.shape)} or class scores of shape ${formatShape(expected)}; got ${formatShape(pred.shape)}.`,
          );
        }
        checkFiniteValues(fn, 'pred', pred.data, 'scores', (i) => where(i, pred.shape));
        const P = sizeOf(gt.shape) / N;
        const out = C <= 256 ? new Uint8Array(N * P) : new Int32Array(N * P);
        for (let b = 0; b < N; b++) {
          const sub = out.subarray(b * P, (b + 1) * P);
          if (layout === 'channelsFirst') argmaxLabels(pred.data, b * C * P, 1, P, C, P, sub);
          else argmaxLabels(pred.data, b * C * P, C, 1, C, P, sub);
        }
        labels = out;
      }
      this.countLabels(fn, gt, labels, ids, newSparse, newRegionRows);
    } else {
      if (!sameShape) {
        throw rangeError(
          fn,
          `gt and pred must have the same shape; got ${formatShape(gt.shape)} and ${formatShape(pred.shape)}.`,
        );
      }
      this.countBinary(fn, gt, pred, layout, ids, newRows);
    }
    this.imageCount += N;
    if (this.perImage) {
      for (const r of newRows) this.rowList.push(r);
      for (const r of newSparse) this.sparseRows.push(r);
      for (const r of newRegionRows) this.regionRowList.push(r);
    }
    return this;
  }

  private countLabels(
    fn: string,
    gt: NdArray,
    pred: NumericArray,
    ids: readonly string[] | undefined,
    newRows: SparseRow[],
    newRegionRows: ImageCounts[],
  ): void {
    const C = this.numClasses;
    const N = gt.shape[0];
    const P = gt.data.length / N;
    const ig = this.ignoreIndex ?? NaN;
    // A dense C×C scratch only while it is not larger than the image; else sorted keys (many classes).
    const img = C <= 256 && C * C <= 4 * P ? new Float64Array(C * C) : null;
    const keys = img ? null : new Uint32Array(P);
    const batch = new Map<number, number>();
    const pairs: number[] = [];
    let counted = 0;
    for (let b = 0; b < N; b++) {
      pairs.length = 0;
      let bad: number;
      if (img) {
        img.fill(0);
        bad = confusionCount(gt.data, pred, b * P, (b + 1) * P, C, ig, img);
        if (bad < 0) for (let k = 0; k < C * C; k++) if (img[k] !== 0) pairs.push(k, img[k]);
      } else bad = confusionCells(gt.data, pred, b * P, (b + 1) * P, C, ig, keys!, pairs);
      if (bad >= 0) {
        const g = gt.data[bad];
        const gtBad = g >>> 0 !== g || g >= C;
        const v = gtBad ? g : pred[bad];
        const name = gtBad ? 'gt' : 'pred';
        const at = where(bad, gt.shape);
        if (!Number.isInteger(v)) {
          throw typeError(fn, `${name} labels must be integers; got ${formatValue(v)} at index ${at}.`);
        }
        const range = this.ignoreIndex === null ? '' : ` (or ignoreIndex ${this.ignoreIndex})`;
        throw rangeError(
          fn,
          `${name} labels must be in [0, ${C - 1}]${name === 'gt' ? range : ''}; got ${v} at index ${at}.`,
        );
      }
      let n = 0;
      for (let j = 0; j < pairs.length; j += 2) {
        batch.set(pairs[j], (batch.get(pairs[j]) ?? 0) + pairs[j + 1]);
        n += pairs[j + 1];
      }
      counted += n;
      if (this.perImage) {
        const id = ids ? String(ids[b]) : null;
        newRows.push({ id, pixels: n, counts: classQuadruples(pairs, C) });
        if (this.regions) newRegionRows.push({ id, ...regionCountsFromCells(pairs, C, this.regions, n) });
      }
    }
    for (const [k, v] of batch) this.cellMap.set(k, (this.cellMap.get(k) ?? 0) + v);
    this.pixelCount += counted;
    this.ignoredCount += gt.data.length - counted;
  }

  private countBinary(
    fn: string,
    gt: NdArray,
    pred: NdArray,
    layout: 'channelsFirst' | 'channelsLast',
    ids: readonly string[] | undefined,
    newRows: ImageCounts[],
  ): void {
    const C = this.numClasses;
    const N = gt.shape[0];
    const per = gt.data.length / N;
    if (this.mode === 'multilabel') {
      const axis = layout === 'channelsFirst' ? 1 : gt.shape.length - 1;
      if (gt.shape.length < 2 || gt.shape[axis] !== C) {
        throw rangeError(
          fn,
          `gt must have ${C} channels on axis ${axis} (${layout}); got shape ${formatShape(gt.shape)}.`,
        );
      }
    }
    const P = per / C;
    const threshold = this.thresholdGiven || !isIntegerArray(pred.data) ? this.threshold : null;
    if (threshold !== null) checkFiniteValues(fn, 'pred', pred.data, 'scores', (i) => where(i, pred.shape));
    const batch = new Float64Array(4 * C);
    const img = new Float64Array(4);
    for (let b = 0; b < N; b++) {
      const row: ImageCounts = { id: ids ? String(ids[b]) : null, tp: [], fp: [], fn: [], tn: [] };
      for (let c = 0; c < C; c++) {
        img.fill(0);
        const off = layout === 'channelsFirst' ? b * per + c * P : b * per + c;
        const stride = layout === 'channelsFirst' ? 1 : C;
        const bad = binaryCount(gt.data, off, pred.data, off, stride, P, threshold, img);
        if (bad >= 0) {
          const idx = off + bad * stride;
          const g = gt.data[idx];
          const name = g !== 0 && g !== 1 ? 'gt' : 'pred';
          const v = name === 'gt' ? g : pred.data[idx];
          throw rangeError(
            fn,
            `${name} must hold 0 or 1; got ${formatValue(v)} at index ${where(idx, gt.shape)}.`,
          );
        }
        for (let k = 0; k < 4; k++) batch[4 * c + k] += img[k];
        row.tp.push(img[0]);
        row.fp.push(img[1]);
        row.fn.push(img[2]);
        row.tn.push(img[3]);
      }
      if (this.perImage) newRows.push(row);
    }
    for (let k = 0; k < 4 * C; k++) this.counts[k] += batch[k];
    this.pixelCount += N * P;
  }

  /**
   * Adds another accumulator (or its JSON state) to this one. Both must agree on numClasses, mode, ignoreIndex,
   * threshold and perImage. Per-image rows are appended after this one's. Linear in the other's size (its
   * counts and rows are read once; a state is checked once, by {@link ConfusionMatrix.fromJSON}), so merging
   * states of any number of per-image rows works (no argument spreading).
   * @throws RangeError / TypeError naming the field that differs.
   * @example new ConfusionMatrix({ numClasses: 2 }).merge(a).merge(b.toJSON()).images // a.images + b.images
   */
  merge(other: ConfusionMatrix | ConfusionState): this {
    const fn = 'ConfusionMatrix.merge';
    const o = other instanceof ConfusionMatrix ? other : ConfusionMatrix.fromJSON(other);
    const mine = this.settings();
    const theirs = o.settings();
    for (const key of ['numClasses', 'mode', 'ignoreIndex', 'threshold', 'perImage'] as const) {
      if (theirs[key] !== mine[key]) {
        throw rangeError(
          fn,
          `other.${key} must equal ${formatValue(mine[key])}; got ${formatValue(theirs[key])}.`,
        );
      }
    }
    if (JSON.stringify(o.regions) !== JSON.stringify(this.regions)) {
      throw rangeError(
        fn,
        `other.regions must equal ${JSON.stringify(this.regions)}; got ${JSON.stringify(o.regions)}.`,
      );
    }
    if (o === this) for (const [k, v] of [...o.cellMap]) this.cellMap.set(k, 2 * v);
    else for (const [k, v] of o.cellMap) this.cellMap.set(k, (this.cellMap.get(k) ?? 0) + v);
    for (let k = 0; k < this.counts.length; k++) this.counts[k] += o.counts[k];
    this.imageCount += o.imageCount;
    this.pixelCount += o.pixelCount;
    this.ignoredCount += o.ignoredCount;
    // Rows are never changed in place once stored, so both accumulators may hold the same row objects.
    if (this.perImage && o !== this) {
      for (const r of o.rowList) this.rowList.push(r);
      this.sparseRows.append(o.sparseRows);
      for (const r of o.regionRowList) this.regionRowList.push(r);
    } else if (this.perImage) {
      this.rowList = this.rowList.concat(this.rowList);
      this.sparseRows.append(this.sparseRows);
      this.regionRowList = this.regionRowList.concat(this.regionRowList);
    }
    return this;
  }

  /** The settings two accumulators must share to merge (threshold as stored: null when not given). */
  private settings(): Pick<ConfusionState, 'numClasses' | 'mode' | 'ignoreIndex' | 'threshold' | 'perImage'> {
    return {
      numClasses: this.numClasses,
      mode: this.mode,
      ignoreIndex: this.ignoreIndex,
      threshold: this.thresholdGiven ? this.threshold : null,
      perImage: this.perImage,
    };
  }

  /** Clears every count (options are kept). */
  reset(): this {
    this.cellMap.clear();
    this.counts.fill(0);
    this.rowList = [];
    this.sparseRows = new SparseRowStore();
    this.regionRowList = [];
    this.imageCount = 0;
    this.pixelCount = 0;
    this.ignoredCount = 0;
    return this;
  }

  /** Dataset counts per class: tp, fp, fn, tn (length C each). */
  stats(): ClassCounts {
    const C = this.numClasses;
    if (this.mode === 'multiclass') {
      const tp = new Array<number>(C).fill(0);
      const fp = new Array<number>(C).fill(0);
      const fn = new Array<number>(C).fill(0);
      for (const [k, v] of this.cellMap) {
        const g = Math.floor(k / C);
        const p = k - g * C;
        if (g === p) tp[g] += v;
        else {
          fn[g] += v;
          fp[p] += v;
        }
      }
      const tn = tp.map((t, c) => this.pixelCount - t - fp[c] - fn[c]);
      return { tp, fp, fn, tn };
    }
    const pick = (k: number): number[] => Array.from({ length: C }, (_, c) => this.counts[4 * c + k]);
    return { tp: pick(0), fp: pick(1), fn: pick(2), tn: pick(3) };
  }

  /** Per-image counts, in update / merge order (empty unless `perImage`). */
  imageStats(): ImageCounts[] {
    if (this.mode === 'multiclass') return this.sparseRows.map((r) => expandRow(r, this.numClasses));
    return this.rowList.map((r) => ({
      id: r.id,
      tp: [...r.tp],
      fp: [...r.fp],
      fn: [...r.fn],
      tn: [...r.tn],
    }));
  }

  /**
   * Dataset counts per region (in the order of {@link ConfusionMatrix.regions}): sums over the region's block
   * of the confusion matrix (see {@link regionCountsFromCells}).
   * @throws TypeError without regions.
   * @example new ConfusionMatrix({ numClasses: 4, regions: { WT: [1, 2, 3] } }).update(gt, pred).regionStats().tp
   */
  regionStats(): ClassCounts {
    const regions = this.requireRegions('ConfusionMatrix.regionStats');
    const pairs: number[] = [];
    for (const [key, v] of this.cellMap) pairs.push(key, v);
    return regionCountsFromCells(pairs, this.numClasses, regions, this.pixelCount);
  }

  /**
   * Per-image counts per region, in update / merge order (empty unless `perImage`).
   * @throws TypeError without regions.
   */
  regionImageStats(): ImageCounts[] {
    this.requireRegions('ConfusionMatrix.regionImageStats');
    return this.regionRowList.map((r) => ({
      id: r.id,
      tp: [...r.tp],
      fp: [...r.fp],
      fn: [...r.fn],
      tn: [...r.tn],
    }));
  }

  /**
   * A metric per region with a reduction, as {@link ConfusionMatrix.compute} per class (every region is
   * reported: there is no background region). Per region and image, Dice = 2tp / (2tp + fp + fn) with
   * tp, fp, fn of the binarised masks (label in the region's set), NaN when tp + fp + fn = 0 under
   * `emptyReference: 'metrics-reloaded'` — the definition of nnU-Net's evaluator (Isensee et al. 2021,
   * nnunetv2/evaluation/evaluate_predictions.py, `compute_metrics` with `region_or_label` a tuple of labels).
   * @throws TypeError without regions.
   * @example cm.computeRegions('dice', { reduction: 'macro-imagewise', emptyReference: 'metrics-reloaded' }).perClass // one value per region
   */
  computeRegions(metric: CountMetric, options: ComputeOptions = {}): MetricResult {
    const fn = 'ConfusionMatrix.computeRegions';
    this.requireRegions(fn);
    return reduceCounts(
      this.regionStats(),
      this.perImage ? this.regionRowList : null,
      metric,
      { ...options, includeBackground: true },
      fn,
    );
  }

  private requireRegions(fn: string): Region[] {
    if (this.regions === null) {
      throw typeError(fn, `the accumulator must be built with regions; got regions null.`);
    }
    return this.regions;
  }

  /**
   * Per-image counts of a multiclass accumulator in their sparse form (only the classes present in each image),
   * in update / merge order (empty unless `perImage`).
   * @throws TypeError in binary / multilabel mode (use {@link ConfusionMatrix.imageStats}).
   * @example cm.sparseImageStats()[0] // { id: 'case_01', pixels: 16, counts: [0, 7, 1, 1, 1, 7, 1, 1] }
   */
  sparseImageStats(): SparseImageCounts[] {
    this.requireMulticlass('ConfusionMatrix.sparseImageStats');
    return this.sparseRows.map((r) => ({ id: r.id, pixels: r.pixels, counts: Array.from(r.counts) }));
  }

  /**
   * The non-zero cells of the C×C counts as `[gt class, predicted class, count]`, sorted by gt class, then
   * predicted class (multiclass only): the matrix of many classes without its C² zeros.
   * @throws TypeError in binary / multilabel mode.
   * @example cm.cells() // [[0, 0, 7], [0, 1, 1], [1, 0, 1], [1, 1, 7]]
   */
  cells(): [number, number, number][] {
    this.requireMulticlass('ConfusionMatrix.cells');
    const C = this.numClasses;
    return [...this.cellMap.keys()]
      .sort((a, b) => a - b)
      .map((k) => [Math.floor(k / C), k % C, this.cellMap.get(k)!]);
  }

  /**
   * The C×C matrix, row = gt class, column = predicted class (multiclass only, C ≤
   * {@link DENSE_MATRIX_MAX_CLASSES}; use {@link ConfusionMatrix.cells} for more classes).
   * @throws TypeError in binary / multilabel mode; RangeError when C > 4096.
   */
  matrix(): number[][] {
    const fn = 'ConfusionMatrix.matrix';
    this.requireMulticlass(fn);
    const C = this.numClasses;
    if (C > DENSE_MATRIX_MAX_CLASSES) {
      throw rangeError(
        fn,
        `numClasses must be at most ${DENSE_MATRIX_MAX_CLASSES} for a dense matrix; got ${C} (cells() lists the non-zero counts).`,
      );
    }
    const m = Array.from({ length: C }, () => new Array<number>(C).fill(0));
    for (const [k, v] of this.cellMap) m[Math.floor(k / C)][k % C] = v;
    return m;
  }

  private requireMulticlass(fn: string): void {
    if (this.mode !== 'multiclass') throw typeError(fn, `mode must be 'multiclass'; got '${this.mode}'.`);
  }

  /**
   * A metric with a reduction (see {@link reduceCounts}).
   * @example cm.compute('iou', { reduction: 'macro', includeBackground: false }).value
   */
  compute(metric: CountMetric, options: ComputeOptions = {}): MetricResult {
    // Multiclass rows are expanded one at a time as the reduction reads them.
    return reduceCounts(this.stats(), this.imageRows(), metric, options, 'ConfusionMatrix.compute');
  }

  /**
   * The per-image values of a metric, one Float64Array column per reported class (see {@link imageScores}):
   * the numbers of `compute(metric, { reduction: 'none' })`, without one array per image.
   * @throws RangeError unless `perImage`.
   * @example cm.imageScores('dice', { includeBackground: false })[0] // class 1's Dice of every image
   */
  imageScores(metric: CountMetric, options: ComputeOptions = {}): Float64Array[] {
    const fn = 'ConfusionMatrix.imageScores';
    if (!this.perImage) {
      throw rangeError(
        fn,
        `per-image values need per-image counts; create the ConfusionMatrix with perImage: true.`,
      );
    }
    return imageScores(this.imageRows()!, this.numClasses, metric, options, fn);
  }

  /** The per-image rows as `reduceCounts` reads them (multiclass rows expanded one at a time), or null. */
  private imageRows(): ImageRows | null {
    if (!this.perImage) return null;
    const sparse = this.sparseRows;
    const C = this.numClasses;
    return this.mode === 'multiclass'
      ? { length: sparse.length, get: (i: number) => expandRow(sparse.get(i), C) }
      : this.rowList;
  }

  /** The versioned state (see {@link ConfusionState}, version 2); plain JSON, exact integer counts. */
  toJSON(): ConfusionState {
    return this.state(true);
  }

  /**
   * The state of the dataset totals alone: {@link ConfusionMatrix.toJSON} with empty `rows` (and
   * `regionRows`) but every other key, in the same order — for writers that stream the per-image rows of a
   * large accumulator themselves instead of building them all at once.
   * @example new ConfusionMatrix({ numClasses: 2, perImage: true }).update(gt, pred).totalsJSON().rows // []
   */
  totalsJSON(): ConfusionState {
    return this.state(false);
  }

  private state(withRows: boolean): ConfusionState {
    const multi = this.mode === 'multiclass';
    return {
      format: 'segkit.confusion',
      version: 2,
      mode: this.mode,
      numClasses: this.numClasses,
      ignoreIndex: this.ignoreIndex,
      threshold: this.thresholdGiven ? this.threshold : null,
      perImage: this.perImage,
      images: this.imageCount,
      pixels: this.pixelCount,
      ignored: this.ignoredCount,
      cells: multi ? this.cells().flat() : null,
      ...(multi ? {} : this.stats()),
      rows: !withRows ? [] : multi ? this.sparseImageStats() : this.imageStats(),
      ...(this.regions
        ? {
            regions: this.regions.map((r) => ({ name: r.name, labels: [...r.labels] })),
            regionRows: withRows ? this.regionImageStats() : [],
          }
        : {}),
    };
  }

  /**
   * Rebuilds an accumulator from {@link ConfusionMatrix.toJSON} output (or its parsed JSON text); reads
   * version 2 and the dense version 1.
   * @throws TypeError / RangeError naming the malformed field.
   */
  static fromJSON(state: ConfusionState): ConfusionMatrix {
    const fn = 'ConfusionMatrix.fromJSON';
    if (state === null || typeof state !== 'object' || state.format !== 'segkit.confusion') {
      throw typeError(fn, `state.format must be 'segkit.confusion'; got ${formatValue(state?.format)}.`);
    }
    const version = state.version;
    if (version !== 1 && version !== 2)
      throw rangeError(fn, `state.version must be 1 or 2; got ${formatValue(version)}.`);
    const cm = new ConfusionMatrix({
      numClasses: state.numClasses,
      mode: state.mode,
      ignoreIndex: state.ignoreIndex,
      threshold: state.threshold,
      perImage: state.perImage,
      regions: state.regions ?? null,
    });
    const C = state.numClasses;
    const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
    const checkVec = (name: string, v: unknown): number[] => {
      if (!Array.isArray(v) || v.length !== C || !v.every(isCount)) {
        throw rangeError(fn, `${name} must be ${C} integers ≥ 0; got ${formatValue(v)}.`);
      }
      return v as number[];
    };
    for (const key of ['images', 'pixels', 'ignored'] as const) {
      if (!isCount(state[key]))
        throw rangeError(fn, `state.${key} must be an integer ≥ 0; got ${formatValue(state[key])}.`);
    }
    cm.imageCount = state.images;
    cm.pixelCount = state.pixels;
    cm.ignoredCount = state.ignored;
    if (!Array.isArray(state.rows))
      throw typeError(fn, `state.rows must be an array; got ${formatValue(state.rows)}.`);
    if (state.mode !== 'multiclass') {
      const [tp, fp, fnv, tn] = (['tp', 'fp', 'fn', 'tn'] as const).map((k) =>
        checkVec(`state.${k}`, state[k]),
      );
      for (let c = 0; c < C; c++) cm.counts.set([tp[c], fp[c], fnv[c], tn[c]], 4 * c);
      cm.rowList = (state.rows as ImageCounts[]).map((r, i) => ({
        id: r.id === null || r.id === undefined ? null : String(r.id),
        tp: [...checkVec(`state.rows[${i}].tp`, r.tp)],
        fp: [...checkVec(`state.rows[${i}].fp`, r.fp)],
        fn: [...checkVec(`state.rows[${i}].fn`, r.fn)],
        tn: [...checkVec(`state.rows[${i}].tn`, r.tn)],
      }));
      return cm;
    }
    if (version === 1) {
      if (!Array.isArray(state.matrix) || state.matrix.length !== C) {
        throw rangeError(
          fn,
          `state.matrix must be ${C} rows of ${C} integers; got ${formatValue(state.matrix)}.`,
        );
      }
      state.matrix.forEach((row, g) =>
        checkVec(`state.matrix[${g}]`, row).forEach((v, p) => v !== 0 && cm.cellMap.set(g * C + p, v)),
      );
      (state.rows as ImageCounts[]).forEach((r, i) => cm.sparseRows.push(denseToSparseRow(r, i, checkVec)));
      cm.regionRowList = parseRegionRows(fn, state, cm.regions, cm.sparseRows.idList());
      return cm;
    }
    const cells = state.cells;
    if (!Array.isArray(cells) || cells.length % 3 !== 0) {
      throw rangeError(
        fn,
        `state.cells must be a flat list of triples (gt class, predicted class, count); got ${formatValue(cells)}.`,
      );
    }
    let last = -1;
    for (let j = 0; j < cells.length; j += 3) {
      const [g, p, v] = [cells[j], cells[j + 1], cells[j + 2]];
      const key = g * C + p;
      if (!isClass(g, C) || !isClass(p, C) || !(isCount(v) && v > 0) || key <= last) {
        throw rangeError(
          fn,
          `state.cells must hold classes in [0, ${C - 1}] sorted by (gt, pred) without repeats, with counts ≥ 1; got ${formatValue([g, p, v])} at triple ${j / 3}.`,
        );
      }
      cm.cellMap.set(key, v);
      last = key;
    }
    (state.rows as SparseImageCounts[]).forEach((r, i) => cm.sparseRows.push(parseSparseRow(r, i, C)));
    cm.regionRowList = parseRegionRows(fn, state, cm.regions, cm.sparseRows.idList());
    return cm;
  }
}

const isClass = (c: unknown, C: number): c is number =>
  Number.isInteger(c) && (c as number) >= 0 && (c as number) < C;

/** A version-1 dense row as a sparse row; tn must be what the other counts imply. */
function denseToSparseRow(
  r: ImageCounts,
  i: number,
  checkVec: (name: string, v: unknown) => number[],
): SparseRow {
  const fn = 'ConfusionMatrix.fromJSON';
  const [tp, fp, fnv, tn] = (['tp', 'fp', 'fn', 'tn'] as const).map((k) =>
    checkVec(`state.rows[${i}].${k}`, r?.[k]),
  );
  let pixels = 0;
  for (let c = 0; c < tp.length; c++) pixels += tp[c] + fnv[c];
  const counts: number[] = [];
  for (let c = 0; c < tp.length; c++) {
    if (tn[c] !== pixels - tp[c] - fp[c] - fnv[c]) {
      throw rangeError(
        fn,
        `state.rows[${i}].tn[${c}] must be the row's pixels minus tp, fp and fn (${pixels - tp[c] - fp[c] - fnv[c]}); got ${tn[c]}.`,
      );
    }
    if (tp[c] !== 0 || fp[c] !== 0 || fnv[c] !== 0) counts.push(c, tp[c], fp[c], fnv[c]);
  }
  const id = r.id === null || r.id === undefined ? null : String(r.id);
  return { id, pixels, counts: Float64Array.from(counts) };
}

/** Checks a version-2 sparse row: classes increasing in [0, C), counts ≥ 0, sums equal to its pixels. */
function parseSparseRow(r: SparseImageCounts, i: number, C: number): SparseRow {
  const fn = 'ConfusionMatrix.fromJSON';
  const name = `state.rows[${i}]`;
  if (r === null || typeof r !== 'object' || !Number.isSafeInteger(r.pixels) || r.pixels < 0) {
    throw rangeError(fn, `${name}.pixels must be an integer ≥ 0; got ${formatValue(r?.pixels)}.`);
  }
  const q = r.counts;
  if (!Array.isArray(q) || q.length % 4 !== 0) {
    throw rangeError(fn, `${name}.counts must be a flat list of (class, tp, fp, fn); got ${formatValue(q)}.`);
  }
  let gtSum = 0;
  let predSum = 0;
  for (let k = 0; k < q.length; k += 4) {
    const [c, tp, fp, fnv] = [q[k], q[k + 1], q[k + 2], q[k + 3]];
    const ok =
      isClass(c, C) &&
      (k === 0 || c > q[k - 4]) &&
      [tp, fp, fnv].every((v) => Number.isSafeInteger(v) && v >= 0) &&
      tp + fp + fnv <= r.pixels;
    if (!ok) {
      throw rangeError(
        fn,
        `${name}.counts must list increasing classes in [0, ${C - 1}] with tp, fp, fn ≥ 0 and tp + fp + fn ≤ pixels (${r.pixels}); got ${formatValue([c, tp, fp, fnv])} at class entry ${k / 4}.`,
      );
    }
    gtSum += tp + fnv;
    predSum += tp + fp;
  }
  if (gtSum !== r.pixels || predSum !== r.pixels) {
    throw rangeError(
      fn,
      `${name}: tp + fn and tp + fp summed over classes must both equal pixels (${r.pixels}); got ${gtSum} and ${predSum}.`,
    );
  }
  const id = r.id === null || r.id === undefined ? null : String(r.id);
  return { id, pixels: r.pixels, counts: Float64Array.from(q) };
}
