/**
 * sm's `CategoricalCELoss` / `categorical_crossentropy`.
 * @module
 */
import { cceRun } from '../kernels/crossEntropy.js';
import { cceWasm } from '../kernels/elementwiseWasm.js';
import { firstBadInput } from '../kernels/inputDomain.js';
import { withDefaultInstance, type LossFactory } from '../loss.js';
import { checkClassWeights, resolveCrossentropyOptions, type CrossentropyOptions } from '../options.js';
import { elementwiseLoss, forEachPixelBlock, zeroUnselected } from './elementwise.js';

/**
 * Categorical cross-entropy as sm computes it: the selected channels of each pixel are first normalised by
 * their sum (`q = pr / Σ_selected pr`), clipped to [1e-7, 1 − 1e-7], and
 * `loss = −mean(gt·log(q)·classWeights)` over every element of the selected channels (so the mean divides
 * by N·pixels·K, not by the number of pixels). Gradient through the normalisation:
 * `∂/∂pr_j = (u_j − Σ_k u_k·q_k) / s` with `u_k = −gt_k·w_k / (M·q_k)` inside the clip range.
 *
 * Degenerate cases: probabilities of exactly 0 or 1 are clipped (finite loss); a pixel whose selected
 * probabilities are all 0 gives NaN (0/0), as in sm. `classWeights` apply per channel in both layouts (sm
 * broadcasts them over the last axis, which is the channel axis only for channels-last). Identical to
 * segmentation_models 1.0.1 `CategoricalCELoss`; named `categorical_crossentropy`. Also its own default
 * instance (sm's `categorical_crossentropy`).
 *
 * @param options.classWeights - a number or one weight per selected class. @default 1
 * @param options.classIndexes - channels to use (normalisation runs over these only). @default all channels
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @example
 * categoricalCrossentropy({ classWeights: [0.5, 2, 2] }).valueAndGrad(gt, pr);
 */
export const categoricalCrossentropy: LossFactory<CrossentropyOptions> = withDefaultInstance(
  (options?: CrossentropyOptions) => {
    const fn = 'categoricalCrossentropy';
    const o = resolveCrossentropyOptions(fn, options);
    return elementwiseLoss(
      fn,
      'categorical_crossentropy',
      o.layout,
      o.classIndexes,
      (call, grad, scale) => {
        const zeroed = zeroUnselected(call, grad);
        const K = call.channels.length;
        checkClassWeights(fn, o.classWeights, K);
        const weights =
          typeof o.classWeights === 'number' ? new Float64Array(K).fill(o.classWeights) : o.classWeights;
        const u = new Float64Array(K);
        const { gt, pr, geo } = call;
        // One channel stride when every channel is selected in order (the kernels' case), else 0.
        const cs = K === geo.channels ? (geo.layout === 'channelsLast' ? 1 : geo.pixels) : 0;
        const inOrder = cs > 0 && call.channels.every((c, k) => c === k);
        return forEachPixelBlock(call, (base, pixels, pixelStride, offsets) => {
          if (inOrder) {
            // The kernels write every entry of the block.
            const block = { base, pixels, pixelStride, channelStride: cs, channels: K };
            const s = cceWasm(o.checkInputs ? fn : null, gt, pr, grad, block, weights, scale);
            if (s !== undefined) return s;
          }
          // The JS kernel skips pixels without gt in the selected channels.
          if (grad !== null && !zeroed) {
            for (const off of offsets) {
              const end = base + off + pixels * pixelStride;
              for (let i = base + off; i < end; i += pixelStride) grad[i] = 0;
            }
          }
          // It flags bad input in its pass; only a flagged block is scanned for the offender.
          const flag = o.checkInputs ? new Float64Array(1) : null;
          const sum = cceRun(gt, pr, grad, base, pixels, pixelStride, offsets, weights, scale, u, flag);
          if (flag !== null && flag[0] !== 0) {
            // The first offender in element order among the selected channels of the block's pixels.
            const read = (i: number) =>
              offsets.some((off) => {
                const rel = i - base - off;
                return rel >= 0 && rel % pixelStride === 0 && rel / pixelStride < pixels;
              });
            throw firstBadInput(fn, gt, pr, 'probabilities', read)!;
          }
          return sum;
        });
      },
      true,
    );
  },
);
