/** Panoptic quality: hand cases derived on paper (2-D, 3-D, void), relabelling invariance and symmetry. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addPanopticCounts, panopticCounts, panopticQuality } from '../../src/core/evaluation/panoptic.js';

const nd = (data: number[], shape: number[]) => ({ data, shape });

describe('panoptic quality (Kirillov et al. 2019)', () => {
  it('a 2-D instance map: one match at IoU 3/5, one miss, one false positive', () => {
    // gt:   1 1 1 0      pred: 7 7 0 0
    //       1 0 0 2            7 7 0 0
    //       0 0 0 2            0 0 9 0
    const gt = { instances: nd([1, 1, 1, 0, 1, 0, 0, 2, 0, 0, 0, 2], [3, 4]) };
    const pred = { instances: nd([7, 7, 0, 0, 7, 7, 0, 0, 0, 0, 9, 0], [3, 4]) };
    const counts = panopticCounts(gt, pred);
    // |g1| = 4, |p7| = 4, overlap 3 → IoU 3/5 > 0.5; g2 and p9 do not overlap.
    expect(counts).toEqual({ 1: { tp: 1, fp: 1, fn: 1, iouSum: 3 / 5 } });
    const q = panopticQuality(counts);
    expect(q.sq).toBeCloseTo(3 / 5, 15);
    expect(q.rq).toBeCloseTo(1 / (1 + 0.5 + 0.5), 15);
    expect(q.pq).toBeCloseTo(3 / 5 / 2, 15);
  });

  it('IoU of exactly 0.5 does not match (strictly above, as the paper)', () => {
    const gt = { instances: nd([1, 1, 0, 0], [4]) };
    const pred = { instances: nd([0, 1, 1, 0], [4]) }; // overlap 1, union 3
    expect(panopticCounts(gt, pred)).toEqual({ 1: { tp: 0, fp: 1, fn: 1, iouSum: 0 } });
    const half = { instances: nd([1, 1, 1, 1], [4]) };
    const two = { instances: nd([1, 1, 0, 0], [4]) }; // overlap 2, union 4: IoU 0.5
    expect(panopticCounts(half, two)[1].tp).toBe(0);
  });

  it('classes: segments match only within their class; PQ is the mean over classes', () => {
    // Two classes, 3-D volume 2×1×3: class 1 segment matches exactly; class 2 is predicted as class 1.
    const gt = { classes: nd([1, 1, 0, 2, 2, 0], [2, 1, 3]), instances: nd([1, 1, 0, 1, 1, 0], [2, 1, 3]) };
    const pred = { classes: nd([1, 1, 0, 1, 1, 0], [2, 1, 3]), instances: nd([4, 4, 0, 5, 5, 0], [2, 1, 3]) };
    const q = panopticQuality(panopticCounts(gt, pred));
    expect(q.perClass[1]).toEqual({ pq: 1 / 1.5, sq: 1, rq: 1 / 1.5, tp: 1, fp: 1, fn: 0 });
    expect(q.perClass[2]).toEqual({ pq: 0, sq: 0, rq: 0, tp: 0, fp: 0, fn: 1 });
    expect(q.pq).toBeCloseTo((1 / 1.5 + 0) / 2, 15);
  });

  it('void: void pixels leave the IoU, and a mostly void prediction is no false positive', () => {
    // gt classes: 255 = void. gt segment {0,1}; pred segment {0,1,2} where 2 is void → IoU 2/2 = 1.
    const gt = { classes: nd([1, 1, 255, 255, 255, 0], [6]), instances: nd([1, 1, 0, 0, 0, 0], [6]) };
    const pred = { classes: nd([1, 1, 1, 0, 1, 1], [6]), instances: nd([3, 3, 3, 0, 4, 4], [6]) };
    // p3 = {0,1,2}: void 1 → IoU = 2/(2+3−2−1) = 1. p4 = {4,5}: half void (1 of 2) — not more than half: FP.
    expect(panopticCounts(gt, pred, { voidLabel: 255 })).toEqual({ 1: { tp: 1, fp: 1, fn: 0, iouSum: 1 } });
    const mostlyVoid = { classes: nd([1, 1, 1, 1, 1, 0], [6]), instances: nd([3, 3, 0, 4, 4, 0], [6]) };
    // p4 = {3,4}: both void → not counted. p3 = {0,1} matches exactly.
    expect(panopticCounts(gt, mostlyVoid, { voidLabel: 255 })).toEqual({
      1: { tp: 1, fp: 0, fn: 0, iouSum: 1 },
    });
  });

  it('does not change when instance ids are renumbered (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 30, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 30, maxLength: 30 }),
        fc.shuffledSubarray([1, 2, 3, 4, 5, 6, 7, 8], { minLength: 4, maxLength: 4 }),
        (a, b, perm) => {
          const relabel = (x: number[]) => x.map((v) => (v === 0 ? 0 : perm[v - 1] + 10));
          const c1 = panopticCounts({ instances: nd(a, [5, 6]) }, { instances: nd(b, [5, 6]) });
          const c2 = panopticCounts({ instances: nd(relabel(a), [5, 6]) }, { instances: nd(b, [5, 6]) });
          const c3 = panopticCounts({ instances: nd(a, [5, 6]) }, { instances: nd(relabel(b), [5, 6]) });
          expect(c2).toEqual(c1);
          expect(c3).toEqual(c1);
        },
      ),
      { seed: 4, numRuns: 200 },
    );
  });

  it('is symmetric without void: swapping gt and pred swaps FP and FN and keeps PQ (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 24, maxLength: 24 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 24, maxLength: 24 }),
        (a, b) => {
          const ab = panopticCounts({ instances: nd(a, [4, 6]) }, { instances: nd(b, [4, 6]) });
          const ba = panopticCounts({ instances: nd(b, [4, 6]) }, { instances: nd(a, [4, 6]) });
          for (const c of Object.keys(ab)) {
            expect(ba[+c].fp).toBe(ab[+c].fn);
            expect(ba[+c].fn).toBe(ab[+c].fp);
            expect(ba[+c].iouSum).toBeCloseTo(ab[+c].iouSum, 12);
          }
          const pqab = panopticQuality(ab).pq;
          if (!Number.isNaN(pqab)) expect(panopticQuality(ba).pq).toBeCloseTo(pqab, 12);
        },
      ),
      { seed: 6, numRuns: 200 },
    );
  });

  it('counts add over images (merging shards)', () => {
    const one = panopticCounts({ instances: nd([1, 1, 0], [3]) }, { instances: nd([1, 1, 0], [3]) });
    const two = panopticCounts({ instances: nd([1, 0, 2], [3]) }, { instances: nd([0, 0, 2], [3]) });
    const sum = addPanopticCounts(one, two);
    expect(sum).toEqual({ 1: { tp: 2, fp: 0, fn: 1, iouSum: 2 } });
    expect(panopticQuality(sum).pq).toBeCloseTo(2 / 2.5, 15);
  });

  it('names bad input', () => {
    expect(() => panopticCounts({ instances: nd([1, -1], [2]) }, { instances: nd([1, 0], [2]) })).toThrow(
      /panopticCounts: gt\.instances must be integers ≥ 0; got -1 at index 1\./,
    );
    expect(() => panopticCounts({ instances: nd([1, 0], [2]) }, { instances: nd([1, 0, 0], [3]) })).toThrow(
      /panopticCounts: gt\.instances and pred\.instances must have the same shape/,
    );
  });
});
