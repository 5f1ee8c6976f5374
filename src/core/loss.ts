/**
 * The `Loss` and `Metric` contracts, and the sm-style algebra of losses (`a.plus(b)`, `a.times(k)`).
 * @module
 */
import { checkFiniteNumber, formatValue, overlaps, rangeError, typeError } from './validate.js';
import type { NdArray } from './types.js';

/** A loss value with its gradient with respect to the prediction. */
export interface ValueAndGrad {
  /** The loss. */
  value: number;
  /** ∂value/∂pr: same length, shape and layout as `pr.data`. */
  grad: Float32Array;
}

/** Options of one `valueAndGrad` call. */
export interface GradOptions {
  /**
   * Writes the gradient into this buffer instead of a newly allocated one, and returns it as `grad`: a
   * Float32Array with one entry per element of `pr`, sharing no memory with `gt.data` or `pr.data`. Every
   * entry is overwritten (unselected channels with 0). A training loop that reuses one buffer saves
   * allocating, zeroing and garbage-collecting a gradient-sized array on every step.
   */
  out?: Float32Array;
}

/**
 * A differentiable loss of `(gt, pr)`, in the argument order of segmentation_models (ground truth first).
 * Losses add and scale like sm's: `diceLoss().plus(categoricalFocalLoss().times(1))`.
 */
export interface Loss {
  /** Keras-style name as sm gives it (`dice_loss`, `dice_loss_plus_focal_loss`, `2dice_loss`). */
  readonly name: string;
  /** The loss value. */
  value(gt: NdArray, pr: NdArray): number;
  /**
   * The loss value and its closed-form gradient with respect to `pr`, in a new Float32Array or, with
   * `{ out }`, in the caller's buffer.
   */
  valueAndGrad(gt: NdArray, pr: NdArray, options?: GradOptions): ValueAndGrad;
  /** `this + other`, named `<this>_plus_<other>` as sm's `SumOfLosses`. */
  plus(other: Loss): Loss;
  /** `k · this`, named `<k><this>` as sm's `MultipliedLoss`. */
  times(k: number): Loss;
}

/** A score of `(gt, pr)` in sm's argument order. */
export interface Metric {
  /** Keras-style name as sm gives it (`iou_score`, `f1-score`, `f2-score`, `precision`, `recall`). */
  readonly name: string;
  /** The score, reduced over images and classes. */
  value(gt: NdArray, pr: NdArray): number;
  /** One score per selected class, after per-image averaging and before class weights. */
  perClass(gt: NdArray, pr: NdArray): number[];
}

/**
 * The two functions that define a loss; `value` defaults to the value of `valueAndGrad`. `out`, already
 * validated, is the caller's gradient buffer: a definition may write into it (and return it) or ignore it,
 * in which case {@link defineLoss} copies the returned gradient into it.
 */
export interface LossDefinition {
  name: string;
  valueAndGrad(gt: NdArray, pr: NdArray, out?: Float32Array): ValueAndGrad;
  value?(gt: NdArray, pr: NdArray): number;
}

/**
 * Validates the options of a `valueAndGrad` call and returns the `out` buffer, if any. The length is checked
 * against `pr.data` when that is an array; a malformed `pr` is left to the loss's own validation.
 */
export function resolveGradOut(
  fn: string,
  options: unknown,
  gt: unknown,
  pr: unknown,
): Float32Array | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw typeError(fn, `options must be an object such as { out }; got ${formatValue(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'out') throw typeError(fn, `options must only use the key out; got ${formatValue(key)}.`);
  }
  const out = (options as GradOptions).out;
  if (out === undefined) return undefined;
  if (!(out instanceof Float32Array)) {
    throw typeError(fn, `options.out must be a Float32Array; got ${formatValue(out)}.`);
  }
  const prData = (pr as Partial<NdArray> | null)?.data;
  if (prData !== undefined && prData !== null && typeof prData.length === 'number') {
    if (out.length !== prData.length) {
      throw rangeError(
        fn,
        `options.out must have ${prData.length} entries, one per element of pr; got ${out.length}.`,
      );
    }
    if (ArrayBuffer.isView(prData) && overlaps(out, prData)) {
      throw rangeError(fn, 'options.out must not share memory with pr.data; got a view of the same buffer.');
    }
  }
  const gtData = (gt as Partial<NdArray> | null)?.data;
  if (ArrayBuffer.isView(gtData) && overlaps(out, gtData)) {
    throw rangeError(fn, 'options.out must not share memory with gt.data; got a view of the same buffer.');
  }
  return out;
}

function isLoss(x: unknown): x is Loss {
  return (
    (typeof x === 'object' || typeof x === 'function') &&
    x !== null &&
    typeof (x as Loss).valueAndGrad === 'function' &&
    typeof (x as Loss).value === 'function'
  );
}

/** Builds a `Loss` with the sm algebra (`plus`, `times`) from its value and gradient. */
export function defineLoss(def: LossDefinition): Loss {
  const valueOf = def.value ?? ((gt: NdArray, pr: NdArray) => def.valueAndGrad(gt, pr).value);
  const fn = `${def.name}.valueAndGrad`;
  const loss: Loss = {
    name: def.name,
    value: valueOf,
    valueAndGrad: (gt, pr, options) => {
      const out = resolveGradOut(fn, options, gt, pr);
      const r = def.valueAndGrad(gt, pr, out);
      if (out === undefined || r.grad === out) return r;
      out.set(r.grad);
      return { value: r.value, grad: out };
    },
    plus: (other) => sumOfLosses(loss, other),
    times: (k) => scaledLoss(loss, k),
  };
  return loss;
}

/**
 * Adds λ·∂term/∂pr to `out` and returns λ·term: a compound's later term with no gradient pass of its own.
 * `undefined`: not applicable, `out` untouched; `null`: `out` partly changed (redo it, the term apart).
 */
export type Accumulate = (
  gt: NdArray,
  pr: NdArray,
  out: Float32Array,
  lambda: number,
) => number | undefined | null;

/** A loss that may also add its gradient into a buffer (internal: `weightedSum`). */
export interface AccumulatingLoss extends Loss {
  accumulate?: Accumulate;
}

/**
 * Σ λ_i·loss_i with the gradients summed; terms with λ = 0 are not evaluated. The first term writes its
 * gradient into the caller's `out` (× λ₁ in place when λ₁ ≠ 1). A further term that can accumulate (the
 * cross-entropy on the WebAssembly kernels) adds λ_i·∂ into it block by block, with no pass of its own; any
 * other writes into one scratch buffer kept by the loss (grown to the largest input, reused after),
 * added in one pass `grad += λ_i·scratch`. When an accumulating term falls back midway (a flagged block), the
 * whole call runs again without accumulating (the first term gives the same bits).
 * @example weightedSum('dice_plus_ce', [[1, dice], [0.5, ce]]).value(gt, pr) // dice.value + 0.5·ce.value
 */
export function weightedSum(name: string, parts: [number, Loss][]): Loss {
  const live = parts.filter(([l]) => l !== 0);
  let scratch = new Float32Array(0);
  const run = (
    gt: NdArray,
    pr: NdArray,
    out: Float32Array | undefined,
    accumulate: boolean,
  ): { value: number; grad: Float32Array } | null => {
    let value = 0;
    let grad: Float32Array | null = null;
    for (const [l, loss] of live) {
      if (grad === null) {
        const r = loss.valueAndGrad(gt, pr, out && { out });
        value += l * r.value;
        grad = r.grad;
        if (l !== 1) for (let i = 0; i < grad.length; i++) grad[i] *= l;
        continue;
      }
      const acc = accumulate ? (loss as AccumulatingLoss).accumulate?.(gt, pr, grad, l) : undefined;
      if (acc === null) return null;
      if (acc !== undefined) {
        value += acc;
        continue;
      }
      if (scratch.length < grad.length) scratch = new Float32Array(grad.length);
      const r = loss.valueAndGrad(gt, pr, { out: scratch.subarray(0, grad.length) });
      value += l * r.value;
      const s = r.grad;
      if (l === 1) for (let i = 0; i < grad.length; i++) grad[i] += s[i];
      else for (let i = 0; i < grad.length; i++) grad[i] += l * s[i];
    }
    return { value, grad: grad ?? out?.fill(0) ?? new Float32Array(pr.data.length) };
  };
  return defineLoss({
    name,
    value: (gt, pr) => live.reduce((acc, [l, loss]) => acc + l * loss.value(gt, pr), 0),
    valueAndGrad: (gt, pr, out) => run(gt, pr, out, true) ?? run(gt, pr, out, false)!,
  });
}

/** `a + b` (sm's `SumOfLosses`): {@link weightedSum} with both weights 1. */
function sumOfLosses(a: Loss, b: Loss): Loss {
  if (!isLoss(b)) throw typeError(`${a.name}.plus`, `other must be a Loss; got ${formatValue(b)}.`);
  return weightedSum(`${a.name}_plus_${b.name}`, [
    [1, a],
    [1, b],
  ]);
}

function scaledLoss(a: Loss, k: number): Loss {
  if (typeof k !== 'number') throw typeError(`${a.name}.times`, `k must be a number; got ${formatValue(k)}.`);
  checkFiniteNumber(`${a.name}.times`, 'k', k);
  return defineLoss({
    name: `${k}${a.name}`,
    value: (gt, pr) => k * a.value(gt, pr),
    valueAndGrad: (gt, pr, out) => {
      const r = a.valueAndGrad(gt, pr, out && { out });
      for (let i = 0; i < r.grad.length; i++) r.grad[i] *= k;
      return { value: k * r.value, grad: r.grad };
    },
  });
}

/**
 * A loss factory that is also its own default instance, so both sm spellings work:
 * `diceLoss({ beta: 2 }).value(gt, pr)` (the class `DiceLoss(beta=2)`) and `diceLoss.value(gt, pr)`
 * (the ready-made `dice_loss`).
 */
export type LossFactory<O> = ((options?: O) => Loss) & Loss;

/** A metric factory that is also its own default instance (`iouScore.value(gt, pr)`). */
export type MetricFactory<O> = ((options?: O) => Metric) & Metric;

/** Attaches the default instance's members to a factory function. */
export function withDefaultInstance<O, T extends Loss | Metric>(
  factory: (options?: O) => T,
): ((options?: O) => T) & T {
  const instance = factory();
  const f = factory as ((options?: O) => T) & T;
  for (const key of Object.keys(instance) as (keyof T)[]) {
    if (key === 'name') continue;
    Object.defineProperty(f, key, { value: instance[key], enumerable: true });
  }
  Object.defineProperty(f, 'name', { value: instance.name, configurable: true });
  return f;
}
