/**
 * Checking label values against the number of classes.
 * @module
 */
import { DataError } from './errors.js';
import { formatIndex } from './nifti.js';
import type { LabelArray } from './types.js';

/**
 * The index of the first entry that is neither a class in `[0, numClasses)` nor `ignoreIndex`, or -1.
 * @example firstInvalidLabel(new Uint8Array([0, 1, 7]), 3, 255) // 2
 */
export function firstInvalidLabel(
  data: LabelArray,
  numClasses: number,
  ignoreIndex: number | undefined,
): number {
  // NaN equals no label: without an ignore index every value outside [0, numClasses) is invalid, -1 included.
  const ignore = ignoreIndex ?? NaN;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if ((v < 0 || v >= numClasses) && v !== ignore) return i;
  }
  return -1;
}

/**
 * Throws a DataError naming the file, the value and its first position when a label is out of range.
 * @param what - how the option is called in the message (e.g. `--num-classes`).
 * @example checkLabels(mask.data, mask.shape, 3, 255, 'gt/a.png', '--num-classes')
 */
export function checkLabels(
  data: LabelArray,
  shape: readonly number[],
  numClasses: number,
  ignoreIndex: number | undefined,
  file: string,
  what = 'numClasses',
): void {
  const i = firstInvalidLabel(data, numClasses, ignoreIndex);
  if (i < 0) return;
  const ignored = ignoreIndex === undefined ? '' : ` or the ignore index ${ignoreIndex}`;
  throw new DataError(
    `'${file}' has label ${data[i]} at ${formatIndex(i, shape)}; labels must be in [0, ${numClasses - 1}]${ignored} (${what} ${numClasses}).`,
    { file },
  );
}
