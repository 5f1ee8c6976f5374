/**
 * Panoptic quality (Kirillov et al. 2019, "Panoptic Segmentation", CVPR): segments are matched one to one at
 * IoU > 0.5, and per class `PQ = Σ_TP IoU / (TP + FP/2 + FN/2) = SQ × RQ` with `SQ = Σ_TP IoU / TP` and
 * `RQ = TP / (TP + FP/2 + FN/2)`. Counts are additive over images, as in the COCO panoptic evaluation.
 * @module
 */
import type { NdArray } from '../types.js';
import { checkNdArray, checkSameShape, formatValue, rangeError, typeError } from '../validate.js';

/** A panoptic labelling: an instance id per element and, optionally, a class per element. */
export interface PanopticLabels {
  /** Instance ids (integers ≥ 0); with `classes`, a segment is a (class, instance) pair. */
  instances: NdArray;
  /**
   * Class per element. Without it every nonzero instance is a segment of class 1 and instance 0 is background
   * (class 0), as in an instance label map.
   */
  classes?: NdArray;
}

/** Options of {@link panopticCounts}. */
export interface PanopticOptions {
  /**
   * A class of the ground truth that marks void (unlabelled) elements: they are left out of every IoU, and a
   * predicted segment more than half void is not a false positive (Kirillov et al. 2019, §4.1). @default null
   */
  voidLabel?: number | null;
  /** Classes that are not evaluated (neither matched nor counted), e.g. background. @default [0] */
  ignoreClasses?: readonly number[];
  /**
   * Thing classes whose ground-truth instance id 0 means "no instance": those elements are the class's crowd
   * (group) region, as COCO's `iscrowd` segments and Cityscapes' thing pixels without an instance id. A crowd
   * region is no segment (never matched, no false negative); a predicted segment of that class that is more than
   * half void or crowd of its class is not a false positive (Kirillov et al. 2019, §4.1; panopticapi
   * `pq_compute`). The IoU of a match leaves out void only. @default [] (no crowd regions)
   */
  thingClasses?: readonly number[];
}

/** Per-class panoptic counts (of one image, or summed), keyed by class id. */
export interface PanopticCounts {
  [cls: number]: { tp: number; fp: number; fn: number; iouSum: number };
}

/** Panoptic quality of one class, or the mean over classes. */
export interface PanopticQuality {
  pq: number;
  sq: number;
  rq: number;
}

/** The result of {@link panopticQuality}. */
export interface PanopticResult extends PanopticQuality {
  /** Classes averaged (those with TP + FP + FN > 0). */
  classes: number[];
  /** Per class: quality and counts. */
  perClass: Record<number, PanopticQuality & { tp: number; fp: number; fn: number }>;
}

interface Segments {
  /** Segment index per element, −1 for none (ignored class, or void). */
  index: Int32Array;
  cls: number[];
  area: number[];
}

function segmentsOf(
  fn: string,
  arg: string,
  labels: PanopticLabels,
  ignore: Set<number>,
  voidLabel: number | null,
  things: Set<number> | null,
): Segments & { isVoid: Uint8Array | null; crowd: Int32Array | null } {
  if (labels === null || typeof labels !== 'object') {
    throw typeError(fn, `${arg} must be an object { instances, classes? }; got ${formatValue(labels)}.`);
  }
  const inst = checkNdArray(fn, `${arg}.instances`, labels.instances, 1).data;
  const classes =
    labels.classes === undefined ? undefined : checkNdArray(fn, `${arg}.classes`, labels.classes, 1);
  if (classes) checkSameShape(fn, labels.instances, classes, [`${arg}.instances`, `${arg}.classes`]);
  const n = inst.length;
  const index = new Int32Array(n).fill(-1);
  const isVoid = voidLabel === null ? null : new Uint8Array(n);
  const crowd = things === null ? null : new Int32Array(n).fill(-1);
  const ids = new Map<string, number>();
  const cls: number[] = [];
  const area: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = inst[i];
    if (!(Number.isInteger(id) && id >= 0)) {
      throw rangeError(fn, `${arg}.instances must be integers ≥ 0; got ${formatValue(id)} at index ${i}.`);
    }
    const c = classes ? classes.data[i] : id === 0 ? 0 : 1;
    if (!Number.isInteger(c)) {
      throw rangeError(fn, `${arg}.classes must be integers; got ${formatValue(c)} at index ${i}.`);
    }
    if (isVoid && c === voidLabel) {
      isVoid[i] = 1;
      continue;
    }
    if (ignore.has(c)) continue;
    if (crowd && id === 0 && things!.has(c)) {
      crowd[i] = c;
      continue;
    }
    const key = `${c}/${id}`;
    let s = ids.get(key);
    if (s === undefined) {
      s = cls.length;
      ids.set(key, s);
      cls.push(c);
      area.push(0);
    }
    index[i] = s;
    area[s]++;
  }
  return { index, cls, area, isVoid, crowd };
}

/**
 * Per-class panoptic counts between a ground-truth and a predicted panoptic labelling of the same shape (any
 * rank). A ground-truth segment g and a predicted segment p of the same class match when
 * `IoU = |g ∩ p| / (|g| + |p| − |g ∩ p| − |p ∩ void|) > 0.5` — unique by construction, as two segments of one
 * labelling are disjoint. Unmatched ground-truth segments are false negatives; unmatched predicted segments are
 * false positives unless more than half of them is void or crowd of their class (`thingClasses`). Identical ids in `gt` and `pred` mean nothing: only
 * overlaps count, so the result does not change when instance ids are renumbered.
 * @example panopticCounts({ instances: { data: [1, 1, 2, 0], shape: [4] } }, { instances: { data: [5, 5, 0, 0], shape: [4] } })
 * // { 1: { tp: 1, fp: 0, fn: 1, iouSum: 1 } }
 */
export function panopticCounts(
  gt: PanopticLabels,
  pred: PanopticLabels,
  options: PanopticOptions = {},
): PanopticCounts {
  const fn = 'panopticCounts';
  const voidLabel = options.voidLabel ?? null;
  if (voidLabel !== null && !Number.isInteger(voidLabel)) {
    throw rangeError(fn, `voidLabel must be an integer or null; got ${formatValue(voidLabel)}.`);
  }
  const ignoreList = options.ignoreClasses ?? [0];
  if (!Array.isArray(ignoreList) || !ignoreList.every((c) => Number.isInteger(c))) {
    throw typeError(fn, `ignoreClasses must be an array of integers; got ${formatValue(ignoreList)}.`);
  }
  const ignore = new Set(ignoreList);
  const thingList = options.thingClasses ?? [];
  if (!Array.isArray(thingList) || !thingList.every((c) => Number.isInteger(c))) {
    throw typeError(fn, `thingClasses must be an array of integers; got ${formatValue(thingList)}.`);
  }
  const G = segmentsOf(fn, 'gt', gt, ignore, voidLabel, thingList.length ? new Set(thingList) : null);
  const P = segmentsOf(fn, 'pred', pred, ignore, null, null);
  checkSameShape(fn, gt.instances, pred.instances, ['gt.instances', 'pred.instances']);
  const voidArea = new Float64Array(P.cls.length);
  const crowdArea = new Float64Array(P.cls.length);
  const inter = new Map<number, number>();
  const stride = P.cls.length + 1;
  for (let i = 0; i < G.index.length; i++) {
    const p = P.index[i];
    if (p < 0) continue;
    if (G.isVoid && G.isVoid[i]) {
      voidArea[p]++;
      continue;
    }
    if (G.crowd && G.crowd[i] === P.cls[p]) crowdArea[p]++;
    const g = G.index[i];
    if (g < 0 || G.cls[g] !== P.cls[p]) continue;
    const key = g * stride + p;
    inter.set(key, (inter.get(key) ?? 0) + 1);
  }
  const out: PanopticCounts = {};
  const at = (c: number) => (out[c] ??= { tp: 0, fp: 0, fn: 0, iouSum: 0 });
  const gMatched = new Uint8Array(G.cls.length);
  const pMatched = new Uint8Array(P.cls.length);
  for (const [key, i] of inter) {
    const g = Math.floor(key / stride);
    const p = key - g * stride;
    const iou = i / (G.area[g] + P.area[p] - i - voidArea[p]);
    if (iou <= 0.5) continue;
    gMatched[g] = 1;
    pMatched[p] = 1;
    const e = at(G.cls[g]);
    e.tp++;
    e.iouSum += iou;
  }
  for (let g = 0; g < G.cls.length; g++) if (!gMatched[g]) at(G.cls[g]).fn++;
  for (let p = 0; p < P.cls.length; p++) {
    if (pMatched[p] || (voidArea[p] + crowdArea[p]) / P.area[p] > 0.5) continue;
    at(P.cls[p]).fp++;
  }
  return out;
}

/** The two maps of a panoptic label map: {@link splitPanopticLabels}. */
export interface PanopticSplit {
  /** Class per element. */
  classes: Int32Array;
  /** Instance id per element (0: no instance). */
  instances: Int32Array;
}

/**
 * Splits a panoptic label map with the label-divisor encoding `value = class · divisor + instance` into classes
 * and instance ids. A value below the divisor is a class without instance id (`class = value`, instance 0), as in
 * Cityscapes' `*_instanceIds.png` (stuff, and thing pixels not separated into instances) and detectron2's
 * `label_divisor` maps (stuff has instance 0). Values must be integers in [0, 2³² − 1].
 * @param divisor - the label divisor (Cityscapes and detectron2: 1000), an integer ≥ 2.
 * @example splitPanopticLabels([7, 26001, 26002, 24000], 1000)
 * // { classes: Int32Array [7, 26, 26, 24], instances: Int32Array [0, 1, 2, 0] }
 */
export function splitPanopticLabels(values: ArrayLike<number>, divisor: number): PanopticSplit {
  const fn = 'splitPanopticLabels';
  if (!(Number.isSafeInteger(divisor) && divisor >= 2)) {
    throw rangeError(fn, `divisor must be an integer ≥ 2; got ${formatValue(divisor)}.`);
  }
  const n = values.length;
  const classes = new Int32Array(n);
  const instances = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) {
      throw rangeError(fn, `values must be integers in [0, 2³² − 1]; got ${formatValue(v)} at index ${i}.`);
    }
    if (v < divisor) {
      classes[i] = v;
    } else {
      const c = Math.floor(v / divisor);
      classes[i] = c;
      instances[i] = v - c * divisor;
    }
  }
  return { classes, instances };
}

/** Adds panoptic counts class by class (images of a data set, or shards). */
export function addPanopticCounts(a: PanopticCounts, b: PanopticCounts): PanopticCounts {
  const out: PanopticCounts = {};
  for (const src of [a, b]) {
    for (const [c, e] of Object.entries(src)) {
      const o = (out[+c] ??= { tp: 0, fp: 0, fn: 0, iouSum: 0 });
      o.tp += e.tp;
      o.fp += e.fp;
      o.fn += e.fn;
      o.iouSum += e.iouSum;
    }
  }
  return out;
}

/**
 * PQ, SQ and RQ per class and their means over the classes with TP + FP + FN > 0 (the COCO panoptic
 * evaluation's average). A class with no true positive has SQ 0 (and PQ 0) when it has FP or FN.
 * @example panopticQuality({ 1: { tp: 1, fp: 0, fn: 1, iouSum: 1 } }).pq // 2/3: SQ 1 × RQ 1/1.5
 */
export function panopticQuality(counts: PanopticCounts): PanopticResult {
  const perClass: PanopticResult['perClass'] = {};
  const classes: number[] = [];
  let pq = 0;
  let sq = 0;
  let rq = 0;
  for (const c of Object.keys(counts)
    .map(Number)
    .sort((x, y) => x - y)) {
    const { tp, fp, fn, iouSum } = counts[c];
    const den = tp + fp / 2 + fn / 2;
    if (den === 0) continue;
    const q = { pq: iouSum / den, sq: tp === 0 ? 0 : iouSum / tp, rq: tp / den };
    perClass[c] = { ...q, tp, fp, fn };
    classes.push(c);
    pq += q.pq;
    sq += q.sq;
    rq += q.rq;
  }
  const k = classes.length;
  return { pq: k ? pq / k : NaN, sq: k ? sq / k : NaN, rq: k ? rq / k : NaN, classes, perClass };
}
