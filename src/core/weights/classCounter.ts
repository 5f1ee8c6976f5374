/**
 * Streaming per-class pixel counts over a training set, the input of {@link classWeights}.
 * @module
 */
import { bincount } from '../kernels/bincount.js';
import { checkOptionKeys } from '../options.js';
import type { Layout, NdArray, NumericArray } from '../types.js';
import {
  checkFiniteNumber,
  checkLayout,
  checkNdArray,
  formatValue,
  geometryOf,
  isNumericArray,
  rangeError,
  typeError,
} from '../validate.js';

/** Options of {@link ClassCounter}. */
export interface ClassCounterOptions {
  /** A label value that is not counted (e.g. 255 for "void"). @default none */
  ignoreIndex?: number;
}

/**
 * A counter's state as plain JSON (`counter.toJSON()`, `ClassCounter.fromJSON(state)`): what
 * {@link classWeights} needs, including the per-image presence that median-frequency balancing uses.
 */
export interface ClassCounterState {
  numClasses: number;
  ignoreIndex: number | null;
  /** Counted pixels of each class (sums of the one-hot values for `addOneHot`). */
  counts: number[];
  /** Images seen. */
  images: number;
  /** For each class, the number of images in which it has at least one pixel. */
  imagesWithClass: number[];
  /** For each class, the counted pixels of all images in which it appears (median-frequency denominator). */
  pixelsInImagesWithClass: number[];
}

const FN = 'ClassCounter';

/**
 * Accumulates per-class pixel counts over many masks, one batch at a time, without keeping the masks:
 * label maps (`addLabels`, integer class indices with an optional ignore value, counted by the shared
 * `bincount` kernel) or one-hot arrays (`addOneHot`). It also records in how many images each class appears
 * and how many pixels those images have, for median-frequency balancing (Eigen & Fergus 2015).
 *
 * Each call is all-or-nothing: an invalid label throws a RangeError naming the value and its position and
 * leaves the counter unchanged.
 *
 * @param numClasses - number of classes C (labels 0 … C − 1).
 * @param options.ignoreIndex - a label value to skip. @default none
 * @example
 * const counter = new ClassCounter(3, { ignoreIndex: 255 });
 * counter.addLabels({ data: new Uint8Array([0, 0, 1, 255]), shape: [1, 2, 2] });
 * counter.counts; // [2, 1, 0]
 * classWeights(counter); // inverse frequency, mean 1: [0.667, 1.333, 0] (class 2 is empty → 0)
 */
export class ClassCounter {
  readonly numClasses: number;
  readonly ignoreIndex: number | null;
  private readonly totals: Float64Array;
  private readonly presence: Float64Array;
  private readonly presencePixels: Float64Array;
  private imageCount = 0;

  constructor(numClasses: number, options?: ClassCounterOptions) {
    if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 1) {
      throw typeError(FN, `numClasses must be a positive integer; got ${formatValue(numClasses)}.`);
    }
    const o = checkOptionKeys(FN, options, ['ignoreIndex']);
    if (o.ignoreIndex !== undefined && !Number.isInteger(o.ignoreIndex)) {
      throw typeError(FN, `ignoreIndex must be an integer; got ${formatValue(o.ignoreIndex)}.`);
    }
    this.numClasses = numClasses;
    this.ignoreIndex = o.ignoreIndex === undefined ? null : (o.ignoreIndex as number);
    this.totals = new Float64Array(numClasses);
    this.presence = new Float64Array(numClasses);
    this.presencePixels = new Float64Array(numClasses);
  }

  /** Counted pixels per class. */
  get counts(): number[] {
    return Array.from(this.totals);
  }

  /** Number of images added so far. */
  get images(): number {
    return this.imageCount;
  }

  /**
   * Adds label maps. `labels` is `{ data, shape }` with shape `[N, ...spatial]` (axis 0 = images; a single
   * 2-D mask is `[1, H, W]`), or a bare array counted as one image. Values must be integers in
   * [0, numClasses − 1] or the ignore index.
   */
  addLabels(labels: NdArray | NumericArray): this {
    const fn = `${FN}.addLabels`;
    const nd = isNumericArray(labels)
      ? { data: labels, shape: [1, labels.length] }
      : checkNdArray(fn, 'labels', labels, 1);
    const N = nd.shape[0];
    const P = nd.data.length / N;
    const C = this.numClasses;
    const batch = new Float64Array(N * C);
    // bincount skips values equal to ignoreIndex; with no ignore value, NaN matches nothing.
    const ignore = this.ignoreIndex ?? NaN;
    for (let n = 0; n < N; n++) {
      const bad = bincount(nd.data, n * P, (n + 1) * P, C, ignore, batch.subarray(n * C, (n + 1) * C));
      if (bad >= 0) {
        const allowed = this.ignoreIndex === null ? '' : ` or the ignore index ${this.ignoreIndex}`;
        throw rangeError(
          fn,
          `labels must be integers in [0, ${C - 1}]${allowed}; got ${formatValue(nd.data[bad])} at index ${bad}.`,
        );
      }
    }
    this.commit(batch, N);
    return this;
  }

  /**
   * Adds one-hot (or soft) masks `[N, ...spatial, C]` (channels-last) or `[N, C, ...spatial]`, C =
   * numClasses: class c counts `Σ gt[..., c]`. Values must be finite and ≥ 0.
   * @param options.layout - where the channel axis sits. @default 'channelsLast'
   */
  addOneHot(gt: NdArray, options?: { layout?: Layout }): this {
    const fn = `${FN}.addOneHot`;
    const layout = checkLayout(fn, checkOptionKeys(fn, options, ['layout']).layout);
    const nd = checkNdArray(fn, 'gt', gt, 2);
    const geo = geometryOf(nd.shape, layout);
    const C = this.numClasses;
    if (geo.channels !== C) {
      throw rangeError(
        fn,
        `gt must have ${C} channels, one per class; got ${geo.channels} (shape [${nd.shape.join(',')}]).`,
      );
    }
    const batch = new Float64Array(geo.batch * C);
    const data = nd.data;
    for (let n = 0; n < geo.batch; n++) {
      for (let c = 0; c < C; c++) {
        let s = 0;
        const base = n * geo.imageStride + c * geo.channelStride;
        for (let j = 0, i = base; j < geo.pixels; j++, i += geo.pixelStride) {
          const v = data[i];
          if (!(v >= 0 && v < Infinity)) {
            throw rangeError(fn, `gt values must be finite and ≥ 0; got ${formatValue(v)} at index ${i}.`);
          }
          s += v;
        }
        batch[n * C + c] = s;
      }
    }
    this.commit(batch, geo.batch);
    return this;
  }

  /** Adds another counter (or its state) with the same classes, e.g. from a worker. */
  merge(other: ClassCounter | ClassCounterState): this {
    const s = other instanceof ClassCounter ? other.toJSON() : checkState(`${FN}.merge`, other);
    if (s.numClasses !== this.numClasses) {
      throw rangeError(`${FN}.merge`, `other must count ${this.numClasses} classes; got ${s.numClasses}.`);
    }
    for (let c = 0; c < this.numClasses; c++) {
      this.totals[c] += s.counts[c];
      this.presence[c] += s.imagesWithClass[c];
      this.presencePixels[c] += s.pixelsInImagesWithClass[c];
    }
    this.imageCount += s.images;
    return this;
  }

  /** The state as plain JSON (arrays of numbers). */
  toJSON(): ClassCounterState {
    return {
      numClasses: this.numClasses,
      ignoreIndex: this.ignoreIndex,
      counts: Array.from(this.totals),
      images: this.imageCount,
      imagesWithClass: Array.from(this.presence),
      pixelsInImagesWithClass: Array.from(this.presencePixels),
    };
  }

  /** Restores a counter from {@link ClassCounter.toJSON}'s state (validated). */
  static fromJSON(state: ClassCounterState): ClassCounter {
    const s = checkState(`${FN}.fromJSON`, state);
    const counter = new ClassCounter(
      s.numClasses,
      s.ignoreIndex === null ? undefined : { ignoreIndex: s.ignoreIndex },
    );
    return counter.merge(s);
  }

  /** Adds per-image class sums `batch[n·C + c]` of `N` images. */
  private commit(batch: Float64Array, N: number): void {
    const C = this.numClasses;
    for (let n = 0; n < N; n++) {
      let pixels = 0;
      for (let c = 0; c < C; c++) pixels += batch[n * C + c];
      for (let c = 0; c < C; c++) {
        const v = batch[n * C + c];
        this.totals[c] += v;
        if (v > 0) {
          this.presence[c]++;
          this.presencePixels[c] += pixels;
        }
      }
    }
    this.imageCount += N;
  }
}

/** Validates a {@link ClassCounterState}: matching lengths, finite non-negative numbers. */
export function checkState(fn: string, state: unknown): ClassCounterState {
  if (state === null || typeof state !== 'object') {
    throw typeError(fn, `state must be a ClassCounter state object; got ${formatValue(state)}.`);
  }
  const s = state as Partial<ClassCounterState>;
  if (typeof s.numClasses !== 'number' || !Number.isInteger(s.numClasses) || s.numClasses < 1) {
    throw typeError(fn, `state.numClasses must be a positive integer; got ${formatValue(s.numClasses)}.`);
  }
  for (const key of ['counts', 'imagesWithClass', 'pixelsInImagesWithClass'] as const) {
    const arr = s[key];
    if (!isNumericArray(arr) || arr.length !== s.numClasses) {
      throw rangeError(
        fn,
        `state.${key} must be an array of ${s.numClasses} numbers; got ${formatValue(arr)}.`,
      );
    }
    arr.forEach((v, i) => checkFiniteNumber(fn, `state.${key}[${i}]`, v, 0));
  }
  checkFiniteNumber(fn, 'state.images', s.images, 0);
  return s as ClassCounterState;
}
