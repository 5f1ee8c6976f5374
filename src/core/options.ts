/**
 * Option interfaces and their validation, shared by every loss and metric of the core and by the adapters
 * (`src/tfjs`, the loss family). One module, so that every entry point spells options, defaults and error
 * messages the same way.
 *
 * How to use it in a new loss or metric (validate once, up front; kernels never validate):
 * ```ts
 * const o = resolveRegionOptions('myLoss', options, false);          // shape-independent checks, defaults
 * // ... later, per call:
 * const geo = checkGtPr('myLoss', gt, pr, o.layout);                   // NdArray checks, rank ≥ 3, same shape
 * const channels = selectedChannels('myLoss', o.classIndexes, geo.channels); // range check against C
 * checkClassWeights('myLoss', o.classWeights, channels.length);        // one weight per selected class
 * ```
 * Unknown option keys throw a TypeError naming the key (`classWeight` instead of `classWeights` is caught).
 * Error messages follow `<function>: <argument> must <expectation>; got <value>.`
 * @module
 */
import type { BatchGeometry, Layout } from './types.js';
import {
  checkBoolean,
  checkFiniteNumber,
  checkFScoreBeta,
  checkLayout,
  checkNdArray,
  checkNumberInRange,
  checkSameShape,
  formatValue,
  geometryOf,
  isNumericArray,
  rangeError,
  typeError,
} from './validate.js';

/** segmentation_models' default `smooth` (`SMOOTH = 1e-5` in `base/functional.py`). */
export const SMOOTH = 1e-5;

/** Keras' `backend.epsilon()`: the clip bound of the cross-entropy and focal losses. */
export const EPSILON = 1e-7;

/**
 * Options of the region scores and losses (F-score/Dice, IoU/Jaccard, precision, recall), sm's keyword
 * arguments in camelCase.
 */
export interface RegionOptions extends InputCheckOption {
  /** Weight of recall against precision in the F-score (F-scores and `diceLoss` only). Finite, ≥ 0. @default 1 */
  beta?: number;
  /**
   * One number for all classes, or one weight per selected class (in `classIndexes` order). Finite, ≥ 0.
   * As in sm, the result is `mean_c(w_c · score_c)`, so weights that do not average to 1 scale the score
   * (see `classWeights()` for weights normalised to mean 1).
   * @default 1
   */
  classWeights?: number | readonly number[] | Float64Array | Float32Array;
  /** Channels to score: one index or a list (order kept, no repeats); none = every channel. @default all */
  classIndexes?: number | readonly number[] | null;
  /** Added to numerator and denominator; 0 makes an empty class 0/0 = NaN. Finite, ≥ 0. @default 1e-5 */
  smooth?: number;
  /** Score every image on its own, then average over images (sm `per_image`). @default false */
  perImage?: boolean;
  /** Metrics only: binarise `pr` as `pr > threshold` (strict) before scoring; none = soft scores. @default none */
  threshold?: number | null;
  /** Where the channel axis sits (sm: `backend.image_data_format()`). @default 'channelsLast' */
  layout?: Layout;
}

/** Options of the focal losses (sm `CategoricalFocalLoss`, `BinaryFocalLoss`). */
export interface FocalOptions extends InputCheckOption {
  /** Weight of the positive term, in [0, 1]. @default 0.25 */
  alpha?: number;
  /** Focusing parameter: `(1 − p)^gamma` down-weights easy pixels. Finite, ≥ 0. @default 2 */
  gamma?: number;
  /** Categorical focal loss only: channels to use (as in {@link RegionOptions.classIndexes}). @default all */
  classIndexes?: number | readonly number[] | null;
  /** Where the channel axis sits. @default 'channelsLast' */
  layout?: Layout;
}

/** Options of the cross-entropy losses (sm `CategoricalCELoss`; `BinaryCELoss` takes only `layout`). */
export interface CrossentropyOptions extends InputCheckOption {
  /** Categorical only: one number, or one weight per selected class. Finite, ≥ 0. @default 1 */
  classWeights?: number | readonly number[] | Float64Array | Float32Array;
  /** Categorical only: channels to use. @default all */
  classIndexes?: number | readonly number[] | null;
  /** Where the channel axis sits. @default 'channelsLast' */
  layout?: Layout;
}

/** {@link RegionOptions} after validation, defaults filled in. */
export interface ResolvedRegionOptions {
  beta: number;
  /** A number, or a copy of the per-class list (length checked per call by {@link checkClassWeights}). */
  classWeights: number | Float64Array;
  /** Selected channels, or null for all (range checked per call by {@link selectedChannels}). */
  classIndexes: number[] | null;
  smooth: number;
  perImage: boolean;
  threshold: number | undefined;
  layout: Layout;
  checkInputs: boolean;
}

/** {@link FocalOptions} after validation, defaults filled in. */
export interface ResolvedFocalOptions {
  alpha: number;
  gamma: number;
  classIndexes: number[] | null;
  layout: Layout;
  checkInputs: boolean;
}

/** {@link CrossentropyOptions} after validation, defaults filled in. */
export interface ResolvedCrossentropyOptions {
  classWeights: number | Float64Array;
  classIndexes: number[] | null;
  layout: Layout;
  checkInputs: boolean;
}

/**
 * The option every loss and metric factory takes besides its own: `checkInputs`.
 */
export interface InputCheckOption {
  /**
   * Check the data of every call: NaN or ±Inf in `pr` (logits or probabilities) or `gt`, and probabilities
   * outside [0, 1] where the loss needs probabilities, throw a RangeError naming the function, the argument,
   * the value and the first offending index (`diceLoss: pr must hold probabilities in [0, 1]; got NaN at index
   * 1234.`). The check rides along the statistics pass (no extra pass over good data). With `false` it is
   * skipped: a NaN then propagates into the value and the gradient, and a probability outside [0, 1] is used
   * as it is (a silent wrong number: only for inputs known to be good, where the JS kernels gain up to a
   * third of their statistics pass; see docs/notes/issue-10-inputs.md). Shapes, labels and options are always
   * checked. @default true
   */
  checkInputs?: boolean;
}

/** Resolves `checkInputs` (see {@link InputCheckOption}) from options that passed {@link checkOptionKeys}. */
export function resolveCheckInputs(fn: string, o: InputCheckOption | undefined): boolean {
  return checkBoolean(fn, 'checkInputs', o?.checkInputs, true);
}

/**
 * Checks that `options` is undefined or a plain object whose keys are all in `allowed` (or `checkInputs`,
 * which every factory takes: {@link InputCheckOption}, read by {@link resolveCheckInputs}).
 * @throws TypeError `diceLoss: options must only use the keys beta, classWeights, …; got 'classWeight'.`
 */
export function checkOptionKeys(
  fn: string,
  options: unknown,
  allowed: readonly string[],
): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw typeError(fn, `options must be an object; got ${formatValue(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key) && key !== 'checkInputs') {
      const list = allowed.length > 0 ? `the keys ${allowed.join(', ')}` : 'no keys';
      throw typeError(fn, `options must only use ${list}; got ${formatValue(key)}.`);
    }
  }
  return options as Record<string, unknown>;
}

/**
 * Validates `classWeights`: undefined → 1; a finite number ≥ 0; or a non-empty list of them (copied to a
 * Float64Array).
 */
export function resolveClassWeights(fn: string, value: unknown): number | Float64Array {
  if (value === undefined) return 1;
  if (typeof value === 'number') return checkFiniteNumber(fn, 'classWeights', value, 0);
  if (!isNumericArray(value)) {
    throw typeError(fn, `classWeights must be a number or an array of numbers; got ${formatValue(value)}.`);
  }
  if (value.length === 0) throw rangeError(fn, `classWeights must not be empty; got [].`);
  const w = new Float64Array(value.length);
  for (let i = 0; i < value.length; i++) w[i] = checkFiniteNumber(fn, `classWeights[${i}]`, value[i], 0);
  return w;
}

/**
 * Validates `classIndexes` without knowing the channel count: undefined/null → null (all channels); an
 * integer ≥ 0 → `[i]`; a non-empty list of distinct integers ≥ 0 (order kept).
 */
export function resolveClassIndexes(fn: string, value: unknown): number[] | null {
  if (value === undefined || value === null) return null;
  const list: unknown[] | null =
    typeof value === 'number'
      ? [value]
      : isNumericArray(value)
        ? Array.from(value as ArrayLike<unknown>)
        : null;
  if (list === null) {
    throw typeError(
      fn,
      `classIndexes must be an integer or an array of integers; got ${formatValue(value)}.`,
    );
  }
  if (list.length === 0) throw rangeError(fn, `classIndexes must select at least one channel; got [].`);
  const seen = new Set<number>();
  for (const v of list) {
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw typeError(fn, `classIndexes must be integers; got ${formatValue(v)}.`);
    }
    if (v < 0) throw rangeError(fn, `classIndexes must be integers ≥ 0; got ${v}.`);
    if (seen.has(v)) throw rangeError(fn, `classIndexes must not repeat a channel; got ${v} twice.`);
    seen.add(v);
  }
  return list as number[];
}

const REGION_KEYS = ['beta', 'classWeights', 'classIndexes', 'smooth', 'perImage', 'threshold', 'layout'];

/**
 * Validates {@link RegionOptions} (everything that does not depend on the input shape) and fills in sm's
 * defaults.
 * @param fn - the public function name used in error messages (`'diceLoss'`).
 * @param allowThreshold - whether `threshold` is accepted (metrics: true; losses: false, as sm's losses have
 *   none).
 * @param allowBeta - whether `beta` is accepted (F-score and Dice: true; IoU, Jaccard, precision, recall:
 *   false, as in sm). @default true
 * @param familyKeys - the keys the factory takes besides sm's, on its loss-family path (`preset`, `fromLogits`,
 *   …): a call that sets one goes there, so here they can only be unset; they are listed in the message of an
 *   unknown key, so that a typo (`fromLogit`) is answered with every key the factory takes. @default []
 * @example resolveRegionOptions('fScore', { beta: 2 }, true) // { beta: 2, smooth: 1e-5, perImage: false, … }
 */
export function resolveRegionOptions(
  fn: string,
  options: RegionOptions | undefined,
  allowThreshold: boolean,
  allowBeta = true,
  familyKeys: readonly string[] = [],
): ResolvedRegionOptions {
  const allowed = REGION_KEYS.filter(
    (k) => (k !== 'threshold' || allowThreshold) && (k !== 'beta' || allowBeta),
  );
  const o = checkOptionKeys(fn, options, [...allowed, ...familyKeys.filter((k) => !allowed.includes(k))]);
  const threshold = o.threshold === undefined || o.threshold === null ? undefined : o.threshold;
  return {
    beta: o.beta === undefined ? 1 : checkFScoreBeta(fn, o.beta),
    classWeights: resolveClassWeights(fn, o.classWeights),
    classIndexes: resolveClassIndexes(fn, o.classIndexes),
    smooth: o.smooth === undefined ? SMOOTH : checkFiniteNumber(fn, 'smooth', o.smooth, 0),
    perImage: checkBoolean(fn, 'perImage', o.perImage, false),
    threshold: threshold === undefined ? undefined : checkFiniteNumber(fn, 'threshold', threshold),
    layout: checkLayout(fn, o.layout),
    checkInputs: resolveCheckInputs(fn, o),
  };
}

/**
 * Validates {@link FocalOptions} and fills in sm's defaults (alpha 0.25, gamma 2).
 * @param allowClassIndexes - false for the binary focal loss, which (as in sm) has no `classIndexes`.
 *   @default true
 * @example resolveFocalOptions('categoricalFocalLoss', { gamma: 1 }) // { alpha: 0.25, gamma: 1, … }
 */
export function resolveFocalOptions(
  fn: string,
  options: FocalOptions | undefined,
  allowClassIndexes = true,
): ResolvedFocalOptions {
  const keys = allowClassIndexes
    ? ['alpha', 'gamma', 'classIndexes', 'layout']
    : ['alpha', 'gamma', 'layout'];
  const o = checkOptionKeys(fn, options, keys);
  return {
    alpha: o.alpha === undefined ? 0.25 : checkNumberInRange(fn, 'alpha', o.alpha, 0, 1),
    gamma: o.gamma === undefined ? 2 : checkFiniteNumber(fn, 'gamma', o.gamma, 0),
    classIndexes: resolveClassIndexes(fn, o.classIndexes),
    layout: checkLayout(fn, o.layout),
    checkInputs: resolveCheckInputs(fn, o),
  };
}

/**
 * Validates {@link CrossentropyOptions}.
 * @param allowClassOptions - false for the binary cross-entropy, which (as sm's `BinaryCELoss`) takes only
 *   `layout`. @default true
 * @example resolveCrossentropyOptions('categoricalCrossentropy', { classIndexes: [1, 2] })
 */
export function resolveCrossentropyOptions(
  fn: string,
  options: CrossentropyOptions | undefined,
  allowClassOptions = true,
): ResolvedCrossentropyOptions {
  const o = checkOptionKeys(
    fn,
    options,
    allowClassOptions ? ['classWeights', 'classIndexes', 'layout'] : ['layout'],
  );
  return {
    classWeights: resolveClassWeights(fn, o.classWeights),
    classIndexes: resolveClassIndexes(fn, o.classIndexes),
    layout: checkLayout(fn, o.layout),
    checkInputs: resolveCheckInputs(fn, o),
  };
}

/**
 * The channels to use for an input with `channels` channels: `classIndexes` checked against the range
 * [0, channels − 1], or every channel when null.
 * @throws RangeError `fScore: classIndexes must be integers in [0, 3]; got 5.`
 */
export function selectedChannels(fn: string, classIndexes: number[] | null, channels: number): number[] {
  if (classIndexes === null) return Array.from({ length: channels }, (_, c) => c);
  for (const c of classIndexes) {
    if (c >= channels)
      throw rangeError(fn, `classIndexes must be integers in [0, ${channels - 1}]; got ${c}.`);
  }
  return classIndexes;
}

/**
 * Checks that a per-class weight list has one entry per selected class (a single number always fits).
 * @throws RangeError `diceLoss: classWeights must have 3 entries, one per selected class; got 2.`
 */
export function checkClassWeights(fn: string, weights: number | Float64Array, selected: number): void {
  if (typeof weights !== 'number' && weights.length !== selected) {
    throw rangeError(
      fn,
      `classWeights must have ${selected} ${selected === 1 ? 'entry' : 'entries'}, one per selected class; got ${weights.length}.`,
    );
  }
}

/**
 * Checks a `(gt, pr)` pair: both `{ data, shape }` with numeric data of the right length, the same shape,
 * rank ≥ 3 (`[N, ...spatial, C]` or `[N, C, ...spatial]`, at least one spatial axis); returns the geometry.
 * @throws TypeError / RangeError naming `gt` or `pr`, e.g. `diceLoss: gt and pr must have the same shape; got [2,8,8,3] and [2,8,8,4].`
 */
export function checkGtPr(fn: string, gt: unknown, pr: unknown, layout: Layout): BatchGeometry {
  const g = checkNdArray(fn, 'gt', gt, 3);
  const p = checkNdArray(fn, 'pr', pr, 3);
  checkSameShape(fn, g, p);
  return geometryOf(p.shape, layout);
}
