/**
 * The surface-element definition (`definition: 'surface-elements'`) on its own terms: cases worked out on
 * paper, brute force on small masks, and properties (fast-check, seeded). The reference vectors are in
 * ./surfaceDistance.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SurfaceAccumulator,
  surfaceDistanceLists,
  surfaceDistances,
  type SurfaceMetrics,
} from '../../src/core/evaluation/index.js';
import { pairwiseSum, sortPairs, weightedNearestRank } from '../../src/core/kernels/surfels.js';

const SEED = 20261204;
const params = { seed: SEED, numRuns: 60 };
const E = { definition: 'surface-elements' } as const;

/** A 0/1 mask of `shape` with the listed [row, col] (or [z, row, col]) voxels set. */
function mask(shape: number[], on: number[][]): { data: Uint8Array; shape: number[] } {
  const data = new Uint8Array(shape.reduce((a, b) => a * b, 1));
  for (const p of on) data[p.reduce((i, c, k) => i * shape[k] + c, 0)] = 1;
  return { data, shape };
}
/** The 2×2 block with its top-left voxel at (r, c). */
const block = (r: number, c: number) => [
  [r, c],
  [r, c + 1],
  [r + 1, c],
  [r + 1, c + 1],
];

describe('surface elements, cases on paper', () => {
  it('one pixel: a diamond of four diagonals ½√2 through the edge midpoints; one voxel: an octahedron of area √3', () => {
    const px = mask([3, 3], [[1, 1]]);
    const l2 = surfaceDistanceLists(px, px, E);
    expect(Array.from(l2.weightsGt)).toEqual([0.5, 0.5, 0.5, 0.5].map((x) => x * Math.SQRT2));
    expect(Array.from(l2.distancesGtToPred)).toEqual([0, 0, 0, 0]);
    const vx = mask([3, 3, 3], [[1, 1, 1]]);
    const l3 = surfaceDistanceLists(vx, vx, { ...E, spacing: 1 });
    // 8 triangles with vertices at 3 face centres around each corner: area vectors (⅛, ⅛, ⅛), |·| = √3/8
    expect(l3.weightsGt.length).toBe(8);
    for (const w of l3.weightsGt) expect(w).toBeCloseTo(Math.sqrt(3) / 8, 15);
    const m = surfaceDistances(vx, vx, E);
    expect([m.hd, m.assd, m.nsd, m.gtBoundary]).toEqual([0, 0, 1, 8]);
  });

  // A 2×2 square (rows 1–2, cols 1–2) and the same square one column to the right. On the corner grid each
  // square has 8 elements: 4 corners (one voxel inside: a diagonal, ½√(s0² + s1²)), 2 vertical edges (two
  // voxels side by side across x: length s0) and 2 horizontal edges (length s1). From the first square to the
  // second: the left column of elements (2 corners, 1 vertical edge) and the middle-right vertical edge are one
  // column step (s1) away; the other four lie on the second square's surface.
  const a = mask([5, 6], block(1, 1));
  const b = mask([5, 6], block(1, 2));

  it('a shifted square, unit spacing: ASSD ½, NSD(τ=0) ½, HD 1', () => {
    const m = surfaceDistances(a, b, { ...E, tolerance: 0 });
    const D = Math.SQRT2 / 2;
    // Σ w·d / Σ w = (2D + 2) / (4D + 4) = ½ in each direction
    expect(m.msdGtToPred).toBeCloseTo((2 * D + 2) / (4 * D + 4), 15);
    expect(m.msdPredToGt).toBeCloseTo(0.5, 15);
    expect(m.assd).toBeCloseTo(0.5, 15);
    expect(m.nsd).toBeCloseTo((2 * D + 2) / (4 * D + 4), 15);
    expect(surfaceDistances(a, b, { ...E, tolerance: 1 }).nsd).toBe(1);
    const l = surfaceDistanceLists(a, b, E);
    expect(Array.from(l.distancesGtToPred)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(l.weightsGt)).toEqual([D, D, 1, 1, D, D, 1, 1]);
    expect([m.hausdorff, m.hd, m.gtBoundary, m.predBoundary]).toEqual([1, 1, 8, 8]);
    // weighted nearest rank: half of the length is at 0, half at 1
    expect(surfaceDistances(a, b, { ...E, percentile: 40 }).hd).toBe(0);
    expect(surfaceDistances(a, b, { ...E, percentile: 60 }).hd).toBe(1);
    // pooled: one weighted rank over both surfaces, each half at 0 and half at 1
    expect(surfaceDistances(a, b, { ...E, percentile: 40, pooling: 'pooled' }).hd).toBe(0);
    expect(surfaceDistances(a, b, { ...E, percentile: 60, pooling: 'pooled' }).hd).toBe(1);
  });

  it('the same squares with spacing [2, 0.5]: lengths and distances scale per axis', () => {
    const s0 = 2;
    const s1 = 0.5;
    const m = surfaceDistances(a, b, { ...E, spacing: [s0, s1], tolerance: 0 });
    const D = 0.5 * Math.sqrt(s0 * s0 + s1 * s1);
    // elements one column away: 2 corners (D) and 2 vertical edges (s0), at distance s1
    const total = 4 * D + 2 * s0 + 2 * s1;
    expect(m.msdGtToPred).toBeCloseTo((s1 * (2 * D + 2 * s0)) / total, 15);
    expect(m.assd).toBeCloseTo((s1 * (2 * D + 2 * s0)) / total, 15);
    expect(m.nsd).toBeCloseTo((2 * D + 2 * s1) / total, 15);
    expect(m.hausdorff).toBe(s1);
    const l = surfaceDistanceLists(a, b, { ...E, spacing: [s0, s1] });
    expect(Array.from(l.weightsGt).sort()).toEqual([s1, s1, D, D, D, D, s0, s0].sort());
  });

  it('the boundary-voxel definition of the same squares, for contrast: 4 voxels each, half at distance 1', () => {
    const m = surfaceDistances(a, b);
    expect([m.assd, m.gtBoundary, m.hausdorff]).toEqual([0.5, 4, 1]);
    const l = surfaceDistanceLists(a, b);
    expect(Array.from(l.distancesGtToPred)).toEqual([0, 0, 1, 1]);
    expect(Array.from(l.weightsGt)).toEqual([1, 1, 1, 1]);
  });

  it('empty masks follow the same policy as the boundary voxels', () => {
    const none = mask([4, 4], []);
    const m = surfaceDistances(none, none, E);
    expect([m.hd, m.assd, m.nsd]).toEqual([NaN, NaN, NaN]);
    const one = surfaceDistances(a, mask([5, 6], []), E);
    expect([one.hd, one.hausdorff, one.assd, one.msdPredToGt, one.nsd]).toEqual([
      Infinity,
      Infinity,
      Infinity,
      Infinity,
      0,
    ]);
    const l = surfaceDistanceLists(a, mask([5, 6], []), E);
    expect([l.distancesGtToPred.length, l.distancesPredToGt.length]).toEqual([8, 0]);
    expect(l.distancesGtToPred.every((d) => d === Infinity)).toBe(true);
  });

  it('bad input names the option', () => {
    const line = { data: new Uint8Array([1, 0]), shape: [2] };
    expect(() => surfaceDistances(line, line, E)).toThrow(
      /surfaceDistances: masks must be 2-D or 3-D with definition 'surface-elements'; got 1 spatial axes\./,
    );
    expect(() => surfaceDistances(a, a, { definition: 'corners' as never })).toThrow(
      /surfaceDistances: definition must be 'boundary-voxels' or 'surface-elements'; got 'corners'\./,
    );
    expect(() => new SurfaceAccumulator({ numClasses: 2, options: { definition: 'x' as never } })).toThrow(
      /SurfaceAccumulator: options.definition must be 'boundary-voxels' or 'surface-elements'; got 'x'\./,
    );
  });

  it('SurfaceAccumulator records the definition and merges only equal ones', () => {
    const acc = new SurfaceAccumulator({ numClasses: 1, options: E });
    acc.add('a', [surfaceDistances(a, b, E)]);
    const state = JSON.parse(JSON.stringify(acc.toJSON()));
    expect(state.options.definition).toBe('surface-elements');
    expect(SurfaceAccumulator.fromJSON(state).rows()).toEqual(acc.rows());
    expect(() => acc.merge(new SurfaceAccumulator({ numClasses: 1 }))).toThrow(
      /SurfaceAccumulator.merge: other.options.definition must equal 'surface-elements'; got 'boundary-voxels'\./,
    );
    // a state written before the option existed holds boundary-voxel rows
    delete state.options.definition;
    expect(SurfaceAccumulator.fromJSON(state).options.definition).toBe('boundary-voxels');
  });
});

/** Random small 2-D or 3-D mask pairs (each voxel on with probability ~⅓) and a spacing per axis. */
const pairs = fc
  .record({
    rank: fc.constantFrom(2, 3),
    dims: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 3, maxLength: 3 }),
    spacing: fc.array(fc.constantFrom(0.5, 1, 1.25, 2, 3), { minLength: 3, maxLength: 3 }),
  })
  .chain(({ rank, dims, spacing }) => {
    const shape = dims.slice(0, rank);
    const n = shape.reduce((x, y) => x * y, 1);
    const bits = fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n });
    return fc.record({
      shape: fc.constant(shape),
      spacing: fc.constant(spacing.slice(0, rank)),
      gt: bits.map((v) => Uint8Array.from(v, (x) => (x === 2 ? 1 : 0))),
      pred: bits.map((v) => Uint8Array.from(v, (x) => (x === 2 ? 1 : 0))),
    });
  });

/** The definition written out: corners of the grid shape + 1 touching both a voxel inside and one outside. */
function bruteElements(m: Uint8Array, shape: number[]): number[][] {
  const rank = shape.length;
  const at = (p: number[]) =>
    p.every((c, k) => c >= 0 && c < shape[k]) ? m[p.reduce((i, c, k) => i * shape[k] + c, 0)] : 0;
  const out: number[][] = [];
  const corner = new Array(rank).fill(0);
  const total = shape.reduce((x, d) => x * (d + 1), 1);
  for (let idx = 0; idx < total; idx++) {
    let r = idx;
    for (let k = rank - 1; k >= 0; k--) {
      corner[k] = r % (shape[k] + 1);
      r = Math.floor(r / (shape[k] + 1));
    }
    let inside = 0;
    for (let o = 0; o < 1 << rank; o++) {
      inside += at(corner.map((c, k) => c - ((o >> (rank - 1 - k)) & 1)));
    }
    if (inside > 0 && inside < 1 << rank) out.push([...corner]);
  }
  return out;
}

function bruteDistances(from: number[][], to: number[][], spacing: number[]): number[] {
  return from
    .map((p) => {
      let best = Infinity;
      for (const q of to) {
        const d2 = p.reduce((s, c, k) => s + ((c - q[k]) * spacing[k]) ** 2, 0);
        if (d2 < best) best = d2;
      }
      return Math.sqrt(best);
    })
    .sort((x, y) => x - y);
}

const close = (x: number, y: number) =>
  (Number.isNaN(x) && Number.isNaN(y)) || x === y || Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(y));
const FIELDS: (keyof SurfaceMetrics)[] = ['hausdorff', 'hd', 'assd', 'nsd'];

describe('surface elements, properties (fast-check, seeded)', () => {
  it('distances equal brute force over all element pairs, 2-D and 3-D, anisotropic', () => {
    fc.assert(
      fc.property(pairs, ({ shape, spacing, gt, pred }) => {
        const eg = bruteElements(gt, shape);
        const ep = bruteElements(pred, shape);
        const l = surfaceDistanceLists({ data: gt, shape }, { data: pred, shape }, { ...E, spacing });
        expect(l.weightsGt.length).toBe(eg.length);
        expect(l.weightsPred.length).toBe(ep.length);
        if (eg.length === 0 || ep.length === 0) return;
        const want = bruteDistances(eg, ep, spacing);
        want.forEach((d, i) => expect(close(l.distancesGtToPred[i], d)).toBe(true));
        bruteDistances(ep, eg, spacing).forEach((d, i) =>
          expect(close(l.distancesPredToGt[i], d)).toBe(true),
        );
      }),
      params,
    );
  });

  it('the symmetric metrics do not depend on which mask is gt; the directed ones swap', () => {
    fc.assert(
      fc.property(pairs, fc.constantFrom(50, 90, 95, 100), ({ shape, spacing, gt, pred }, percentile) => {
        const o = { ...E, spacing, percentile, tolerance: 1 };
        const ab = surfaceDistances({ data: gt, shape }, { data: pred, shape }, o);
        const ba = surfaceDistances({ data: pred, shape }, { data: gt, shape }, o);
        for (const k of FIELDS) expect(close(ab[k], ba[k]), k).toBe(true);
        expect(ab.hdGtToPred).toBe(ba.hdPredToGt);
        expect(ab.msdGtToPred).toBe(ba.msdPredToGt);
      }),
      params,
    );
  });

  it('moving both masks inside a larger array changes nothing', () => {
    fc.assert(
      fc.property(
        pairs,
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 }),
        ({ shape, spacing, gt, pred }, offset) => {
          const big = shape.map((d, k) => d + offset[k] + 2);
          const move = (m: Uint8Array) => {
            const out = new Uint8Array(big.reduce((x, y) => x * y, 1));
            m.forEach((v, i) => {
              let r = i;
              const p = shape.map(() => 0);
              for (let k = shape.length - 1; k >= 0; k--) {
                p[k] = r % shape[k];
                r = Math.floor(r / shape[k]);
              }
              out[p.reduce((j, c, k) => j * big[k] + c + offset[k], 0)] = v;
            });
            return out;
          };
          const o = { ...E, spacing, tolerance: 1.5 };
          const here = surfaceDistances({ data: gt, shape }, { data: pred, shape }, o);
          const there = surfaceDistances({ data: move(gt), shape: big }, { data: move(pred), shape: big }, o);
          expect(there).toEqual(here);
        },
      ),
      params,
    );
  });
});

describe('weighted nearest rank', () => {
  /** The reference's arithmetic: sort by (distance, weight), sequential cumulative sum, numpy's pairwise total. */
  function reference(d: number[], w: number[], q: number): number {
    const dd = Float64Array.from(d);
    const ww = Float64Array.from(w);
    sortPairs(dd, ww, dd.length);
    const total = pairwiseSum(ww, 0, ww.length);
    let cum = 0;
    for (let i = 0; i < dd.length; i++) {
      cum += ww[i];
      if (cum / total >= q) return dd[i];
    }
    return dd[dd.length - 1];
  }

  it('equals the reference arithmetic, ties and exact cumulative boundaries included', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            d: fc.constantFrom(0, 0.5, 1, Math.SQRT2, 2, 3),
            w: fc.constantFrom(0.25, 0.5, 1, 0.3),
          }),
          {
            minLength: 1,
            maxLength: 300,
          },
        ),
        fc.constantFrom(0, 0.25, 0.5, 0.9, 0.95, 1),
        (pairs, q) => {
          const d = pairs.map((p) => p.d);
          const w = pairs.map((p) => p.w);
          const got = weightedNearestRank(Float64Array.from(d), Float64Array.from(w), d.length, q);
          expect(got).toBe(reference(d, w, q));
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('numpy pairwise summation: 8 accumulators up to 128 terms, halves above', () => {
    // numpy: np.sum(np.array([1] + [1e-16] * 8)) == 1.0000000000000007, where a sequential sum gives 1:
    // ((1 + 1e-16) + (1e-16 + 1e-16)) + ((1e-16 + 1e-16) + (1e-16 + 1e-16)) + 1e-16
    const a = Float64Array.from({ length: 9 }, (_, i) => (i === 0 ? 1 : 1e-16));
    expect(pairwiseSum(a, 0, 9)).toBe(1.0000000000000007);
    expect(a.reduce((s, x) => s + x, 0)).toBe(1);
    const ones = new Float64Array(1000).fill(0.1);
    expect(pairwiseSum(ones, 0, 1000)).toBe(pairwiseSum(ones, 0, 496) + pairwiseSum(ones, 496, 504));
    expect(weightedNearestRank(new Float64Array(0), new Float64Array(0), 0, 0.5)).toBeNaN();
  });
});
