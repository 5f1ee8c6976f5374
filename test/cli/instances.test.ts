/**
 * The per-image measurements of `--lesions` and `--panoptic` (src/cli/eval/instances.ts): instance ids from
 * connected components, and the symmetries of the definitions (swapping ground truth and prediction swaps FP
 * and FN and keeps TP and the IoU sums), checked on seeded random label maps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { panopticCounts } from '../../src/core/evaluation/panoptic.js';
import { componentInstances, lesionSets, measureExtras } from '../../src/cli/eval/instances.js';
import { parseEvalOptions } from '../../src/cli/eval/options.js';
import type { Mask } from '../../src/io/types.js';

const settings = (extra: Record<string, unknown>) =>
  parseEvalOptions({ gt: 'g', pred: 'p', numClasses: '4', workers: '0', ...extra }).settings;
const mask = (data: number[], shape: number[]): Mask => ({
  data: Uint8Array.from(data),
  shape,
  spacing: shape.map(() => 1),
  format: 'png',
});

describe('componentInstances', () => {
  it('numbers the components of each class on their own, background 0', () => {
    // prettier-ignore
    const m = mask([
      1, 1, 0, 2,
      0, 0, 0, 2,
      1, 0, 3, 0,
    ], [3, 4]);
    expect(Array.from(componentInstances(m, 4, 4))).toEqual([1, 1, 0, 1, 0, 0, 0, 1, 2, 0, 1, 0]);
  });

  it('gives the panoptic counts of hand-written instance ids (any numbering)', () => {
    const g = mask([1, 1, 0, 1, 0, 2, 2, 0], [1, 8]);
    const p = mask([1, 0, 0, 1, 1, 2, 2, 2], [1, 8]);
    const ours = measureExtras(g, p, [1, 1], settings({ panoptic: true })).panoptic;
    const hand = panopticCounts(
      { instances: { data: [7, 7, 0, 3, 0, 5, 5, 0], shape: [8] }, classes: { data: g.data, shape: [8] } },
      { instances: { data: [9, 0, 0, 4, 4, 1, 1, 1], shape: [8] }, classes: { data: p.data, shape: [8] } },
    );
    expect(ours).toEqual(hand);
    // Class 1: gt {0,1} vs pred {0} IoU 1/2 (no match), gt {3} vs pred {3,4} IoU 1/2 (no match); class 2 IoU 2/3.
    expect(ours).toEqual({
      1: { tp: 0, fp: 2, fn: 2, iouSum: 0 },
      2: { tp: 1, fp: 0, fn: 0, iouSum: 2 / 3 },
    });
  });
});

describe('measureExtras symmetries (property, seeded)', () => {
  it('swapping ground truth and prediction swaps FP and FN of lesions and panoptic quality', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 48, maxLength: 48 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 48, maxLength: 48 }),
        fc.constantFrom<number[]>([6, 8], [3, 4, 4]),
        (a, b, shape) => {
          const s = settings({ lesions: true, panoptic: true, regions: '{"WT":[1,2,3],"TC":[2,3]}' });
          const sp = shape.map(() => 1);
          const x = measureExtras(mask(a, shape), mask(b, shape), sp, s);
          const y = measureExtras(mask(b, shape), mask(a, shape), sp, s);
          expect(x.lesions).toHaveLength(lesionSets(s).length);
          x.lesions!.forEach((l, k) => {
            const m = y.lesions![k];
            expect([l.gtLesions, l.predLesions, l.tp, l.fn, l.fp, l.tpPred]).toEqual([
              m.predLesions,
              m.gtLesions,
              m.tpPred,
              m.fp,
              m.fn,
              m.tp,
            ]);
          });
          for (const [c, e] of Object.entries(x.panoptic!)) {
            const f = y.panoptic![Number(c)];
            expect([e.tp, e.fp, e.fn]).toEqual([f.tp, f.fn, f.fp]);
            expect(e.iouSum).toBeCloseTo(f.iouSum, 12);
          }
        },
      ),
      { seed: 141, numRuns: 150 },
    );
  });
});
