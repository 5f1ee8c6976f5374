/**
 * Properties of the metrics engine (fast-check, seeded): merge of any split equals the single run, invariance
 * to a pixel permutation, HD symmetric / zero on identical masks / linear in spacing, EDT and surface metrics
 * against brute force in 2-D and 3-D.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfusionMatrix,
  SurfaceAccumulator,
  boundary,
  distanceTransform,
  percentile,
  surfaceDistances,
  surfaceDistancesPerClass,
  type CountMetric,
  type DistanceMetric,
  type Reduction,
} from '../../src/core/evaluation/index.js';
import { SEARCH } from '../../src/core/kernels/edt.js';
import { close } from '../helpers/vectors.js';

const SEED = 20261128;
const params = { seed: SEED, numRuns: 40 };

/** A batch of label maps [N, H, W] with C classes. */
const labelBatch = (C: number) =>
  fc
    .record({
      N: fc.integer({ min: 1, max: 6 }),
      H: fc.integer({ min: 1, max: 7 }),
      W: fc.integer({ min: 1, max: 7 }),
    })
    .chain(({ N, H, W }) =>
      fc.record({
        shape: fc.constant<number[]>([N, H, W]),
        gt: fc.uint8Array({ minLength: N * H * W, maxLength: N * H * W, max: C - 1 }),
        pred: fc.uint8Array({ minLength: N * H * W, maxLength: N * H * W, max: C - 1 }),
        cuts: fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, N - 1) }), { maxLength: 3 }),
      }),
    );

const METRICS: CountMetric[] = ['iou', 'dice', 'fbeta', 'mcc', 'balancedAccuracy', 'npv'];
const REDUCTIONS: Reduction[] = ['micro', 'macro', 'weighted', 'micro-imagewise', 'macro-imagewise', 'none'];

function sliceBatch(data: Uint8Array, shape: number[], from: number, to: number) {
  const P = shape[1] * shape[2];
  return { data: data.subarray(from * P, to * P), shape: [to - from, shape[1], shape[2]] };
}

describe('ConfusionMatrix properties', () => {
  it('merging the states of any split of a dataset (in any order) equals the single run, bit for bit', () => {
    fc.assert(
      fc.property(labelBatch(4), ({ shape, gt, pred, cuts }) => {
        const N = shape[0];
        const opts = { numClasses: 4, perImage: true };
        const single = new ConfusionMatrix(opts).update({ data: gt, shape }, { data: pred, shape });
        const bounds = [0, ...[...cuts].filter((c) => c < N).sort((a, b) => a - b), N];
        const shards = bounds.slice(1).map((to, i) => {
          const from = bounds[i];
          const cm = new ConfusionMatrix(opts);
          if (to > from) cm.update(sliceBatch(gt, shape, from, to), sliceBatch(pred, shape, from, to));
          return JSON.parse(JSON.stringify(cm.toJSON()));
        });
        const merged = new ConfusionMatrix(opts);
        for (const s of shards) merged.merge(s);
        expect(merged.toJSON()).toEqual(single.toJSON());
        const reversed = new ConfusionMatrix(opts);
        for (const s of [...shards].reverse()) reversed.merge(s);
        for (const m of METRICS) {
          for (const reduction of REDUCTIONS.filter((r) => r !== 'none')) {
            expect(reversed.compute(m, { reduction }).value).toBe(single.compute(m, { reduction }).value);
          }
        }
      }),
      params,
    );
  });

  it('metrics are invariant to one pixel permutation applied to gt and pred', () => {
    fc.assert(
      fc.property(labelBatch(3), fc.integer(), ({ gt, pred }, salt) => {
        const n = gt.length;
        const perm = Array.from({ length: n }, (_, i) => i);
        let x = salt >>> 0 || 1;
        for (let i = n - 1; i > 0; i--) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          const j = (x >>> 0) % (i + 1);
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        const flatShape = [1, n];
        const a = new ConfusionMatrix({ numClasses: 3 }).update(
          { data: gt, shape: flatShape },
          { data: pred, shape: flatShape },
        );
        const b = new ConfusionMatrix({ numClasses: 3 }).update(
          { data: Uint8Array.from(perm, (p) => gt[p]), shape: flatShape },
          { data: Uint8Array.from(perm, (p) => pred[p]), shape: flatShape },
        );
        expect(b.matrix()).toEqual(a.matrix());
        for (const m of METRICS) expect(b.compute(m).value).toBe(a.compute(m).value);
      }),
      params,
    );
  });

  it('the uint8 fast path and the generic loop count the same', () => {
    const n = 40000;
    const gt = new Uint8Array(n);
    const pred = new Uint8Array(n);
    let x = 7;
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      gt[i] = x % 7 === 6 ? 255 : x % 6;
      pred[i] = (x >>> 8) % 6;
    }
    const fast = new ConfusionMatrix({ numClasses: 6, ignoreIndex: 255 }).update(
      { data: gt, shape: [1, n] },
      { data: pred, shape: [1, n] },
    );
    const slow = new ConfusionMatrix({ numClasses: 6, ignoreIndex: 255 }).update(
      { data: Int32Array.from(gt), shape: [1, n] },
      { data: Int32Array.from(pred), shape: [1, n] },
    );
    expect(fast.toJSON()).toEqual(slow.toJSON());
  });
});

/** Random small mask of a shape, foreground probability ~ p. */
const mask = (shape: number[], p = 0.35) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((u) => ({
    data: Uint8Array.from(u, (v) => (v < p ? 1 : 0)),
    shape,
  }));
};
const shape2 = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })).map((t) => [...t]);
const shape3 = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }))
  .map((t) => [...t]);
const spacingFor = (rank: number) =>
  fc.array(fc.constantFrom(0.5, 0.75, 1, 1.25, 2, 3), { minLength: rank, maxLength: rank });

function coords(i: number, shape: number[]): number[] {
  const c: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    c.unshift(i % shape[k]);
    i = Math.floor(i / shape[k]);
  }
  return c;
}
function dist(a: number[], b: number[], s: number[], metric: DistanceMetric): number {
  const d = a.map((v, k) => Math.abs(v - b[k]) * s[k]);
  if (metric === 'taxicab') return d.reduce((x, y) => x + y, 0);
  if (metric === 'chessboard') return Math.max(...d);
  return Math.sqrt(d.reduce((x, y) => x + y * y, 0));
}
function bruteDt(m: Uint8Array, shape: number[], s: number[], metric: DistanceMetric): number[] {
  const feats = [...m.keys()].filter((i) => m[i]).map((i) => coords(i, shape));
  return [...m.keys()].map((i) =>
    Math.min(Infinity, ...feats.map((f) => dist(coords(i, shape), f, s, metric))),
  );
}
function bruteBoundary(m: Uint8Array, shape: number[]): Uint8Array {
  return Uint8Array.from(m, (v, i) => {
    if (!v) return 0;
    const c = coords(i, shape);
    for (let k = 0; k < shape.length; k++) {
      for (const dk of [-1, 1]) {
        const q = [...c];
        q[k] += dk;
        if (q[k] < 0 || q[k] >= shape[k]) return 1;
        let j = 0;
        for (let a = 0; a < shape.length; a++) j = j * shape[a] + q[a];
        if (!m[j]) return 1;
      }
    }
    return 0;
  });
}

const shapeWords = fc
  .tuple(
    fc.integer({ min: 1, max: 6 }),
    fc.integer({ min: 1, max: 6 }),
    fc.constantFrom(4, 8, 12),
    fc.boolean(),
  )
  .map(([z, y, x, flat]) => (flat ? [y, x] : [z, y, x]));

describe('distance transform and boundaries', () => {
  it('boundary: the 4-elements-per-word path (last axis divisible by 4) equals brute force', () => {
    fc.assert(
      fc.property(
        shapeWords.chain((s) => fc.tuple(mask(s, 0.75), mask(s, 0.4))),
        ([m1, m2]) => {
          expect(boundary(m1)).toEqual(bruteBoundary(m1.data, m1.shape));
          expect(boundary(m2)).toEqual(bruteBoundary(m2.data, m2.shape));
          const got = surfaceDistances(m1, m2, { percentile: 75 });
          const b = bruteSurface(
            m1.data,
            m2.data,
            m1.shape,
            m1.shape.map(() => 1),
            75,
            1,
          );
          if (m1.data.some((v) => v) && m2.data.some((v) => v)) {
            expect(close(got.hd, b.hdMax, 1e-12, 1e-12)).toBe(true);
            expect(close(got.assd, b.assd, 1e-12, 1e-12)).toBe(true);
          }
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });

  for (const [name, shapeArb] of [
    ['2-D', shape2],
    ['3-D', shape3],
  ] as const) {
    for (const metric of ['euclidean', 'taxicab', 'chessboard'] as DistanceMetric[]) {
      it(`distanceTransform (${metric}, ${name}, anisotropic) equals brute force`, () => {
        fc.assert(
          fc.property(
            shapeArb.chain((s) => fc.tuple(mask(s, 0.15), spacingFor(s.length))),
            ([m, spacing]) => {
              const got = distanceTransform(m, { spacing, distanceMetric: metric });
              const want = bruteDt(m.data, m.shape, spacing, metric);
              want.forEach((w, i) =>
                expect(close(got[i], w, 1e-12, 1e-12), `at ${i}: ${got[i]} vs ${w}`).toBe(true),
              );
            },
          ),
          { seed: SEED, numRuns: 25 },
        );
      });
    }
    it(`boundary (${name}) is the mask minus its cross erosion, outside = background`, () => {
      fc.assert(
        fc.property(
          shapeArb.chain((s) => mask(s, 0.7)),
          (m) => {
            expect(boundary(m)).toEqual(bruteBoundary(m.data, m.shape));
          },
        ),
        { seed: SEED, numRuns: 30 },
      );
    });
  }
});

function bruteSurface(g: Uint8Array, p: Uint8Array, shape: number[], s: number[], q: number, tau: number) {
  const bg = bruteBoundary(g, shape);
  const bp = bruteBoundary(p, shape);
  const pts = (b: Uint8Array) => [...b.keys()].filter((i) => b[i]).map((i) => coords(i, shape));
  const G = pts(bg);
  const P = pts(bp);
  const dir = (A: number[][], B: number[][]) =>
    A.map((a) => Math.min(...B.map((b) => dist(a, b, s, 'euclidean'))));
  const dPG = dir(P, G);
  const dGP = dir(G, P);
  const pct = (xs: number[]) => {
    const a = [...xs].sort((x, y) => x - y);
    const pos = ((a.length - 1) * q) / 100;
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, a.length - 1);
    return a[lo] + (a[hi] - a[lo]) * (pos - lo);
  };
  const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
  return {
    hausdorff: Math.max(...dPG, ...dGP),
    hdMax: Math.max(pct(dPG), pct(dGP)),
    hdPooled: pct([...dPG, ...dGP]),
    assd: (sum(dPG) + sum(dGP)) / (dPG.length + dGP.length),
    msdPredToGt: sum(dPG) / dPG.length,
    nsd:
      (dPG.filter((d) => d <= tau).length + dGP.filter((d) => d <= tau).length) / (dPG.length + dGP.length),
  };
}

describe('surface distances', () => {
  it('match brute force (2-D and 3-D, anisotropic, both poolings)', () => {
    fc.assert(
      fc.property(
        fc
          .oneof(shape2, shape3)
          .chain((s) =>
            fc.tuple(
              mask(s),
              mask(s),
              spacingFor(s.length),
              fc.integer({ min: 0, max: 100 }),
              fc.constantFrom(0, 1, 1.5, 2.5),
            ),
          ),
        ([g, p, spacing, q, tau]) => {
          const ge = g.data.some((v) => v);
          const pe = p.data.some((v) => v);
          const m = surfaceDistances(g, p, { spacing, percentile: q, tolerance: tau });
          const pooled = surfaceDistances(g, p, { spacing, percentile: q, pooling: 'pooled' });
          if (!ge && !pe) {
            expect(m.hd).toBeNaN();
            expect(m.nsd).toBeNaN();
            return;
          }
          if (!ge || !pe) {
            expect(m.hd).toBe(Infinity);
            expect(m.assd).toBe(Infinity);
            expect(m.nsd).toBe(0);
            return;
          }
          const b = bruteSurface(g.data, p.data, g.shape, spacing, q, tau);
          for (const [got, want] of [
            [m.hausdorff, b.hausdorff],
            [m.hd, b.hdMax],
            [pooled.hd, b.hdPooled],
            [m.assd, b.assd],
            [m.msdPredToGt, b.msdPredToGt],
            [m.nsd, b.nsd],
          ]) {
            expect(close(got, want, 1e-12, 1e-12), `${got} vs ${want}`).toBe(true);
          }
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('the per-query search and the full separable passes agree (also past the search budget)', () => {
    const shape = [24, 30, 28];
    const n = 24 * 30 * 28;
    const far = { data: new Uint8Array(n), shape };
    const blob = { data: new Uint8Array(n), shape };
    far.data[0] = 1; // one voxel in a corner: every query of the blob searches far, beyond the budget
    for (let z = 12; z < 24; z++)
      for (let y = 10; y < 30; y++)
        for (let x = 5; x < 28; x++) blob.data[(z * 30 + y) * 28 + x] = (x * 7 + y * 3 + z) % 11 < 9 ? 1 : 0;
    for (const spacing of [
      [1, 1, 1],
      [2.5, 0.75, 1.25],
    ]) {
      for (const [g, p] of [
        [far, blob],
        [blob, far],
        [blob, blob],
      ]) {
        const on = surfaceDistances(g, p, { spacing, percentile: 90 });
        SEARCH.enabled = false;
        const off = surfaceDistances(g, p, { spacing, percentile: 90 });
        SEARCH.enabled = true;
        expect(on).toEqual(off);
      }
    }
  });

  it('HD is symmetric, 0 on identical masks and linear in spacing', () => {
    fc.assert(
      fc.property(
        fc
          .oneof(shape2, shape3)
          .chain((s) =>
            fc.tuple(mask(s, 0.5), mask(s, 0.5), spacingFor(s.length), fc.constantFrom(0.5, 2, 3)),
          ),
        ([g, p, spacing, k]) => {
          const ab = surfaceDistances(g, p, { spacing });
          const ba = surfaceDistances(p, g, { spacing });
          for (const key of ['hausdorff', 'hd', 'assd', 'nsd'] as const) {
            expect(Object.is(ab[key], ba[key]) || close(ab[key], ba[key], 1e-12, 1e-12)).toBe(true);
          }
          if (g.data.some((v) => v)) {
            const same = surfaceDistances(g, g, { spacing });
            expect([same.hausdorff, same.hd, same.assd]).toEqual([0, 0, 0]);
            expect(same.nsd).toBe(1);
          }
          const scaled = surfaceDistances(g, p, { spacing: spacing.map((s) => s * k) });
          for (const key of ['hausdorff', 'hd', 'assd'] as const) {
            const want = ab[key] * k;
            expect(Object.is(scaled[key], want) || close(scaled[key], want, 1e-12, 1e-12)).toBe(true);
          }
        },
      ),
      params,
    );
  });

  it('percentile(values, q) is numpy linear interpolation', () => {
    expect(percentile(new Float64Array([1, 2, 3, 4]), 50)).toBe(2.5);
    expect(percentile(new Float64Array([4, 1, 3, 2]), 95)).toBeCloseTo(3 + 0.85, 12);
    expect(percentile(new Float64Array([7]), 30)).toBe(7);
    expect(percentile(new Float64Array([]), 30)).toBeNaN();
  });

  it('SurfaceAccumulator: merged shards reduce exactly as one run', () => {
    const make = (seed: number) => {
      const gt = new Uint8Array(64);
      const pred = new Uint8Array(64);
      let x = seed;
      for (let i = 0; i < 64; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        gt[i] = (x >>> 5) % 3;
        pred[i] = (x >>> 9) % 3;
      }
      return surfaceDistancesPerClass(
        { data: gt, shape: [8, 8] },
        { data: pred, shape: [8, 8] },
        { numClasses: 3 },
      );
    };
    const rows = [1, 2, 3, 4, 5].map(make);
    const single = new SurfaceAccumulator({ numClasses: 3 });
    rows.forEach((r, i) => single.add(`img${i}`, r));
    const a = new SurfaceAccumulator({ numClasses: 3 });
    const b = new SurfaceAccumulator({ numClasses: 3 });
    rows.forEach((r, i) => (i % 2 ? a : b).add(`img${i}`, r));
    const merged = new SurfaceAccumulator({ numClasses: 3 })
      .merge(JSON.parse(JSON.stringify(a.toJSON())))
      .merge(b.toJSON());
    for (const k of ['hd', 'assd', 'nsd'] as const) expect(merged.reduce(k)).toEqual(single.reduce(k));
  });
});
