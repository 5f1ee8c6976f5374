/**
 * sm's `CategoricalFocalLoss` / `categorical_focal_loss` (Keras name `focal_loss`).
 * @module
 */
import { focalRun } from '../kernels/crossEntropy.js';
import { focalRunWasm } from '../kernels/elementwiseWasm.js';
import { checkInputDomain } from '../kernels/inputDomain.js';
import { withDefaultInstance, type LossFactory } from '../loss.js';
import { resolveFocalOptions, type FocalOptions } from '../options.js';
import { elementwiseLoss, sumRuns, zeroUnselected } from './elementwise.js';

/**
 * Categorical focal loss (Lin et al. 2017): `mean(−gt·α·(1 − p)^γ·log p)` over every element of the
 * selected channels, `p = clip(pr, 1e-7, 1 − 1e-7)`. Gradient inside the clip range
 * `−gt·α·((1 − p)^γ / p − γ·(1 − p)^(γ−1)·log p) / M` (M = N·pixels·selected classes), 0 outside and
 * where gt = 0; one `Math.log` per element with gt ≠ 0.
 *
 * Degenerate cases: predictions of exactly 0 or 1 are clipped (finite loss, zero gradient); an image
 * without any gt pixel contributes 0. Identical to segmentation_models 1.0.1 `CategoricalFocalLoss`;
 * named `focal_loss`. Also its own default instance (sm's `categorical_focal_loss`).
 *
 * @param options.alpha - weight of the loss, in [0, 1]. @default 0.25
 * @param options.gamma - focusing parameter, ≥ 0. @default 2
 * @param options.classIndexes - channels to use. @default all channels
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @example
 * categoricalFocalLoss({ gamma: 1 }).value(gt, pr);
 */
export const categoricalFocalLoss: LossFactory<FocalOptions> = withDefaultInstance(
  (options?: FocalOptions) => {
    const fn = 'categoricalFocalLoss';
    const o = resolveFocalOptions(fn, options);
    return elementwiseLoss(
      fn,
      'focal_loss',
      o.layout,
      o.classIndexes,
      (call, grad, scale) => {
        const zeroed = zeroUnselected(call, grad);
        return sumRuns(call, (start, end, step) => {
          const { gt, pr } = call;
          // The kernels write every entry of their run; the JS kernel only those with gt ≠ 0.
          const checked = o.checkInputs ? fn : null;
          const s = focalRunWasm(checked, gt, pr, grad, start, end, step, o.alpha, o.gamma, scale);
          if (s !== undefined) return s;
          if (grad !== null && !zeroed) for (let i = start; i < end; i += step) grad[i] = 0;
          // The kernel flags bad input in its pass; only a flagged run is scanned for the offender.
          const flag = o.checkInputs ? new Float64Array(1) : null;
          const sum = focalRun(gt, pr, grad, start, end, step, o.alpha, o.gamma, scale, flag);
          if (flag !== null && flag[0] !== 0) checkInputDomain(fn, gt, pr, start, end, step, 'probabilities');
          return sum;
        });
      },
      true,
    );
  },
);
