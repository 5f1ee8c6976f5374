/**
 * The cross-entropy of the loss family (`diceCELoss`'s CE term, `src/core/family/crossEntropy.ts`) with dense
 * targets and `ignoreIndex`: what it does, pinned (issue 10, the quirk noted in docs/notes/issue-11-tfjsgpu.md).
 *
 * No reference defines this case: PyTorch's `CrossEntropyLoss` applies `ignore_index` to class-index targets
 * only (probability targets ignore it), MONAI 1.5's `DiceCELoss` has no `ignore_index`, and smp's
 * `SoftCrossEntropyLoss` ignores by label. segkit's rule, documented in the README: a pixel is left out of the
 * CE (term and mean) when its channel-0 target equals `ignoreIndex` — the label-map rule when a dense target
 * marks an ignored pixel in every channel; an ignored element in another channel counts as target 0. The
 * TF.js op path (`src/tfjs/family/elementwiseOps.ts`) does the same, for parity.
 */
import { describe, expect, it } from 'vitest';
import { crossEntropyTerms, type CrossEntropyConfig } from '../../src/core/family/crossEntropy.js';
import { diceCELoss } from '../../src/core/losses/index.js';

const cfg: CrossEntropyConfig = {
  layout: 'channelsLast',
  weights: undefined,
  labelSmoothing: 0,
  ignoreIndex: 255,
  reduction: 'mean',
};

/** −log softmax(x)_y, in float64. */
function nll(x: readonly number[], y: number): number {
  const m = Math.max(...x);
  const lse = m + Math.log(x.reduce((s, v) => s + Math.exp(v - m), 0));
  return lse - x[y];
}

// Three pixels, three channels, channels-last: logits and one-hot targets (labels 0, 2, 1).
const X = [0.5, -1, 2, 1, 0.25, -0.5, -2, 1.5, 0.75];
const LOGITS = { data: Float64Array.from(X), shape: [1, 3, 1, 3] };
const pixel = (i: number) => X.slice(3 * i, 3 * i + 3);

describe('the family CE with dense targets and ignoreIndex', () => {
  it('leaves a pixel out when every channel of its target is ignoreIndex (as a label map does)', () => {
    const dense = { data: Float64Array.of(1, 0, 0, 255, 255, 255, 0, 1, 0), shape: [1, 3, 1, 3] };
    const labels = { data: Float64Array.of(0, 255, 1), shape: [1, 3, 1] };
    const d = crossEntropyTerms('t', dense, LOGITS, cfg, true);
    const l = crossEntropyTerms('t', labels, LOGITS, cfg, true);
    const expected = (nll(pixel(0), 0) + nll(pixel(2), 1)) / 2;
    expect(d.value).toBeCloseTo(expected, 12);
    expect(l.value).toBeCloseTo(expected, 12);
    expect(Array.from(d.grad!)).toEqual(Array.from(l.grad!));
    expect(Array.from(d.grad!.subarray(3, 6))).toEqual([0, 0, 0]);
  });

  it('leaves a pixel out when only its channel-0 target is ignoreIndex', () => {
    const dense = { data: Float64Array.of(1, 0, 0, 255, 0, 1, 0, 1, 0), shape: [1, 3, 1, 3] };
    const r = crossEntropyTerms('t', dense, LOGITS, cfg, false);
    expect(r.value).toBeCloseTo((nll(pixel(0), 0) + nll(pixel(2), 1)) / 2, 12);
  });

  it('counts a pixel whose ignoreIndex sits in another channel, that element as target 0', () => {
    // Pixel 1: targets (0, 255, 1) → (0, 0, 1): its term is −log p_2, and it counts in the mean.
    const dense = { data: Float64Array.of(1, 0, 0, 0, 255, 1, 0, 1, 0), shape: [1, 3, 1, 3] };
    const r = crossEntropyTerms('t', dense, LOGITS, cfg, false);
    expect(r.value).toBeCloseTo((nll(pixel(0), 0) + nll(pixel(1), 2) + nll(pixel(2), 1)) / 3, 12);
  });

  it('diceCELoss takes that CE term (lambdaDice 0)', () => {
    const dense = { data: Float64Array.of(1, 0, 0, 255, 255, 255, 0, 1, 0), shape: [1, 3, 1, 3] };
    const loss = diceCELoss({
      preset: 'monai',
      layout: 'channelsLast',
      fromLogits: true,
      ignoreIndex: 255,
      lambdaDice: 0,
    });
    expect(loss.value(dense, LOGITS)).toBeCloseTo((nll(pixel(0), 0) + nll(pixel(2), 1)) / 2, 12);
  });
});
