/**
 * Derived statistics of `bootstrapMeans` (groups: a mean of column means, as the foreground mean of
 * `segkit eval --ci`): their replicates and jackknife are the group's own, checked against bootstraps whose
 * answer is known by arithmetic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootstrapMeans } from '../../src/core/evaluation/stats/bootstrap.js';

const rows = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('bootstrapMeans(columns, options, groups)', () => {
  it.each(['bca', 'percentile'] as const)(
    '%s: without NaN, the mean of two column means is the bootstrap of the per-image row means',
    (method) => {
      // mean_i((a_i + b_i) / 2) = (mean a + mean b) / 2 on every resample, and on every jackknife sample.
      const a = rows(30, (i) => Math.sin(i) ** 2);
      const b = rows(30, (i) => (i % 5) / 5 + 0.1 * Math.cos(i));
      const opts = { resamples: 800, seed: 4, method };
      const [, , g] = bootstrapMeans([a, b], opts, [{ columns: [0, 1] }]);
      const [r] = bootstrapMeans([a.map((x, i) => (x + b[i]) / 2)], opts);
      expect(g.estimate).toBeCloseTo(r.estimate, 14);
      expect(g.lower).toBeCloseTo(r.lower, 12);
      expect(g.upper).toBeCloseTo(r.upper, 12);
      expect(g.lower).toBeLessThan(g.upper);
    },
  );

  it('a group of one column has that column’s interval; fixed weights weight the means', () => {
    // Values without ties, so that no replicate equals the estimate up to rounding (BCa counts those).
    const a = rows(25, (i) => Math.sin(i + 1) * 5);
    const b = rows(25, (i) => Math.cos(3 * i) ** 3);
    const opts = { resamples: 500, seed: 2 };
    const [ca, cb, one, w] = bootstrapMeans([a, b], opts, [
      { columns: [0] },
      { columns: [0, 1], weights: [3, 1] },
    ]);
    expect([one.estimate, one.lower, one.upper]).toEqual([ca.estimate, ca.lower, ca.upper]);
    expect(w.estimate).toBeCloseTo((3 * ca.estimate + cb.estimate) / 4, 13);
    // Weighted: (3a + b)/4 per image is the same statistic as the weighted mean of the means.
    const [r] = bootstrapMeans([a.map((x, i) => (3 * x + b[i]) / 4)], opts);
    expect(w.lower).toBeCloseTo(r.lower, 12);
    expect(w.upper).toBeCloseTo(r.upper, 12);
  });

  it('NaN entries: the group is the nanMean of the column nanMeans, not the mean of row means', () => {
    const a = [0.9, 0.8, 0.7, 1.0, 0.6];
    const b = [0.2, NaN, NaN, NaN, 0.4];
    const [, , g] = bootstrapMeans([a, b], { resamples: 300, seed: 1 }, [{ columns: [0, 1] }]);
    expect(g.estimate).toBeCloseTo((0.8 + 0.3) / 2, 15);
    expect(g.counted).toBe(2);
    expect(g.lower).toBeLessThan(g.estimate);
    expect(g.upper).toBeGreaterThan(g.estimate);
  });

  it('property: the same seed gives the same group interval, which holds its estimate (percentile)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
          {
            minLength: 3,
            maxLength: 40,
          },
        ),
        fc.integer({ min: 0, max: 1000 }),
        (pairs, seed) => {
          const cols = [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
          const opts = { resamples: 200, seed, method: 'percentile' as const };
          const g = bootstrapMeans(cols, opts, [{ columns: [0, 1] }])[2];
          expect(bootstrapMeans(cols, opts, [{ columns: [0, 1] }])[2]).toEqual(g);
          expect(g.lower).toBeLessThanOrEqual(g.upper);
          expect(g.lower).toBeGreaterThanOrEqual(Math.min(...cols.flat()) - 1e-12);
          expect(g.upper).toBeLessThanOrEqual(Math.max(...cols.flat()) + 1e-12);
        },
      ),
      { seed: 14, numRuns: 60 },
    );
  });

  it('fewer than 2 images: the estimate, no interval', () => {
    const [, g] = bootstrapMeans([[0.5]], {}, [{ columns: [0] }]);
    expect(g.estimate).toBe(0.5);
    expect(g.lower).toBeNaN();
  });

  it('rejects groups that name no column or a column out of range, and weights of the wrong size', () => {
    expect(() => bootstrapMeans([[1, 2]], {}, [{ columns: [] }])).toThrow(
      /bootstrapMeans: groups\[0\]\.columns must be a non-empty list of column indices in \[0, 0\]; got \[\]\./,
    );
    expect(() => bootstrapMeans([[1, 2]], {}, [{ columns: [0] }, { columns: [1] }])).toThrow(
      /bootstrapMeans: groups\[1\]\.columns must be a non-empty list of column indices in \[0, 0\]; got \[1\]\./,
    );
    expect(() => bootstrapMeans([[1, 2]], {}, [{ columns: [0], weights: [1, 2] }])).toThrow(
      /bootstrapMeans: groups\[0\]\.weights must be 1 finite numbers ≥ 0 \(one per column\); got \[1, 2\]\./,
    );
  });
});
