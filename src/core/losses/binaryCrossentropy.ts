/**
 * sm's `BinaryCELoss` / `binary_crossentropy`.
 * @module
 */
import { binaryWasm } from '../kernels/binaryWasm.js';
import { bceRun } from '../kernels/crossEntropy.js';
import { checkInputDomain } from '../kernels/inputDomain.js';
import { withDefaultInstance, type LossFactory } from '../loss.js';
import { resolveCrossentropyOptions, type InputCheckOption } from '../options.js';
import type { Layout } from '../types.js';
import { elementwiseLoss, sumRuns } from './elementwise.js';

/** Options of {@link binaryCrossentropy}: only the layout (sm's `BinaryCELoss()` takes no arguments). */
export interface BinaryCrossentropyOptions extends InputCheckOption {
  /** Where the channel axis sits (the loss is elementwise, so it only matters for validation). @default 'channelsLast' */
  layout?: Layout;
}

/**
 * Binary cross-entropy, the mean over every element of tf.keras 2.x `K.binary_crossentropy`:
 * `p = clip(pr, 1e-7, 1 − 1e-7)`, `loss = −mean(gt·log(p + 1e-7) + (1 − gt)·log(1 − p + 1e-7))`.
 * Gradient: `−(gt / (p + eps) − (1 − gt) / (1 − p + eps)) / M` where `eps ≤ pr ≤ 1 − eps`, 0 outside
 * (the clip), M = number of elements.
 *
 * Degenerate cases: predictions of exactly 0 or 1 are clipped, so the loss stays finite (≈ 16.1 per wrong
 * element at most) and their gradient is 0, as in Keras. Identical to segmentation_models 1.0.1
 * `BinaryCELoss`; named `binary_crossentropy`. Also its own default instance (sm's `binary_crossentropy`).
 *
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @example
 * binaryCrossentropy.value({ data: [1, 0], shape: [1, 2, 1] }, { data: [0.9, 0.2], shape: [1, 2, 1] });
 * // ≈ −(log 0.9 + log 0.8) / 2 = 0.1643
 */
export const binaryCrossentropy: LossFactory<BinaryCrossentropyOptions> = withDefaultInstance(
  (options?: BinaryCrossentropyOptions) => {
    const fn = 'binaryCrossentropy';
    const o = resolveCrossentropyOptions(fn, options, false);
    return elementwiseLoss(
      fn,
      'binary_crossentropy',
      o.layout,
      null,
      (call, grad, scale) =>
        sumRuns(call, (start, end, step) => {
          // Both kernels write every entry of the run (which covers the whole tensor: no class selection).
          if (step === 1) {
            const s = binaryWasm(
              o.checkInputs ? fn : null,
              'bce',
              call.gt,
              call.pr,
              grad,
              [{ start, end, c1: ONES, c0: ONES }],
              0,
              scale,
            );
            if (s !== undefined) return s;
          }
          // The kernel flags bad input in its pass; only a flagged run is scanned for the offender.
          const flag = o.checkInputs ? new Float64Array(1) : null;
          const sum = bceRun(call.gt, call.pr, grad, start, end, step, scale, flag);
          if (flag !== null && flag[0] !== 0) {
            checkInputDomain('binaryCrossentropy', call.gt, call.pr, start, end, step, 'probabilities');
          }
          return sum;
        }),
      true,
    );
  },
);

/** The coefficients of Keras' binary cross-entropy: 1 on both terms of every element. */
const ONES = [1, 1, 1, 1];
