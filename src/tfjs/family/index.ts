/**
 * segkit/tfjs versions of the issue-6 losses (same factories, options and names as the core; gradients from
 * the core's closed forms through `tf.customGrad`).
 * @module
 */
import {
  diceCELoss as coreDiceCE,
  diceFocalLoss as coreDiceFocal,
  focalLoss as coreFocal,
  generalizedDiceFocalLoss as coreGdf,
  generalizedDiceLoss as coreGdl,
  logCoshDiceLoss as coreLogCosh,
  lovaszHingeLoss as coreHinge,
  lovaszLoss as coreLovaszSmp,
  mccLoss as coreMcc,
  softBCEWithLogitsLoss as coreSoftBce,
  softCrossEntropyLoss as coreSoftCe,
  lovaszSoftmaxLoss as coreLovasz,
  tverskyLoss as coreTversky,
  type DiceCEOptions,
  type DiceFamilyOptions,
  type DiceFocalOptions,
  type FocalFamilyOptions,
  type GeneralizedDiceFocalOptions,
  type GeneralizedDiceOptions,
  type LovaszHingeOptions,
  type LovaszLossOptions,
  type LovaszSoftmaxOptions,
  type MccLossOptions,
  type SoftBCEWithLogitsOptions,
  type SoftCrossEntropyOptions,
  type TverskyOptions,
} from '../../core/losses/index.js';
import type { TfLossFactory } from '../types.js';
import { tfFactoryByBackend } from './opsLoss.js';
import { generalizedDiceOps, logCoshDiceOps, tverskyOps } from './regionLosses.js';
import { diceCEOps, diceFocalOps, generalizedDiceFocalOps } from './compoundOps.js';
import { focalOps } from './elementwiseOps.js';
import { resolveFocalFamilyOptions } from '../../core/family/focal.js';
import { resolveLovaszHingeOptions, resolveLovaszSoftmaxOptions } from '../../core/family/lovasz.js';
import { resolveLovaszLossOptions } from '../../core/losses/lovaszLoss.js';
import { resolveMccEps } from '../../core/losses/mccLoss.js';
import { resolveSoftBceOptions } from '../../core/losses/softBCEWithLogitsLoss.js';
import { resolveSoftCrossEntropyOptions } from '../../core/losses/softCrossEntropyLoss.js';
import { lovaszHingeOps, lovaszLossOps, lovaszSoftmaxOps } from './lovaszOps.js';
import { mccOps, softBceOps, softCrossEntropyOps } from './smpOps.js';

/** Tversky / focal Tversky loss (Salehi 2017; Abraham & Khan 2019), as the core `tverskyLoss`. @example model.compile({ loss: tverskyLoss({ alpha: 0.3, beta: 0.7 }) }) */
export const tverskyLoss: TfLossFactory<TverskyOptions> = tfFactoryByBackend(coreTversky, tverskyOps);
/** Generalized Dice loss (Sudre 2017), as the core `generalizedDiceLoss`. @example generalizedDiceLoss({ weightType: 'square' }) */
export const generalizedDiceLoss: TfLossFactory<GeneralizedDiceOptions> = tfFactoryByBackend(
  coreGdl,
  generalizedDiceOps,
);
/** Log-cosh Dice loss (Jadon 2020), as the core `logCoshDiceLoss`. @example logCoshDiceLoss({ fromLogits: true }) */
export const logCoshDiceLoss: TfLossFactory<DiceFamilyOptions> = tfFactoryByBackend(
  coreLogCosh,
  logCoshDiceOps,
);
/** Focal loss (Lin 2017) with per-class α and the softmax form, as the core `focalLoss`. @example focalLoss({ fromLogits: true, gamma: 2 }) */
export const focalLoss: TfLossFactory<FocalFamilyOptions> = tfFactoryByBackend(coreFocal, (o) =>
  focalOps('focalLoss', resolveFocalFamilyOptions('focalLoss', o)),
);
/** Dice + cross-entropy (MONAI `DiceCELoss`), as the core `diceCELoss`. @example diceCELoss({ fromLogits: true }) */
export const diceCELoss: TfLossFactory<DiceCEOptions> = tfFactoryByBackend(coreDiceCE, diceCEOps);
/** Dice + focal (MONAI `DiceFocalLoss`), as the core `diceFocalLoss`. @example diceFocalLoss({ fromLogits: true }) */
export const diceFocalLoss: TfLossFactory<DiceFocalOptions> = tfFactoryByBackend(coreDiceFocal, diceFocalOps);
/** Generalized Dice + focal (MONAI `GeneralizedDiceFocalLoss`). @example generalizedDiceFocalLoss({ fromLogits: true }) */
export const generalizedDiceFocalLoss: TfLossFactory<GeneralizedDiceFocalOptions> = tfFactoryByBackend(
  coreGdf,
  generalizedDiceFocalOps,
);
/** Lovász-Softmax loss (Berman 2018), as the core `lovaszSoftmaxLoss`. @example lovaszSoftmaxLoss({ fromLogits: true }) */
export const lovaszSoftmaxLoss: TfLossFactory<LovaszSoftmaxOptions> = tfFactoryByBackend(coreLovasz, (o) =>
  lovaszSoftmaxOps('lovaszSoftmaxLoss', resolveLovaszSoftmaxOptions('lovaszSoftmaxLoss', o)),
);
/** Lovász hinge loss (Berman 2018), as the core `lovaszHingeLoss`. @example lovaszHingeLoss() */
export const lovaszHingeLoss: TfLossFactory<LovaszHingeOptions> = tfFactoryByBackend(coreHinge, (o) =>
  lovaszHingeOps('lovaszHingeLoss', resolveLovaszHingeOptions('lovaszHingeLoss', o)),
);
/** smp's `MCCLoss` (soft Matthews correlation), as the core `mccLoss`. @example mccLoss({ eps: 1e-5 }) */
export const mccLoss: TfLossFactory<MccLossOptions> = tfFactoryByBackend(coreMcc, (o) =>
  mccOps('mccLoss', resolveMccEps('mccLoss', o)),
);
/** smp's `SoftCrossEntropyLoss` (label smoothing), as the core `softCrossEntropyLoss`. @example softCrossEntropyLoss({ smoothFactor: 0.1 }) */
export const softCrossEntropyLoss: TfLossFactory<SoftCrossEntropyOptions> = tfFactoryByBackend(
  coreSoftCe,
  (o) => {
    const { cfg, reduction } = resolveSoftCrossEntropyOptions('softCrossEntropyLoss', o);
    return softCrossEntropyOps('softCrossEntropyLoss', cfg, reduction);
  },
);
/** smp's `SoftBCEWithLogitsLoss`, as the core `softBCEWithLogitsLoss`. @example softBCEWithLogitsLoss({ smoothFactor: 0.1 }) */
export const softBCEWithLogitsLoss: TfLossFactory<SoftBCEWithLogitsOptions> = tfFactoryByBackend(
  coreSoftBce,
  (o) => softBceOps('softBCEWithLogitsLoss', resolveSoftBceOptions('softBCEWithLogitsLoss', o)),
);
/** smp's `LovaszLoss` (binary, multilabel, multiclass), as the core `lovaszLoss`. @example lovaszLoss({ mode: 'multiclass' }) */
export const lovaszLoss: TfLossFactory<LovaszLossOptions> = tfFactoryByBackend(coreLovaszSmp, (o) =>
  lovaszLossOps('lovaszLoss', resolveLovaszLossOptions('lovaszLoss', o)),
);
export { maskedDiceLoss } from './maskedDice.js';
