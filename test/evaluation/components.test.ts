/**
 * Connected components and lesion-wise metrics: hand cases derived on paper, a flood-fill oracle over random
 * masks for every connectivity in 2-D and 3-D, and properties (relabelling, symmetry).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addLesionCounts,
  connectedComponents,
  lesionCounts,
  lesionMetrics,
} from '../../src/core/evaluation/components.js';
import { floodFill } from '../helpers/floodFill.js';

describe('connectedComponents', () => {
  it('counts 4- and 8-connected components of a hand-drawn 2-D mask', () => {
    // 1 1 0 0 1
    // 0 1 0 1 0
    // 0 0 0 0 1
    const mask = { data: [1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1], shape: [3, 5] };
    const four = connectedComponents(mask, { connectivity: 4 });
    expect(four.count).toBe(4);
    expect(Array.from(four.labels)).toEqual([1, 1, 0, 0, 2, 0, 1, 0, 3, 0, 0, 0, 0, 0, 4]);
    expect(Array.from(four.sizes)).toEqual([3, 1, 1, 1]);
    const eight = connectedComponents(mask);
    expect(eight.count).toBe(2);
    expect(Array.from(eight.sizes)).toEqual([3, 3]);
  });

  it('joins 3-D voxels by faces (6), edges (18) and corners (26)', () => {
    // Two voxels at (0,0,0) and (1,1,1): corner neighbours; plus (1,1,0) sharing an edge with (0,0,0)'s row…
    const corner = { data: [1, 0, 0, 0, 0, 0, 0, 1], shape: [2, 2, 2] };
    expect(connectedComponents(corner, { connectivity: 6 }).count).toBe(2);
    expect(connectedComponents(corner, { connectivity: 18 }).count).toBe(2);
    expect(connectedComponents(corner, { connectivity: 26 }).count).toBe(1);
    const edge = { data: [1, 0, 0, 0, 0, 0, 1, 0], shape: [2, 2, 2] }; // (0,0,0) and (1,1,0)
    expect(connectedComponents(edge, { connectivity: 6 }).count).toBe(2);
    expect(connectedComponents(edge, { connectivity: 18 }).count).toBe(1);
  });

  for (const [rank, connectivity] of [
    [2, 4],
    [2, 8],
    [3, 6],
    [3, 18],
    [3, 26],
  ] as const) {
    it(`equals a flood fill on random ${rank}-D masks, connectivity ${connectivity}`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 1, max: rank === 2 ? 12 : 6 }), { minLength: rank, maxLength: rank }),
          fc.double({ min: 0.2, max: 0.7, noNaN: true }),
          fc.integer(),
          (shape, density, seed) => {
            let s = seed >>> 0 || 1;
            const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
            const size = shape.reduce((a, b) => a * b, 1);
            const mask = Array.from({ length: size }, () => (rnd() < density ? 1 : 0));
            const got = connectedComponents({ data: mask, shape }, { connectivity });
            const want = floodFill(mask, shape, connectivity);
            expect(Array.from(got.labels)).toEqual(Array.from(want));
            expect(got.count).toBe(want.reduce((a, b) => Math.max(a, b), 0));
          },
        ),
        { seed: 42 + connectivity, numRuns: 150 },
      );
    });
  }

  it('names bad connectivity and rank', () => {
    expect(() => connectedComponents({ data: [1, 0, 0, 1], shape: [2, 2] }, { connectivity: 6 })).toThrow(
      /connectedComponents: connectivity must be 4 or 8 for 2-D masks; got 6\./,
    );
    expect(() => connectedComponents({ data: new Uint8Array(16), shape: [2, 2, 2, 2] })).toThrow(
      /masks must be 2-D \[H, W\] or 3-D \[D, H, W\]; got rank 4\./,
    );
  });
});

describe('lesion-wise metrics', () => {
  it('a hand case: one lesion found with Dice 2/3, one missed, one false positive', () => {
    // gt:   1 1 0 0 0 0        pred: 1 0 0 0 1 0
    //       0 0 0 0 0 0              0 0 0 0 1 0
    //       0 0 0 1 0 0              0 0 0 0 0 0
    const gt = { data: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0], shape: [3, 6] };
    const pred = { data: [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], shape: [3, 6] };
    const c = lesionCounts(gt, pred);
    expect(c).toEqual({ gtLesions: 2, predLesions: 2, tp: 1, fn: 1, fp: 1, tpPred: 1, lesionDiceSum: 2 / 3 });
    const m = lesionMetrics(c);
    expect(m.sensitivity).toBe(0.5);
    expect(m.precision).toBe(0.5);
    expect(m.f1).toBe(0.5);
    expect(m.lesionDice).toBeCloseTo(2 / 3 / 3, 15); // (2/3 + 0) / (2 lesions + 1 false positive)
  });

  it('a 3-D case: a lesion split into two predicted components counts their union', () => {
    // gt: a 1×1×4 bar; pred: its two ends (two components under 26-connectivity, as they do not touch).
    const shape = [1, 1, 4];
    const c = lesionCounts({ data: [1, 1, 1, 1], shape }, { data: [1, 0, 0, 1], shape });
    expect(c.tp).toBe(1);
    expect(c.tpPred).toBe(2);
    expect(c.lesionDiceSum).toBeCloseTo((2 * 2) / (4 + 2), 15);
    expect(lesionMetrics(c).precision).toBe(1);
  });

  it('an IoU threshold turns a thin overlap into a miss and a false positive', () => {
    const gt = { data: [1, 1, 1, 1, 0, 0], shape: [1, 6] };
    const pred = { data: [0, 0, 0, 1, 1, 1], shape: [1, 6] };
    expect(lesionCounts(gt, pred).tp).toBe(1); // any overlap
    const strict = lesionCounts(gt, pred, { iouThreshold: 0.5 }); // IoU = 1/6
    expect([strict.tp, strict.fn, strict.fp, strict.lesionDiceSum]).toEqual([0, 1, 1, 0]);
  });

  it('both masks empty: lesion-wise Dice 1, sensitivity and precision undefined', () => {
    const empty = { data: [0, 0, 0, 0], shape: [2, 2] };
    const m = lesionMetrics(lesionCounts(empty, empty));
    expect(m.lesionDice).toBe(1);
    expect(m.sensitivity).toBeNaN();
    expect(m.precision).toBeNaN();
  });

  it('is symmetric under swapping gt and pred where the definition is (tp ↔ tpPred, fn ↔ fp), and counts add', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 64, maxLength: 64 }),
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 64, maxLength: 64 }),
        (a, b) => {
          const A = { data: a, shape: [8, 8] };
          const B = { data: b, shape: [8, 8] };
          const ab = lesionCounts(A, B);
          const ba = lesionCounts(B, A);
          expect([ba.tp, ba.tpPred, ba.fn, ba.fp]).toEqual([ab.tpPred, ab.tp, ab.fp, ab.fn]);
          expect(ab.tp + ab.fn).toBe(ab.gtLesions);
          const twice = addLesionCounts(ab, ab);
          expect(lesionMetrics(twice).sensitivity).toBe(lesionMetrics(ab).sensitivity);
        },
      ),
      { seed: 8, numRuns: 200 },
    );
  });

  it('does not depend on where the components lie: a mask and its mirror image give the same counts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 48, maxLength: 48 }),
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 48, maxLength: 48 }),
        (a, b) => {
          const mirror = (m: number[]) => m.map((_, i) => m[Math.floor(i / 8) * 8 + (7 - (i % 8))]);
          const c1 = lesionCounts({ data: a, shape: [6, 8] }, { data: b, shape: [6, 8] });
          const c2 = lesionCounts({ data: mirror(a), shape: [6, 8] }, { data: mirror(b), shape: [6, 8] });
          // The same counts; the Dice sum may differ in its last bits, as lesions are summed in another order.
          expect({ ...c2, lesionDiceSum: 0 }).toEqual({ ...c1, lesionDiceSum: 0 });
          expect(c2.lesionDiceSum).toBeCloseTo(c1.lesionDiceSum, 12);
        },
      ),
      { seed: 9, numRuns: 150 },
    );
  });
});
