/**
 * `softBCEWithLogitsLoss`: binary cross-entropy from logits with label smoothing, smp's `SoftBCEWithLogitsLoss`.
 * @module
 */
import { defineLoss, type Loss, withDefaultInstance } from '../loss.js';
import { checkOptionKeys, type InputCheckOption, resolveCheckInputs } from '../options.js';
import type { NdArray } from '../types.js';
import { checkFiniteNumber, checkNdArray, checkNumberInRange, formatValue, typeError } from '../validate.js';
import { checkIgnoreIndex } from '../family/input.js';
import { checkEnum } from '../family/options.js';
import { type SoftBceConfig, softBceTerms } from '../family/softBce.js';

/** Options of {@link softBCEWithLogitsLoss}. */
export interface SoftBCEWithLogitsOptions extends InputCheckOption {
  /** Label smoothing s ∈ [0, 1]: t → (1 − t)·s + t·(1 − s) (smp `smooth_factor`). @default 0 */
  smoothFactor?: number;
  /** gt value whose elements give 0 (still counted by the mean, as smp; `null` = none). @default -100 (smp) */
  ignoreIndex?: number | null;
  /**
   * Weight of the positive term (PyTorch `pos_weight`): a number, or `{ data, shape }` broadcast against `pr`
   * as torch broadcasts (trailing axes aligned: per channel of `[N, C, H, W]` is shape `[C, 1, 1]`).
   * @default 1
   */
  posWeight?: number | NdArray;
  /** Mean over every element, or the sum. @default 'mean' */
  reduction?: 'mean' | 'sum';
}

/** A soft-BCE loss with its unreduced terms. */
export interface SoftBCEWithLogitsLoss extends Loss {
  /** The per-element terms in pr's order (smp `reduction='none'`), 0 where ignored. */
  elements(gt: NdArray, pr: NdArray): Float64Array;
}

/** Validates the options of {@link softBCEWithLogitsLoss} and applies its defaults (smp's). */
export function resolveSoftBceOptions(
  fn: string,
  options: SoftBCEWithLogitsOptions | undefined,
): SoftBceConfig {
  const o = checkOptionKeys(fn, options, ['smoothFactor', 'ignoreIndex', 'posWeight', 'reduction']);
  let posWeight: number | NdArray = 1;
  if (typeof o.posWeight === 'number') posWeight = checkFiniteNumber(fn, 'posWeight', o.posWeight, 0);
  else if (o.posWeight !== undefined) {
    if (Array.isArray(o.posWeight) || ArrayBuffer.isView(o.posWeight)) {
      throw typeError(
        fn,
        `posWeight must be a number or { data, shape } (broadcast against pr, e.g. shape [C, 1, 1] per channel); got ${formatValue(o.posWeight)}.`,
      );
    }
    posWeight = checkNdArray(fn, 'posWeight', o.posWeight, 1);
    for (let i = 0; i < posWeight.data.length; i++)
      checkFiniteNumber(fn, `posWeight.data[${i}]`, posWeight.data[i], 0);
  }
  return {
    smoothFactor:
      o.smoothFactor === undefined ? 0 : checkNumberInRange(fn, 'smoothFactor', o.smoothFactor, 0, 1),
    ignoreIndex: o.ignoreIndex === undefined ? -100 : checkIgnoreIndex(fn, o.ignoreIndex),
    posWeight,
    reduction: checkEnum(fn, 'reduction', o.reduction, ['mean', 'sum'], 'mean'),
    checkInputs: resolveCheckInputs(fn, o),
  };
}

/**
 * Binary cross-entropy from logits with label smoothing, as smp's `SoftBCEWithLogitsLoss`: the targets are
 * smoothed to t' = (1 − t)·s + t·(1 − s), then ℓ = −(w·t'·log σ(x) + (1 − t')·log σ(−x)) per element
 * (w = `posWeight`), 0 where t = `ignoreIndex`; the mean divides by every element, ignored ones included
 * (smp's rule). Gradient: ∂ℓ/∂x = −w·t'·σ(−x) + (1 − t')·σ(x). `gt` has pr's shape; any layout.
 * Label smoothing: Szegedy et al. 2016 ("Rethinking the Inception Architecture").
 * @param options.smoothFactor - @default 0
 * @param options.ignoreIndex - @default -100
 * @param options.posWeight - @default 1
 * @param options.reduction - @default 'mean'
 * @example softBCEWithLogitsLoss().value({ data: [1], shape: [1, 1] }, { data: [0], shape: [1, 1] }) // log 2 = 0.6931
 */
export const softBCEWithLogitsLoss: ((options?: SoftBCEWithLogitsOptions) => SoftBCEWithLogitsLoss) &
  SoftBCEWithLogitsLoss = withDefaultInstance((options?: SoftBCEWithLogitsOptions): SoftBCEWithLogitsLoss => {
  const fn = 'softBCEWithLogitsLoss';
  const cfg = resolveSoftBceOptions(fn, options);
  const loss = defineLoss({
    name: 'soft_bce_with_logits_loss',
    value: (gt, pr) => softBceTerms(fn, gt, pr, cfg, false).value,
    valueAndGrad: (gt, pr, out) => {
      const r = softBceTerms(fn, gt, pr, cfg, true, undefined, out);
      return { value: r.value, grad: r.grad! };
    },
  });
  return Object.assign(loss, {
    elements: (gt: NdArray, pr: NdArray) => {
      const out = new Float64Array(pr?.data?.length ?? 0);
      softBceTerms(fn, gt, pr, cfg, false, out);
      return out;
    },
  });
});
