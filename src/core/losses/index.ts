// Re-exports of src/core/losses: one line per public file.
export {};
export { diceLoss, type DiceLossOptions } from './diceLoss.js';
export { jaccardLoss, type JaccardLossOptions } from './jaccardLoss.js';
export { binaryCrossentropy, type BinaryCrossentropyOptions } from './binaryCrossentropy.js';
export { categoricalCrossentropy } from './categoricalCrossentropy.js';
export { binaryFocalLoss, type BinaryFocalOptions } from './binaryFocalLoss.js';
export { categoricalFocalLoss } from './categoricalFocalLoss.js';
export * from './presets.js';
