/**
 * `lovaszLoss`: smp's `LovaszLoss` (binary, multi-label and multi-class modes) on the Lovász kernels.
 * @module
 */
import { type LossFactory, withDefaultInstance } from '../loss.js';
import { checkOptionKeys, type InputCheckOption, resolveCheckInputs } from '../options.js';
import type { Layout, NdArray } from '../types.js';
import { checkBoolean, checkNdArray, checkSameShape } from '../validate.js';
import { checkIgnoreIndex } from '../family/input.js';
import { lovaszHingeTerms, lovaszSoftmaxTerms } from '../family/lovasz.js';
import { checkEnum, presetLayout } from '../family/options.js';
import { lossFromTerms, type Terms } from '../family/termsLoss.js';

/** Options of {@link lovaszLoss}. */
export interface LovaszLossOptions extends InputCheckOption {
  /**
   * smp's mode: `'binary'` (one channel, hinge on logits), `'multilabel'` (hinge on logits over every channel
   * of the image or batch together, as smp) or `'multiclass'` (Lovász-Softmax over present classes, softmax of logits).
   * @default 'binary'
   */
  mode?: 'binary' | 'multilabel' | 'multiclass';
  /** One loss per image, then the mean over images. @default false */
  perImage?: boolean;
  /** gt value (label) whose elements (pixels) are left out. */
  ignoreIndex?: number | null;
  /** Channel axis position. @default 'channelsFirst' */
  layout?: Layout;
}

/** Resolves the options of {@link lovaszLoss} (smp's defaults: binary, channels-first, not per image). */
export function resolveLovaszLossOptions(
  fn: string,
  options: LovaszLossOptions | undefined,
): {
  mode: 'binary' | 'multilabel' | 'multiclass';
  layout: Layout;
  perImage: boolean;
  ignoreIndex: number | undefined;
  checkInputs: boolean;
} {
  const o = checkOptionKeys(fn, options, ['mode', 'perImage', 'ignoreIndex', 'layout']);
  return {
    // The default instance (no options) is the binary loss.
    mode: checkEnum(fn, 'mode', o.mode, ['binary', 'multilabel', 'multiclass'], 'binary'),
    layout: presetLayout(fn, o.layout, 'smp'),
    perImage: checkBoolean(fn, 'perImage', o.perImage, false),
    ignoreIndex: checkIgnoreIndex(fn, o.ignoreIndex),
    checkInputs: resolveCheckInputs(fn, o),
  };
}

/** `x` with its channel axis folded into the pixels: one channel holding every element of an image. */
function oneChannel(x: NdArray, layout: Layout): NdArray {
  const n = x.shape[0];
  const rest = x.data.length / n;
  return { data: x.data, shape: layout === 'channelsFirst' ? [n, 1, rest] : [n, rest, 1] };
}

/**
 * Lovász loss (Berman, Rannen Triki & Blaschko 2018) with smp's semantics (`preset: 'smp'` is implied: logits,
 * channels-first). `'binary'`: the Lovász hinge Σ_k relu(e_(k))·ΔJ_k with e = 1 − x·(2g − 1) (see
 * `lovaszHingeLoss`); `'multilabel'`: the same hinge over all channels of the batch (or image) flattened
 * together, not per class (smp's definition); `'multiclass'`: Lovász-Softmax of softmax(x) over the classes
 * present in gt (see `lovaszSoftmaxLoss`). smp accepts `from_logits` and ignores it: `pr` is always logits here.
 * @param options.mode - @default 'binary'
 * @param options.perImage - @default false
 * @param options.layout - @default 'channelsFirst'
 * @example lovaszLoss({ mode: 'binary' }).value({ data: [1, 0], shape: [1, 1, 2] }, { data: [2, -2], shape: [1, 1, 2] }) // 0 (both hinge errors 1 − 2 < 0)
 */
export const lovaszLoss: LossFactory<LovaszLossOptions> = withDefaultInstance(
  (options?: LovaszLossOptions) => {
    const fn = 'lovaszLoss';
    const { mode, layout, perImage, ignoreIndex, checkInputs } = resolveLovaszLossOptions(fn, options);
    let terms: Terms;
    if (mode === 'multiclass') {
      terms = lovaszSoftmaxTerms(fn, {
        layout,
        fromLogits: true,
        perImage,
        ignoreIndex,
        classes: 'present',
        checkInputs,
      });
    } else {
      const hinge = lovaszHingeTerms(fn, { layout, perImage, ignoreIndex, checkInputs });
      terms =
        mode === 'binary'
          ? hinge
          : (gt, pr, withGrad) => {
              checkNdArray(fn, 'gt', gt, 2);
              checkNdArray(fn, 'pr', pr, 2);
              checkSameShape(fn, gt, pr);
              return hinge(oneChannel(gt, layout), oneChannel(pr, layout), withGrad);
            };
    }
    return lossFromTerms('lovasz_loss', terms);
  },
);
