/**
 * One meaning for `threshold` across segkit: a score counts as positive when it is strictly greater
 * (`pr > threshold`, as segmentation_models and torchmetrics), in ConfusionMatrix as in fScore / iouScore.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfusionMatrix, fScore, iouScore } from '../../src/index.js';

describe('threshold: pr > threshold everywhere', () => {
  it('a score equal to the threshold is negative, in ConfusionMatrix and in fScore', () => {
    const gt = { data: new Float32Array([1, 1, 0, 0]), shape: [1, 2, 2, 1] };
    const pr = { data: new Float32Array([0.5, 0.7, 0.5, 0.2]), shape: [1, 2, 2, 1] };
    const cm = new ConfusionMatrix({ numClasses: 1, mode: 'binary' }).update(gt, pr, {
      layout: 'channelsLast',
    });
    // 0.5 is not > 0.5: tp = 1 (0.7), fn = 1 (the first 0.5), fp = 0, tn = 2.
    expect(cm.stats()).toEqual({ tp: [1], fp: [0], fn: [1], tn: [2] });
    expect(fScore({ threshold: 0.5, smooth: 0 }).value(gt, pr)).toBeCloseTo((2 * 1) / (2 * 1 + 0 + 1), 12);
  });

  it('property: ConfusionMatrix({ threshold }) and fScore / iouScore({ threshold }) agree on hard counts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0.25, 0.5, 0.75),
        fc.integer({ min: 0, max: 1 << 20 }),
        (N, P, C, threshold, seed) => {
          let s = seed + 1;
          const r = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
          const n = N * P * C;
          const gt = new Float32Array(n);
          const pr = new Float32Array(n);
          // Scores on a grid of quarters, so that many equal the threshold exactly.
          for (let i = 0; i < n; i++) {
            gt[i] = r() < 0.5 ? 1 : 0;
            pr[i] = Math.floor(r() * 5) / 4;
          }
          const shape = [N, P, C];
          const cm = new ConfusionMatrix({
            numClasses: C,
            mode: C === 1 ? 'binary' : 'multilabel',
            threshold,
          });
          cm.update({ data: gt, shape }, { data: pr, shape }, { layout: 'channelsLast' });
          const { tp, fp, fn } = cm.stats();
          const smooth = 1e-5;
          const f = fScore({ threshold, smooth }).perClass({ data: gt, shape }, { data: pr, shape });
          const iou = iouScore({ threshold, smooth }).perClass({ data: gt, shape }, { data: pr, shape });
          for (let c = 0; c < C; c++) {
            expect(f[c]).toBeCloseTo((2 * tp[c] + smooth) / (2 * tp[c] + fp[c] + fn[c] + smooth), 10);
            expect(iou[c]).toBeCloseTo((tp[c] + smooth) / (tp[c] + fp[c] + fn[c] + smooth), 10);
          }
        },
      ),
      { seed: 1004, numRuns: 200 },
    );
  });
});
