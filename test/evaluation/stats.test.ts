/**
 * The statistics of `segkit eval --ci` and `segkit compare` against scipy 1.10 (test/fixtures/scipy-stats.json,
 * made by scripts/fixtures/scipy_stats.py), plus properties.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bcaLevels, bootstrapMeans } from '../../src/core/evaluation/stats/bootstrap.js';
import { normalCdf, normalPpf, normalSf } from '../../src/core/evaluation/stats/normal.js';
import { seededIndex } from '../../src/core/evaluation/stats/random.js';
import { holm, wilcoxonSignedRank } from '../../src/core/evaluation/stats/wilcoxon.js';
import { close, num } from '../helpers/vectors.js';

const fixtures = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../fixtures/scipy-stats.json'), 'utf8'),
) as {
  scipy_version: string;
  wilcoxon: {
    tag: string;
    x: number[];
    y: number[];
    method: 'exact' | 'approx';
    statistic?: number;
    pvalue?: number | string;
    z?: number;
    error?: string;
  }[];
  normal: { z: number[]; cdf: number[]; sf: number[]; p: number[]; ppf: number[] };
  bca_levels: {
    x: (number | string)[];
    replicates: number[];
    alpha: number;
    levels: number[];
    interval: number[];
  }[];
  bootstrap: {
    x: number[];
    method: 'BCa' | 'percentile';
    resamples: number;
    interval: number[];
    standard_error: number;
  }[];
};

describe('fixtures', () => {
  it('were made by scipy 1.10 and cover n = 1…30, ties, zeros and large n', () => {
    expect(fixtures.scipy_version).toMatch(/^1\.10\./);
    const tags = fixtures.wilcoxon.map((c) => c.tag);
    for (let n = 1; n <= 30; n++) expect(tags).toContain(`distinct/n${n}`);
    expect(tags.filter((t) => t.startsWith('ties')).length).toBeGreaterThanOrEqual(8);
    expect(tags.filter((t) => t.startsWith('zeros')).length).toBe(4);
    expect(tags.filter((t) => t.startsWith('large')).length).toBe(5);
    expect(fixtures.wilcoxon.length).toBe(48);
  });
});

describe('the standard normal', () => {
  it('normalCdf and normalSf equal scipy ndtr / norm.sf to 1e-12 relative, far into both tails', () => {
    fixtures.normal.z.forEach((z, i) => {
      expect(close(normalCdf(z), num(fixtures.normal.cdf[i]), 1e-12, 1e-300), `cdf(${z})`).toBe(true);
      expect(close(normalSf(z), num(fixtures.normal.sf[i]), 1e-12, 1e-300), `sf(${z})`).toBe(true);
    });
  });
  it('normalPpf equals scipy ndtri to 1e-12 relative, from p = 1e-300 to 1 − 1e-12', () => {
    fixtures.normal.p.forEach((p, i) => {
      expect(close(normalPpf(p), num(fixtures.normal.ppf[i]), 1e-12, 1e-15), `ppf(${p})`).toBe(true);
    });
    expect(normalPpf(0)).toBe(-Infinity);
    expect(normalPpf(1)).toBe(Infinity);
    expect(normalPpf(1.5)).toBeNaN();
  });
  it('normalPpf inverts normalCdf (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (z) => {
        const p = normalCdf(z);
        if (p === 0 || p === 1) return;
        expect(Math.abs(normalPpf(p) - z)).toBeLessThan(1e-9 * Math.max(1, Math.abs(z)));
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe('wilcoxonSignedRank', () => {
  it.each(fixtures.wilcoxon.map((c) => [c.tag, c] as const))('%s equals scipy.stats.wilcoxon', (_, c) => {
    const r = wilcoxonSignedRank(c.x, c.y);
    if (c.error) {
      // scipy raises when every difference is zero; segkit reports NaN (nothing to test).
      expect(r.pvalue).toBeNaN();
      expect(r.n).toBe(0);
      return;
    }
    expect(r.method).toBe(c.method === 'exact' ? 'exact' : 'normal');
    expect(r.statistic).toBe(c.statistic);
    expect(close(r.pvalue, num(c.pvalue), 1e-10, 1e-15), `p ${r.pvalue} vs ${c.pvalue}`).toBe(true);
    if (c.z !== undefined) expect(close(r.z, c.z, 1e-10, 1e-12)).toBe(true);
  });
  it('the exact p-value of n all-positive differences is 2/2ⁿ', () => {
    for (let n = 1; n <= 20; n++) {
      const x = Array.from({ length: n }, (_, i) => i + 1);
      expect(wilcoxonSignedRank(x).pvalue).toBeCloseTo(Math.min(1, 2 / 2 ** n), 15);
    }
  });
  it('is symmetric: swapping x and y swaps R⁺ and R⁻ and keeps the p-value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -20, max: 20 })), {
          minLength: 1,
          maxLength: 80,
        }),
        (pairs) => {
          const x = pairs.map((p) => p[0] / 4);
          const y = pairs.map((p) => p[1] / 4);
          const a = wilcoxonSignedRank(x, y);
          const b = wilcoxonSignedRank(y, x);
          expect(b.rPlus).toBe(a.rMinus);
          expect(b.pvalue).toBe(a.pvalue);
          expect(a.rPlus + a.rMinus).toBe((a.n * (a.n + 1)) / 2);
        },
      ),
      { seed: 5, numRuns: 200 },
    );
  });
  it('names the bad argument', () => {
    expect(() => wilcoxonSignedRank([1, 2], [1])).toThrow(
      /wilcoxonSignedRank: x and y must have the same length; got 2 and 1\./,
    );
    expect(() => wilcoxonSignedRank([1, NaN])).toThrow(/differences must be finite; got NaN at index 1\./);
  });
});

describe('holm', () => {
  it('adjusts step-down and keeps the input order', () => {
    expect(holm([0.01, 0.04, 0.03])).toEqual([0.03, 0.06, 0.06]);
    expect(holm([0.5, NaN, 0.01])).toEqual([0.5, NaN, 0.02]);
    expect(holm([0.9, 0.8])).toEqual([1, 1]);
    expect(holm([0.2, 0.3, 0.01])).toEqual([0.4, 0.4, 0.03]);
  });
  it('never lowers a p-value and keeps the order of the raw p-values (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
        (ps) => {
          const adj = holm(ps);
          ps.forEach((p, i) => expect(adj[i]).toBeGreaterThanOrEqual(Math.min(1, p)));
          for (let i = 0; i < ps.length; i++)
            for (let j = 0; j < ps.length; j++) if (ps[i] < ps[j]) expect(adj[i]).toBeLessThanOrEqual(adj[j]);
        },
      ),
      { seed: 3, numRuns: 200 },
    );
  });
  it('rejects a p-value outside [0, 1]', () => {
    expect(() => holm([0.2, 1.5])).toThrow(/holm: pvalues must be in \[0, 1\] or NaN; got 1\.5 at index 1\./);
  });
});

describe('bootstrap intervals', () => {
  it('BCa levels equal scipy _bca_interval given the same resamples (NaN values skipped)', () => {
    for (const c of fixtures.bca_levels) {
      const x = c.x.map(num);
      const kept = x.filter((v) => !Number.isNaN(v));
      const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
      const s = kept.reduce((a, b) => a + b, 0);
      const jack = x.map((v) => (Number.isNaN(v) ? s / kept.length : (s - v) / (kept.length - 1)));
      const [lo, hi] = bcaLevels(mean, c.replicates, jack, c.alpha);
      expect(close(lo, c.levels[0], 1e-9, 1e-12), `lo ${lo} vs ${c.levels[0]}`).toBe(true);
      expect(close(hi, c.levels[1], 1e-9, 1e-12), `hi ${hi} vs ${c.levels[1]}`).toBe(true);
    }
  });
  it.each(fixtures.bootstrap.map((c) => [`${c.method} n=${c.x.length}`, c] as const))(
    '%s agrees with scipy.stats.bootstrap within Monte-Carlo error (50,000 resamples)',
    (_, c) => {
      const [r] = bootstrapMeans([c.x], {
        resamples: c.resamples,
        seed: 1,
        method: c.method === 'BCa' ? 'bca' : 'percentile',
      });
      // Two independent 50,000-resample estimates of a 2.5 % quantile differ by about 0.02 standard errors (1 sd);
      // BCa and percentile intervals of these skewed samples differ by more than the tolerance.
      const tol = 0.06 * c.standard_error;
      expect(Math.abs(r.lower - c.interval[0])).toBeLessThan(tol);
      expect(Math.abs(r.upper - c.interval[1])).toBeLessThan(tol);
    },
  );
  it('the same seed gives the same interval; another seed another one', () => {
    const cols = [Array.from({ length: 50 }, (_, i) => Math.sin(i) ** 2)];
    const a = bootstrapMeans(cols, { seed: 9, resamples: 500 });
    expect(bootstrapMeans(cols, { seed: 9, resamples: 500 })).toEqual(a);
    expect(bootstrapMeans(cols, { seed: 10, resamples: 500 })).not.toEqual(a);
  });
  it('resamples images with their classes together: the interval of a column equals its interval alone only in its estimate', () => {
    const a = Array.from({ length: 40 }, (_, i) => (i % 7) / 7);
    const b = a.map((v) => 1 - v);
    const [ra, rb] = bootstrapMeans([a, b], { seed: 2, resamples: 300, method: 'percentile' });
    // b = 1 − a on every image, and one draw serves both columns: the intervals mirror each other exactly.
    expect(ra.lower + rb.upper).toBeCloseTo(1, 12);
    expect(ra.upper + rb.lower).toBeCloseTo(1, 12);
  });
  it('skips NaN values and reports how many it counted; fewer than 2 values give no interval', () => {
    const [r, single] = bootstrapMeans(
      [
        [0.5, NaN, 0.7, 0.9],
        [NaN, NaN, 0.4, NaN],
      ],
      { seed: 1, resamples: 200 },
    );
    expect(r.counted).toBe(3);
    expect(r.estimate).toBeCloseTo(0.7, 15);
    expect(r.lower).toBeLessThanOrEqual(r.estimate);
    expect(single.counted).toBe(1);
    expect(single.lower).toBeNaN();
  });
  it('names bad options', () => {
    expect(() => bootstrapMeans([[1, 2]], { ci: 1.2 })).toThrow(
      /bootstrapMeans: ci must be in \(0, 1\); got 1\.2\./,
    );
    expect(() => bootstrapMeans([[1, 2]], { method: 'basic' as 'bca' })).toThrow(
      /method must be 'bca' or 'percentile'/,
    );
    expect(() => bootstrapMeans([[1, 2], [1]])).toThrow(
      /columns must all have 2 entries, one per image; column 1 has 1\./,
    );
  });
  it('seededIndex draws every residue about equally often', () => {
    const draw = seededIndex(123);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70000; i++) counts[draw(7)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
  });
});
