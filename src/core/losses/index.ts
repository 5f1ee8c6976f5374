// Re-exports of src/core/losses: one line per public file.
export {};
export { diceLoss, type DiceLossOptions } from './diceLoss.js';
export { jaccardLoss, type JaccardLossOptions } from './jaccardLoss.js';
export { binaryCrossentropy, type BinaryCrossentropyOptions } from './binaryCrossentropy.js';
export { categoricalCrossentropy } from './categoricalCrossentropy.js';
export { binaryFocalLoss, type BinaryFocalOptions } from './binaryFocalLoss.js';
export { categoricalFocalLoss } from './categoricalFocalLoss.js';
export * from './presets.js';
export { focalLoss, type FocalFamilyOptions, type FocalLossInstance } from './focalLoss.js';
export { tverskyLoss, type TverskyOptions, type RegionLoss } from './tverskyLoss.js';
export { generalizedDiceLoss, type GeneralizedDiceOptions } from './generalizedDiceLoss.js';
export {
  logCoshDiceLoss,
  type DiceFamilyOptions,
  type RegionFamilyOptions,
  type Preset,
  type ClassWeightMode,
  type EmptyClassPolicy,
} from './logCoshDiceLoss.js';
export { diceCELoss, type DiceCEOptions } from './diceCELoss.js';
export { diceFocalLoss, type DiceFocalOptions } from './diceFocalLoss.js';
export { generalizedDiceFocalLoss, type GeneralizedDiceFocalOptions } from './generalizedDiceFocalLoss.js';
export { lovaszSoftmaxLoss, type LovaszSoftmaxOptions } from './lovaszSoftmaxLoss.js';
export { lovaszHingeLoss, type LovaszHingeOptions } from './lovaszHingeLoss.js';
export { mccLoss, type MccLossOptions } from './mccLoss.js';
export {
  softCrossEntropyLoss,
  type SoftCrossEntropyOptions,
  type SoftCrossEntropyLoss,
} from './softCrossEntropyLoss.js';
export {
  softBCEWithLogitsLoss,
  type SoftBCEWithLogitsOptions,
  type SoftBCEWithLogitsLoss,
} from './softBCEWithLogitsLoss.js';
export { lovaszLoss, type LovaszLossOptions } from './lovaszLoss.js';
export { maskedDiceLoss, type MaskedDiceOptions, type MaskedLoss } from './maskedDiceLoss.js';
