/**
 * Class weights from class counts, through the core's `classWeights`.
 * @module
 */
import type { WeightsOptions } from './options.js';

/** The weights of `segkit weights` for the given per-class pixel counts. */
export function computeWeights(counts: number[], opts: Pick<WeightsOptions, 'method' | 'beta'>): number[] {
  void opts;
  throw new Error(`segkit weights: class weights are not available yet (counts ${counts.join(', ')}).`);
}
