/**
 * `mccLoss`: the soft Matthews-correlation loss, smp's `MCCLoss`.
 * @module
 */
import { type LossFactory, withDefaultInstance } from '../loss.js';
import { checkOptionKeys, type InputCheckOption, resolveCheckInputs } from '../options.js';
import { checkFiniteNumber } from '../validate.js';
import { mccTerms } from '../family/mcc.js';
import { lossFromTerms } from '../family/termsLoss.js';

/** The `eps` of {@link mccLoss} options, validated. @default 1e-5 */
export function resolveMccEps(fn: string, options: MccLossOptions | undefined): number {
  const o = checkOptionKeys(fn, options, ['eps']);
  return o.eps === undefined ? 1e-5 : checkFiniteNumber(fn, 'eps', o.eps, 0);
}

/** Options of {@link mccLoss}. */
export interface MccLossOptions extends InputCheckOption {
  /** Added to each of the four soft counts (smp `eps`). @default 1e-5 */
  eps?: number;
}

/**
 * Soft MCC loss (Abhishek & Hamarneh 2021, "Matthews Correlation Coefficient Loss for Deep Convolutional
 * Networks: Application to Skin Lesion Segmentation"), as smp's `MCCLoss`: 1 − (tp·tn − fp·fn)/√((tp+fp)(tp+fn)(tn+fp)(tn+fn))
 * with tp = Σp·g + ε, tn = Σ(1−p)(1−g) + ε, fp = Σp(1−g) + ε, fn = Σ(1−p)g + ε summed over the whole batch
 * and every channel (smp sums over the batch too: no per-image form). `pr` holds probabilities: smp applies no
 * activation, so segkit offers no from-logits form either. `gt` has its shape. With gt and pr
 * all 0 the loss is about ½ (the ε terms), not 0. Gradient in closed form (see `mccTerms`).
 * @param options.eps - added to each count. @default 1e-5
 * @example mccLoss.value({ data: [1, 0, 1, 0], shape: [1, 4] }, { data: [1, 0, 1, 0], shape: [1, 4] }) // ≈ 0 (1 − (2·2 − 0)/√(2·2·2·2) with the ε terms)
 */
export const mccLoss: LossFactory<MccLossOptions> = withDefaultInstance((options?: MccLossOptions) => {
  const fn = 'mccLoss';
  const eps = resolveMccEps(fn, options);
  const check = resolveCheckInputs(fn, options);
  return lossFromTerms('mcc_loss', (gt, pr, withGrad, out) =>
    mccTerms(fn, gt, pr, eps, withGrad, check, out),
  );
});
