/**
 * `softCrossEntropyLoss`: softmax cross-entropy from logits with label smoothing, smp's `SoftCrossEntropyLoss`.
 * @module
 */
import { defineLoss, type Loss, withDefaultInstance } from '../loss.js';
import { checkOptionKeys, type InputCheckOption, resolveCheckInputs } from '../options.js';
import type { Layout, NdArray } from '../types.js';
import { checkNdArray, checkNumberInRange, geometryOf, rangeError } from '../validate.js';
import { type CrossEntropyConfig, crossEntropyTerms } from '../family/crossEntropy.js';
import { checkIgnoreIndex } from '../family/input.js';
import { checkEnum, presetLayout } from '../family/options.js';

/** Options of {@link softCrossEntropyLoss}. */
export interface SoftCrossEntropyOptions extends InputCheckOption {
  /** Label smoothing ε ∈ [0, 1] (smp `smooth_factor`; smp's default `None` raises, segkit's is 0). @default 0 */
  smoothFactor?: number;
  /** Label whose pixels give 0 (still counted by the mean, as smp; `null` = none). @default -100 (smp) */
  ignoreIndex?: number | null;
  /** Channel axis: smp `dim=1` is `'channelsFirst'`, `dim=-1` is `'channelsLast'`. @default 'channelsFirst' */
  layout?: Layout;
  /** Mean over every pixel, or the sum. @default 'mean' */
  reduction?: 'mean' | 'sum';
}

/**
 * Validates the options of {@link softCrossEntropyLoss}: the cross-entropy configuration (summed; the mean
 * divides by every pixel afterwards) and the reduction.
 */
export function resolveSoftCrossEntropyOptions(
  fn: string,
  options: SoftCrossEntropyOptions | undefined,
): { cfg: CrossEntropyConfig; reduction: 'mean' | 'sum' } {
  const o = checkOptionKeys(fn, options, ['smoothFactor', 'ignoreIndex', 'layout', 'reduction']);
  const reduction = checkEnum(fn, 'reduction', o.reduction, ['mean', 'sum'], 'mean');
  const cfg: CrossEntropyConfig = {
    layout: presetLayout(fn, o.layout, 'smp'),
    weights: undefined,
    labelSmoothing:
      o.smoothFactor === undefined ? 0 : checkNumberInRange(fn, 'smoothFactor', o.smoothFactor, 0, 1),
    ignoreIndex: o.ignoreIndex === undefined ? -100 : checkIgnoreIndex(fn, o.ignoreIndex),
    reduction: 'sum',
    checkInputs: resolveCheckInputs(fn, o),
  };
  return { cfg, reduction };
}

/** Checks that `pr` has C ≥ 2 channels (one channel would be a BCE). */
export function checkSoftmaxChannels(fn: string, C: number): void {
  if (!(C >= 2)) {
    throw rangeError(fn, `pr must have at least 2 channels (softmax over the channel axis); got ${C}.`);
  }
}

/** A soft cross-entropy loss with its unreduced terms. */
export interface SoftCrossEntropyLoss extends Loss {
  /** The loss of each pixel, `[N, ...spatial]` order (smp `reduction='none'`), 0 where ignored. */
  elements(gt: NdArray, pr: NdArray): Float64Array;
}

/**
 * Softmax cross-entropy from logits with label smoothing as smp's `SoftCrossEntropyLoss` (fairseq style):
 * per pixel ℓ = (1 − ε)·(−log p_y) + (ε/C)·Σ_c(−log p_c), p = softmax(x) over the channels; 0 where
 * y = `ignoreIndex`; the mean divides by every pixel, ignored ones included (smp's rule, unlike PyTorch's
 * `CrossEntropyLoss`). Gradient ∂ℓ/∂x_j = p_j − (1 − ε)·[j = y] − ε/C. `gt` is a label map `[N, ...spatial]`
 * (or with a size-1 channel axis), or dense probability targets of pr's shape. Label smoothing: Szegedy et al. 2016.
 * @param options.smoothFactor - @default 0
 * @param options.ignoreIndex - @default -100
 * @param options.layout - @default 'channelsFirst'
 * @param options.reduction - @default 'mean'
 * @example softCrossEntropyLoss().value({ data: [1], shape: [1] }, { data: [0, 0], shape: [1, 2] }) // log 2 = 0.6931
 */
export const softCrossEntropyLoss: ((options?: SoftCrossEntropyOptions) => SoftCrossEntropyLoss) &
  SoftCrossEntropyLoss = withDefaultInstance((options?: SoftCrossEntropyOptions): SoftCrossEntropyLoss => {
  const fn = 'softCrossEntropyLoss';
  const { cfg, reduction } = resolveSoftCrossEntropyOptions(fn, options);
  /** 1 / (number of pixels) for the mean, checked C ≥ 2 (one channel would be a BCE). */
  const scaleOf = (pr: NdArray, red = reduction): number => {
    const geom = geometryOf(pr.shape, cfg.layout);
    checkSoftmaxChannels(fn, geom.channels);
    return red === 'mean' ? 1 / (geom.batch * geom.pixels) : 1;
  };
  // The mean's 1 / pixels rides in the reduction (cfg.scale): no pass of its own over the gradient.
  const terms = (gt: NdArray, pr: NdArray, withGrad: boolean, out?: Float32Array) => {
    checkNdArray(fn, 'pr', pr, 2);
    return crossEntropyTerms(fn, gt, pr, { ...cfg, scale: scaleOf(pr) }, withGrad, undefined, out);
  };
  const loss = defineLoss({
    name: 'soft_cross_entropy_loss',
    value: (gt, pr) => terms(gt, pr, false).value,
    valueAndGrad: (gt, pr, out) => {
      const r = terms(gt, pr, true, out);
      return { value: r.value, grad: r.grad! };
    },
  });
  return Object.assign(loss, {
    elements: (gt: NdArray, pr: NdArray) => {
      checkNdArray(fn, 'pr', pr, 2);
      const pixels = 1 / scaleOf(pr, 'mean');
      const out = new Float64Array(pixels);
      crossEntropyTerms(fn, gt, pr, cfg, false, out);
      return out;
    },
  });
});
