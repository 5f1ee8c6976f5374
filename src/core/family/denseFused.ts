/**
 * The per-image fused form of the dense region stage (issue 10): per-image region losses from float32 logits
 * with a sigmoid (the plain form) run both passes image by image. Pass 1 of image b (`denseStats`) keeps σ
 * of the logits and one bit per target (exactly 1.0 or not) in the fused WebAssembly module's memory instead of
 * storing σ in the gradient buffer; then image b's coefficients; then pass 2 of image b (`denseGrad`) reads σ
 * from there and, for blocks of 0/1 targets, builds the gradient from the bits instead of reading the targets
 * again (`kernels/regionWasm.ts`'s fused module: runs of period V = 1, i.e. channels-first planes and C ∈ {1, 2,
 * 4} channels-last; other runs of the image take the two passes apart). The sums and the gradient arithmetic are
 * the stage's own: the same sums and the same gradient bits as the two passes apart, given the same
 * coefficients. The squared form stays on the passes apart: fused, it measured slower (from probabilities 0.72×,
 * from sigmoid logits 0.94–0.98× the speed of the passes apart).
 *
 * Image b's coefficients come from the loss's own reduction, called on the sums so far with the images not yet
 * counted standing in as copies of image b, as the softmax path's `fusedRegionValueAndGrad` does: exact whenever
 * image b's coefficients depend on its own sums alone (a mean of per-image terms). The final reduction checks
 * them, coefficient by coefficient, and runs the two passes of any image whose coefficients differ again.
 * @module
 */
import { NO_RANGE } from '../kernels/regionStats.js';
import { holdFor, restartHold } from '../kernels/regionWasm.js';
import type { SigmoidPass } from '../kernels/sigmoidStats.js';
import { overlaps } from '../validate.js';
import { checkDenseInputs, denseGrad, denseSigmoid, denseStats, unselectedLogitsBad } from './denseStats.js';
import { type FusedValueAndGrad, countsOfStats, denseCoefficients, sigmoidStageInputs } from './region.js';

/**
 * The switch of the fused form and the smallest image it takes (elements), for tests and benchmarks; `images` and
 * `redone` count the images it ran and those whose passes it ran again. Below 2^20 elements (4 MiB of σ) an image's
 * data stays in cache between the two passes apart, which measured as fast or faster (sigmoid 8×256×256×4: the
 * fused form at 0.86–1.0× the speed of the passes apart; 2×3×128³: 1.13–1.3×). @internal
 */
export const denseFused = { enabled: true, minImage: 2 ** 20, images: 0, redone: 0 };

/**
 * Value and gradient of a per-image region loss on the dense stage with both passes run image by image (see the
 * module). Returns null when the call is not for this form: the squared form, not per image, not the sigmoid stage's inputs, an
 * image under `denseFused.minImage` elements, WebAssembly off or unable to hold an image (64 MiB of σ at most), `out`
 * overlapping an input, soft targets in smp's soft-label form, or bad input with `checkInputs: false`. Bad input
 * with `checkInputs` throws the two passes' RangeError (the first offending index).
 */
export const fusedDenseValueAndGrad: FusedValueAndGrad = (fn, gt, pr, cfg, form, reduce, out) => {
  if (!denseFused.enabled || !form.perImage || !cfg.fromLogits || !denseSigmoid.store) return null;
  if (form.squared) return null;
  const inputs = sigmoidStageInputs(fn, gt, pr, cfg, form, {});
  if (inputs === null) return null;
  const { geom, channels, g, x } = inputs;
  const { batch, imageStride } = geom;
  if (imageStride < denseFused.minImage) return null;
  const hold = holdFor(imageStride);
  if (hold === null) return null;
  const grad = out ?? new Float32Array(x.length);
  if (overlaps(grad, x) || overlaps(grad, g)) return null;
  const K = channels.length;
  const w = 3;
  const stats = new Float64Array(batch * K * w);
  const used = new Float64Array(2 * batch * K);
  // Every logit must be finite, selected or not (as on the general path): the channels not read, scanned once.
  if (K < geom.channels) {
    const bad = unselectedLogitsBad(x, geom, channels);
    if (bad !== 0 && !cfg.checkInputs) return null;
    if (bad !== 0) checkDenseInputs(fn, g, x, geom, channels, [], new Float64Array([bad, 0]), 'logits');
  }
  const one = { ...geom, batch: 1 };
  /** Passes 1 and 2 of image b into its part of `grad` (held: σ kept in the module's memory between them). */
  const image = (b: number, coefficients: (sums: Float64Array) => Float64Array, held: boolean) => {
    const [s, e] = [b * imageStride, (b + 1) * imageStride];
    const [gs, xs, os] = [g.subarray(s, e), x.subarray(s, e), grad.subarray(s, e)];
    const pass: SigmoidPass = { x: xs, store: os, bad: 0, soft: false };
    restartHold(hold, 1);
    const h = held ? hold : undefined;
    const sums = denseStats(gs, xs, one, channels, true, undefined, undefined, NO_RANGE, pass, false, h);
    let finite = pass.bad === 0;
    for (let i = 0; i < sums.length; i++) finite &&= Number.isFinite(sums[i]);
    if (!finite) {
      // Unchecked bad input: the general path computes the call as it is (a NaN propagates).
      if (!cfg.checkInputs) return false;
      // The scan of the whole call finds the first offending index (images before b were good).
      checkDenseInputs(fn, g, x, geom, channels, [sums], new Float64Array([pass.bad, 0]), 'logits');
    }
    // smp's soft-label form equals the plain one only on 0/1 targets.
    if (form.softLabel && pass.soft) return false;
    const coef = coefficients(sums);
    restartHold(hold, 2);
    denseGrad(gs, one, channels, true, coef, os, undefined, { x: xs, stored: os }, undefined, h);
    return true;
  };
  for (let b = 0; b < batch; b++) {
    const ok = image(
      b,
      (sums) => {
        stats.set(sums, b * K * w);
        const guess = countsOfStats(stats, channels, batch, false, (r) => Math.min(r, b));
        const coef = denseCoefficients(reduce(guess).grads, b * K, K, false);
        used.set(coef, 2 * b * K);
        return coef;
      },
      true,
    );
    if (!ok) return null;
    denseFused.images++;
  }
  const r = reduce(countsOfStats(stats, channels, batch, false));
  const all = denseCoefficients(r.grads, 0, batch * K, false);
  for (let b = 0; b < batch; b++) {
    let same = true;
    for (let j = 2 * b * K; j < 2 * (b + 1) * K; j++) same &&= all[j] === used[j];
    if (same) continue;
    // Image b's coefficients depend on later images: its two passes again, apart (p stored in `grad`).
    denseFused.redone++;
    image(b, () => all.subarray(2 * b * K, 2 * (b + 1) * K), false);
  }
  return { value: r.value, grad };
};
