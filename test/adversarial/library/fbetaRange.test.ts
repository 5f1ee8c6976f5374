/**
 * Library inputs: F-β with a β whose square overflows (or underflows) is computed stably: its limits are
 * recall (β → ∞) and precision (β → 0), never NaN.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfusionMatrix, metricFromCounts } from '../../../src/core/evaluation/index.js';
import { diceLoss, fScore } from '../../../src/index.js';

const fbeta = (tp: number, fp: number, fn: number, beta: number) =>
  metricFromCounts('fbeta', tp, fp, fn, 0, { beta });

describe('fbeta with extreme β', () => {
  it('β = 1e200 (β² = Infinity) gives recall tp/(tp+fn)', () => {
    expect(fbeta(3, 1, 2, 1e200)).toBe(3 / (3 + 2));
    expect(fbeta(3, 1, 2, Number.MAX_VALUE)).toBe(3 / (3 + 2));
  });

  it('β = 1e-200 (β² = 0) gives precision tp/(tp+fp)', () => {
    expect(fbeta(3, 1, 2, 1e-200)).toBe(3 / (3 + 1));
  });

  it('a count of zero keeps the finite-β value, not zeroDivision', () => {
    // tp = fn = 0, fp > 0: (1+β²)·0 / (0 + 0 + fp) = 0 for every finite β
    expect(fbeta(0, 4, 0, 1e200)).toBe(0);
    expect(fbeta(0, 4, 0, 10)).toBe(0);
    // tp = fp = 0, fn > 0: 0 / (β²·fn) = 0 for every β > 0
    expect(fbeta(0, 0, 4, 1e-200)).toBe(0);
    expect(fbeta(0, 0, 4, 0.1)).toBe(0);
    // β = 0 is precision, whose 0/0 is zeroDivision
    expect(fbeta(0, 0, 4, 0)).toBeNaN();
    expect(fbeta(0, 0, 0, 1e200)).toBeNaN();
  });

  it('ConfusionMatrix.compute("fbeta", { beta: 1e200 }) is the recall', () => {
    const cm = new ConfusionMatrix({ numClasses: 2 });
    cm.update(
      { data: Uint8Array.from([1, 1, 1, 0]), shape: [1, 4] },
      { data: Uint8Array.from([1, 0, 0, 1]), shape: [1, 4] },
    );
    const f = cm.compute('fbeta', { beta: 1e200 }).perClass;
    const r = cm.compute('recall').perClass;
    expect(f).toEqual(r);
  });

  it('is in [0, 1], between precision and recall, and matches the plain formula where β² is moderate (property)', () => {
    fc.assert(
      fc.property(
        fc.nat(1000),
        fc.nat(1000),
        fc.nat(1000),
        fc.double({ min: 1e-300, max: 1e300, noNaN: true }),
        (tp, fp, fn, beta) => {
          fc.pre(tp > 0);
          const v = fbeta(tp, fp, fn, beta);
          const p = tp / (tp + fp);
          const r = tp / (tp + fn);
          expect(v).toBeGreaterThanOrEqual(Math.min(p, r) * (1 - 1e-12));
          expect(v).toBeLessThanOrEqual(Math.max(p, r) * (1 + 1e-12));
          const b2 = beta * beta;
          if (b2 > 1e-100 && b2 < 1e100) {
            expect(v).toBeCloseTo(((1 + b2) * tp) / ((1 + b2) * tp + b2 * fn + fp), 12);
          }
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('the region F-score (fScore, diceLoss) refuses a β whose square would overflow', () => {
  const gt = { data: Float32Array.from([1, 0, 1, 1]), shape: [1, 2, 2, 1] };
  const pr = { data: Float32Array.from([1, 1, 0, 1]), shape: [1, 2, 2, 1] };

  it('β = 1e200 is a RangeError giving the allowed range [0, 1e100]', () => {
    expect(() => fScore({ beta: 1e200 })).toThrow(
      new RangeError('fScore: beta must be at most 1e100, so that β² stays finite; got 1e+200.'),
    );
    expect(() => diceLoss({ beta: 1e200 })).toThrow(
      /^diceLoss: beta must be at most 1e100, so that β² stays finite; got 1e\+200\.$/,
    );
  });

  it('β = 1e100 is accepted and gives the recall limit (smooth 1e-5 aside)', () => {
    // tp = 2, fn = 1: recall 2/3
    expect(fScore({ beta: 1e100 }).value(gt, pr)).toBeCloseTo(2 / 3, 12);
  });
});
