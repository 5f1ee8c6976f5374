/**
 * Class weights from the class counts of many masks, through the core's `ClassCounter` and `classWeights`.
 * @module
 */
import { ClassCounter } from '../../core/weights/classCounter.js';
import type { ClassCounterState } from '../../core/weights/classCounter.js';
import { classWeights } from '../../core/weights/classWeights.js';
import type { WeightsOptions } from './options.js';

/**
 * Merges per-file counter states (in file order) and computes the weights of `segkit weights`.
 * @returns the merged counter (for the diagnostics) and one weight per class, normalised to mean 1.
 */
export function computeWeights(
  states: readonly ClassCounterState[],
  opts: Pick<WeightsOptions, 'numClasses' | 'ignoreIndex' | 'method' | 'beta'>,
): { counter: ClassCounter; weights: number[] } {
  const counter = new ClassCounter(
    opts.numClasses,
    opts.ignoreIndex === null ? undefined : { ignoreIndex: opts.ignoreIndex },
  );
  for (const s of states) counter.merge(s);
  return { counter, weights: classWeights(counter, { method: opts.method, beta: opts.beta }) };
}
