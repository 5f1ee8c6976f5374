// Re-exports of src/core/weights: one line per public file.
export {};
export { ClassCounter, type ClassCounterOptions, type ClassCounterState } from './classCounter.js';
export { classWeights, type ClassWeightMethod, type ClassWeightsOptions } from './classWeights.js';
