/**
 * sm's `BinaryFocalLoss` / `binary_focal_loss`.
 * @module
 */
import { binaryWasm } from '../kernels/binaryWasm.js';
import { binaryFocalRun } from '../kernels/crossEntropy.js';
import { checkInputDomain } from '../kernels/inputDomain.js';
import { withDefaultInstance, type LossFactory } from '../loss.js';
import { resolveFocalOptions, type FocalOptions } from '../options.js';
import { elementwiseLoss, sumRuns } from './elementwise.js';

/** Options of {@link binaryFocalLoss}: `alpha`, `gamma`, `layout` (no class selection, as in sm). */
export type BinaryFocalOptions = Omit<FocalOptions, 'classIndexes'>;

/**
 * Binary focal loss (Lin et al. 2017), the mean over every element of
 * `−gt·α·(1 − p)^γ·log p − (1 − gt)·(1 − α)·p^γ·log(1 − p)`, `p = clip(pr, 1e-7, 1 − 1e-7)`.
 * γ = 0 and α = ½ give half the plain binary cross-entropy (without Keras' `+ eps` inside the log).
 * Gradient in closed form, 0 outside the clip range.
 *
 * Degenerate cases: predictions of exactly 0 or 1 are clipped (finite loss, zero gradient).
 * Identical to segmentation_models 1.0.1 `BinaryFocalLoss`; named `binary_focal_loss`. Also its own
 * default instance (sm's `binary_focal_loss`).
 *
 * @param options.alpha - weight of the positive term, in [0, 1]. @default 0.25
 * @param options.gamma - focusing parameter, ≥ 0. @default 2
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @example
 * binaryFocalLoss({ alpha: 0.5, gamma: 1 }).valueAndGrad(gt, pr);
 */
export const binaryFocalLoss: LossFactory<BinaryFocalOptions> = withDefaultInstance(
  (options?: BinaryFocalOptions) => {
    const fn = 'binaryFocalLoss';
    const o = resolveFocalOptions(fn, options, false);
    // α on the positive term, 1 − α on the negative one, for every element.
    const c1 = new Array<number>(4).fill(o.alpha);
    const c0 = new Array<number>(4).fill(1 - o.alpha);
    return elementwiseLoss(
      fn,
      'binary_focal_loss',
      o.layout,
      null,
      (call, grad, scale) =>
        sumRuns(call, (start, end, step) => {
          const { gt, pr } = call;
          // Both kernels write every entry of the run (which covers the whole tensor: no class selection).
          if (step === 1) {
            const checked = o.checkInputs ? fn : null;
            const s = binaryWasm(
              checked,
              'focalProb',
              gt,
              pr,
              grad,
              [{ start, end, c1, c0 }],
              o.gamma,
              scale,
            );
            if (s !== undefined) return s;
          }
          // The kernel flags bad input in its pass; only a flagged run is scanned for the offender.
          const flag = o.checkInputs ? new Float64Array(1) : null;
          const sum = binaryFocalRun(gt, pr, grad, start, end, step, o.alpha, o.gamma, scale, flag);
          if (flag !== null && flag[0] !== 0) {
            checkInputDomain('binaryFocalLoss', gt, pr, start, end, step, 'probabilities');
          }
          return sum;
        }),
      true,
    );
  },
);
