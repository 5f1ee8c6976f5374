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
  lovaszSoftmaxLoss as coreLovasz,
  tverskyLoss as coreTversky,
  type DiceCEOptions,
  type DiceFamilyOptions,
  type DiceFocalOptions,
  type FocalFamilyOptions,
  type GeneralizedDiceFocalOptions,
  type GeneralizedDiceOptions,
  type LovaszHingeOptions,
  type LovaszSoftmaxOptions,
  type TverskyOptions,
} from '../../core/losses/index.js';
import type { TfLossFactory } from '../types.js';
import { tfFactoryFromCore } from './fromCore.js';

/** Tversky / focal Tversky loss (Salehi 2017; Abraham & Khan 2019), as the core `tverskyLoss`. @example model.compile({ loss: tverskyLoss({ alpha: 0.3, beta: 0.7 }) }) */
export const tverskyLoss: TfLossFactory<TverskyOptions> = tfFactoryFromCore(coreTversky);
/** Generalized Dice loss (Sudre 2017), as the core `generalizedDiceLoss`. @example generalizedDiceLoss({ weightType: 'square' }) */
export const generalizedDiceLoss: TfLossFactory<GeneralizedDiceOptions> = tfFactoryFromCore(coreGdl);
/** Log-cosh Dice loss (Jadon 2020), as the core `logCoshDiceLoss`. @example logCoshDiceLoss({ fromLogits: true }) */
export const logCoshDiceLoss: TfLossFactory<DiceFamilyOptions> = tfFactoryFromCore(coreLogCosh);
/** Focal loss (Lin 2017) with per-class α and the softmax form, as the core `focalLoss`. @example focalLoss({ fromLogits: true, gamma: 2 }) */
export const focalLoss: TfLossFactory<FocalFamilyOptions> = tfFactoryFromCore(coreFocal);
/** Dice + cross-entropy (MONAI `DiceCELoss`), as the core `diceCELoss`. @example diceCELoss({ fromLogits: true }) */
export const diceCELoss: TfLossFactory<DiceCEOptions> = tfFactoryFromCore(coreDiceCE);
/** Dice + focal (MONAI `DiceFocalLoss`), as the core `diceFocalLoss`. @example diceFocalLoss({ fromLogits: true }) */
export const diceFocalLoss: TfLossFactory<DiceFocalOptions> = tfFactoryFromCore(coreDiceFocal);
/** Generalized Dice + focal (MONAI `GeneralizedDiceFocalLoss`). @example generalizedDiceFocalLoss({ fromLogits: true }) */
export const generalizedDiceFocalLoss: TfLossFactory<GeneralizedDiceFocalOptions> =
  tfFactoryFromCore(coreGdf);
/** Lovász-Softmax loss (Berman 2018), as the core `lovaszSoftmaxLoss`. @example lovaszSoftmaxLoss({ fromLogits: true }) */
export const lovaszSoftmaxLoss: TfLossFactory<LovaszSoftmaxOptions> = tfFactoryFromCore(coreLovasz);
/** Lovász hinge loss (Berman 2018), as the core `lovaszHingeLoss`. @example lovaszHingeLoss() */
export const lovaszHingeLoss: TfLossFactory<LovaszHingeOptions> = tfFactoryFromCore(coreHinge);
