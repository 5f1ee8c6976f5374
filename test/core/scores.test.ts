/** The one table of score shapes (src/core/scores.ts): hand values, derivatives, and its users agreeing with it. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PRECISION_SHAPE,
  RECALL_SHAPE,
  type ScoreShape,
  fScoreShape,
  focalPower,
  iouShape,
  logCosh,
  ratioScore,
  scaleShape,
  scoreLoss,
  tverskyShape,
  weightedRatioScore,
} from '../../src/core/scores.js';
import { metricFromCounts } from '../../src/core/evaluation/fromCounts.js';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const params = { seed: 20261204, numRuns: 200 };
const h = 1e-6;

function near(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

describe('score shapes: hand values written as arithmetic', () => {
  it('ratioScore(fScoreShape(1), tp, fp, fn) is Dice 2tp/(2tp + fp + fn)', () => {
    expect(ratioScore(fScoreShape(1), 3, 1, 2)).toBeCloseTo((2 * 3) / (2 * 3 + 1 + 2), 15);
  });
  it('fScoreShape(2) weighs fn by β² = 4: 5tp/(5tp + 4fn + fp)', () => {
    expect(ratioScore(fScoreShape(2), 3, 1, 2)).toBeCloseTo(15 / (15 + 8 + 1), 15);
  });
  it('IoU, precision, recall and Tversky', () => {
    expect(ratioScore(iouShape(), 3, 1, 2)).toBeCloseTo(3 / (3 + 1 + 2), 15);
    expect(ratioScore(PRECISION_SHAPE, 3, 1, 2)).toBeCloseTo(3 / (3 + 1), 15);
    expect(ratioScore(RECALL_SHAPE, 3, 1, 2)).toBeCloseTo(3 / (3 + 2), 15);
    expect(ratioScore(tverskyShape(0.3, 0.7), 3, 1, 2)).toBeCloseTo(3 / (3 + 0.3 * 1 + 0.7 * 2), 15);
  });
  it('smoothing enters the numerator and the denominator; eps clamps the denominator', () => {
    expect(ratioScore(fScoreShape(1), 0, 0, 0, 1e-5, 1e-5)).toBe(1);
    expect(ratioScore(fScoreShape(1), 0, 0, 0)).toBeNaN();
    expect(ratioScore(iouShape(), 0, 0, 0, 0, 0, 1e-7)).toBe(0);
    expect(ratioScore(iouShape(), 1, 0, 0, 0, 0, 2)).toBe(0.5);
  });
  it('the normalized F-β shape gives the same score without smoothing, and recall for a β² that overflows', () => {
    expect(ratioScore(fScoreShape(3, true), 3, 1, 2)).toBeCloseTo(ratioScore(fScoreShape(3), 3, 1, 2), 14);
    expect(fScoreShape(1e200, true)).toEqual({ a: 1, wfp: 0, wfn: 1 });
    expect(ratioScore(fScoreShape(1e200, true), 3, 1, 2)).toBe(3 / 5);
    expect(fScoreShape(0.5, true)).toEqual(fScoreShape(0.5));
  });
  it('scaleShape(·, 1/(1 + β²)) is smp Dice, whose smoothing counts once', () => {
    const s = scaleShape(fScoreShape(1), 0.5);
    expect(s).toEqual({ a: 1, wfp: 0.5, wfn: 0.5 });
    expect(ratioScore(s, 3, 1, 2, 1, 1)).toBe((3 + 1) / (3 + 0.5 + 1 + 1));
  });
  it('weightedRatioScore of one class with weight 1 is ratioScore; generalized Dice sums over classes', () => {
    expect(weightedRatioScore(fScoreShape(1), [1], [3], [1], [2], 0, 1)).toBe(
      ratioScore(fScoreShape(1), 3, 1, 2),
    );
    // Class 1 empty (weight 1): (2·3 + 0)/((6 + 1 + 2) + 0) = 6/9.
    expect(weightedRatioScore(fScoreShape(1), [1, 1], [3, 0], [1, 0], [2, 0], 0, 2)).toBeCloseTo(6 / 9, 15);
  });
  it('the loss transforms: 1 − s, −log s (clamped), the focal exponent, log-cosh', () => {
    const d = new Float64Array(2);
    expect(scoreLoss(0.75, false, 0, d, 0)).toBe(0.25);
    expect(d[0]).toBe(-1);
    expect(scoreLoss(0.5, true, 1e-7, d, 0)).toBeCloseTo(Math.LN2, 15);
    expect(d[0]).toBe(-2);
    expect(scoreLoss(0, true, 1e-7, d, 0)).toBeCloseTo(-Math.log(1e-7), 12);
    expect(d[0]).toBe(0);
    expect(focalPower(0.25, 2, d, 1)).toBe(0.0625);
    expect(d[1]).toBe(0.5);
    expect(focalPower(0, 0.5, d, 1)).toBe(0);
    expect(d[1]).toBe(0);
    expect(logCosh(0, d, 0)).toBe(0);
    expect(logCosh(1, d, 0)).toBeCloseTo(Math.log(Math.cosh(1)), 15);
    expect(d[0]).toBeCloseTo(Math.tanh(1), 15);
    expect(logCosh(800, d, 0)).toBeCloseTo(800 - Math.LN2, 9);
  });
});

const shapeArb: fc.Arbitrary<ScoreShape> = fc.record({
  a: fc.double({ min: 0.1, max: 5, noNaN: true }),
  wfp: fc.double({ min: 0, max: 5, noNaN: true }),
  wfn: fc.double({ min: 0, max: 5, noNaN: true }),
});
const countArb = fc.double({ min: 0.01, max: 100, noNaN: true });

describe('derivatives of the table equal float64 central differences', () => {
  it('ratioScore: ∂s/∂tp, ∂s/∂fp, ∂s/∂fn, with smoothing and an eps clamp', () => {
    fc.assert(
      fc.property(
        shapeArb,
        countArb,
        countArb,
        countArb,
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.constantFrom(0, 1e-7, 1e3),
        (shape, tp, fp, fn, smooth, eps) => {
          const g = new Float64Array(3);
          ratioScore(shape, tp, fp, fn, smooth, smooth, eps, g);
          const f = (t: number, p: number, n: number) => ratioScore(shape, t, p, n, smooth, smooth, eps);
          const fd = [
            (f(tp + h, fp, fn) - f(tp - h, fp, fn)) / (2 * h),
            (f(tp, fp + h, fn) - f(tp, fp - h, fn)) / (2 * h),
            (f(tp, fp, fn + h) - f(tp, fp, fn - h)) / (2 * h),
          ];
          for (let i = 0; i < 3; i++) expect(near(g[i], fd[i], 1e-5)).toBe(true);
        },
      ),
      params,
    );
  });
  it('weightedRatioScore: ∂s/∂x_k for every class, scaled', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(countArb, countArb, countArb, fc.double({ min: 0, max: 3, noNaN: true })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        (cls, scale) => {
          const K = cls.length;
          const tp = cls.map((c) => c[0]);
          const fp = cls.map((c) => c[1]);
          const fn = cls.map((c) => c[2]);
          const w = cls.map((c) => c[3] + 0.1);
          const shape = fScoreShape(1);
          const grads = { dtp: new Float64Array(K), dfp: new Float64Array(K), dfn: new Float64Array(K) };
          weightedRatioScore(shape, w, tp, fp, fn, 0, K, 1e-5, 1e-5, grads, scale);
          const f = () => weightedRatioScore(shape, w, tp, fp, fn, 0, K, 1e-5, 1e-5);
          for (let k = 0; k < K; k++) {
            for (const [arr, d] of [
              [tp, grads.dtp],
              [fp, grads.dfp],
              [fn, grads.dfn],
            ] as const) {
              const v = arr[k];
              arr[k] = v + h;
              const up = f();
              arr[k] = v - h;
              const down = f();
              arr[k] = v;
              expect(near(d[k], (scale * (up - down)) / (2 * h), 1e-5)).toBe(true);
            }
          }
        },
      ),
      params,
    );
  });
  it('scoreLoss, focalPower and logCosh: their written derivatives', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 2, noNaN: true }),
        fc.double({ min: 0.3, max: 4, noNaN: true }),
        (x, gamma) => {
          const d = new Float64Array(1);
          const num = (f: (v: number) => number) => (f(x + h) - f(x - h)) / (2 * h);
          for (const log of [false, true]) {
            scoreLoss(x, log, 1e-7, d, 0);
            expect(
              near(
                d[0],
                num((v) => scoreLoss(v, log, 1e-7, new Float64Array(1), 0)),
                1e-5,
              ),
            ).toBe(true);
          }
          focalPower(x, gamma, d, 0);
          expect(
            near(
              d[0],
              num((v) => focalPower(v, gamma, new Float64Array(1), 0)),
              1e-5,
            ),
          ).toBe(true);
          logCosh(x, d, 0);
          expect(
            near(
              d[0],
              num((v) => logCosh(v, new Float64Array(1), 0)),
              1e-5,
            ),
          ).toBe(true);
        },
      ),
      params,
    );
  });
});

describe('the table is the formula of its users', () => {
  it('Tversky(½, ½) is Dice and Tversky(1, 1) is IoU, on any counts and smoothing', () => {
    fc.assert(
      fc.property(
        countArb,
        countArb,
        countArb,
        fc.double({ min: 0, max: 2, noNaN: true }),
        (tp, fp, fn, s) => {
          // Tversky(½,½) = (tp + s)/(tp + (fp + fn)/2 + s): the Dice shape halved, so equal when s = 0.
          expect(
            near(
              ratioScore(tverskyShape(0.5, 0.5), tp, fp, fn),
              ratioScore(fScoreShape(1), tp, fp, fn),
              1e-14,
            ),
          ).toBe(true);
          expect(ratioScore(tverskyShape(1, 1), tp, fp, fn, s, s)).toBe(
            ratioScore(iouShape(), tp, fp, fn, s, s),
          );
        },
      ),
      params,
    );
  });
  it('metricFromCounts (hard counts) equals the table for dice, iou, fbeta, precision and recall', () => {
    const int = fc.integer({ min: 0, max: 1000 });
    fc.assert(
      fc.property(int, int, int, fc.double({ min: 0, max: 10, noNaN: true }), (tp, fp, fn, beta) => {
        if (tp + fp + fn === 0) return;
        const pairs: [number, number][] = [
          [metricFromCounts('dice', tp, fp, fn), ratioScore(fScoreShape(1), tp, fp, fn)],
          [metricFromCounts('iou', tp, fp, fn), ratioScore(iouShape(), tp, fp, fn)],
          [metricFromCounts('fbeta', tp, fp, fn, 0, { beta }), ratioScore(fScoreShape(beta), tp, fp, fn)],
          [metricFromCounts('precision', tp, fp, fn), ratioScore(PRECISION_SHAPE, tp, fp, fn)],
          [metricFromCounts('recall', tp, fp, fn), ratioScore(RECALL_SHAPE, tp, fp, fn)],
        ];
        for (const [a, b] of pairs) {
          if (Number.isNaN(b)) expect(a).toBeNaN();
          else expect(near(a, b, 1e-13)).toBe(true);
        }
      }),
      params,
    );
  });
  it('the F-score ratio is written once in src/ (scores.ts): no other file spells 1 + β² or 2·tp + fp + fn', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk('src');
    const code = (p: string) =>
      readFileSync(p, 'utf8')
        .split('\n')
        .filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l))
        .join('\n');
    const pattern = /1 \+ (\w+\.)?(beta \* beta|beta2|b2)\b|2 \* tp[^\n]*\+ fp/;
    const hits = files.filter((p) => pattern.test(code(p)));
    expect(hits).toEqual(['src/core/scores.ts']);
  });
});
