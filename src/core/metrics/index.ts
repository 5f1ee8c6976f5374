// Re-exports of src/core/metrics: one line per public file.
export {};
export { fScore } from './fScore.js';
export { iouScore, type IouOptions } from './iouScore.js';
export { precision } from './precision.js';
export { recall } from './recall.js';
export type { RegionOptions, FocalOptions, CrossentropyOptions } from '../options.js';
