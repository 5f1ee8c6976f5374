import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  binaryCrossentropy,
  binaryFocalLoss,
  diceLoss,
  fScore,
  iouScore,
  precision,
  recall,
} from '../../src/index.js';
import type { NdArray } from '../../src/index.js';
import { toChannelsFirst } from './random.js';

const SEED = 20261128;
const RUNS = { seed: SEED, numRuns: 60 };

/** A channels-last batch: shape [N, H, W, C], gt in {0, 1}, pr in [0, 1] (float32-exact). */
const batchArb = fc
  .record({
    N: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 1, max: 4 }),
    W: fc.integer({ min: 1, max: 4 }),
    C: fc.integer({ min: 1, max: 3 }),
  })
  .chain(({ N, H, W, C }) => {
    const size = N * H * W * C;
    return fc.record({
      shape: fc.constant([N, H, W, C]),
      gt: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: size, maxLength: size }),
      pr: fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: size, maxLength: size }),
    });
  });

const nd = (data: number[], shape: readonly number[]): NdArray => ({ data: Float64Array.from(data), shape });
const METRICS = { fScore, iouScore, precision, recall };

/** Image n of a channels-last batch as a batch of one. */
function image(x: NdArray, n: number): NdArray {
  const per = x.data.length / x.shape[0];
  return { data: (x.data as Float64Array).slice(n * per, (n + 1) * per), shape: [1, ...x.shape.slice(1)] };
}

describe('properties (fast-check, seeded)', () => {
  it('a perfect prediction scores 1 (Dice loss 0)', () => {
    fc.assert(
      fc.property(batchArb, ({ shape, gt }) => {
        const g = nd(gt, shape);
        for (const m of Object.values(METRICS)) expect(m.value(g, g)).toBeCloseTo(1, 12);
        expect(diceLoss.value(g, g)).toBeCloseTo(0, 12);
      }),
      RUNS,
    );
  });

  it('unweighted scores lie in [0, 1], soft or thresholded', () => {
    fc.assert(
      fc.property(batchArb, fc.boolean(), fc.boolean(), ({ shape, gt, pr }, perImage, hard) => {
        const g = nd(gt, shape);
        const p = nd(pr, shape);
        for (const m of Object.values(METRICS)) {
          const v = m({ perImage, threshold: hard ? 0.5 : undefined }).value(g, p);
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1 + 1e-12);
        }
      }),
      RUNS,
    );
  });

  it('perImage equals the mean of the single-image results', () => {
    fc.assert(
      fc.property(batchArb, ({ shape, gt, pr }) => {
        const g = nd(gt, shape);
        const p = nd(pr, shape);
        for (const make of [...Object.values(METRICS), diceLoss]) {
          const whole = make({ perImage: true }).value(g, p);
          let mean = 0;
          for (let n = 0; n < shape[0]; n++) mean += make({ perImage: true }).value(image(g, n), image(p, n));
          expect(whole).toBeCloseTo(mean / shape[0], 10);
        }
      }),
      RUNS,
    );
  });

  it('the batch result equals the batch concatenated into one image', () => {
    fc.assert(
      fc.property(batchArb, ({ shape, gt, pr }) => {
        const [N, H, W, C] = shape;
        const one = [1, N * H, W, C];
        for (const make of [...Object.values(METRICS), diceLoss]) {
          expect(make.value(nd(gt, shape), nd(pr, shape))).toBeCloseTo(
            make.value(nd(gt, one), nd(pr, one)),
            10,
          );
        }
      }),
      RUNS,
    );
  });

  it('channelsFirst equals channelsLast transposed, values and gradients', () => {
    fc.assert(
      fc.property(batchArb, fc.boolean(), ({ shape, gt, pr }, perImage) => {
        const g = nd(gt, shape);
        const p = nd(pr, shape);
        for (const make of [diceLoss, binaryFocalLoss]) {
          const last = make(perImage && make === diceLoss ? { perImage } : {}).valueAndGrad(g, p);
          const first = make({
            layout: 'channelsFirst',
            ...(perImage && make === diceLoss ? { perImage } : {}),
          }).valueAndGrad(toChannelsFirst(g), toChannelsFirst(p));
          expect(first.value).toBeCloseTo(last.value, 10);
          expect(Array.from(first.grad)).toEqual(
            Array.from(toChannelsFirst({ data: last.grad, shape }).data),
          );
        }
        for (const m of Object.values(METRICS)) {
          expect(
            m({ layout: 'channelsFirst', perImage }).value(toChannelsFirst(g), toChannelsFirst(p)),
          ).toBeCloseTo(m({ perImage }).value(g, p), 10);
        }
      }),
      RUNS,
    );
  });

  it('F1 equals 2|A∩B| / (|A| + |B|) on hard masks (smooth 0)', () => {
    fc.assert(
      fc.property(batchArb, ({ shape, gt, pr }) => {
        const hard = pr.map((v) => (v > 0.5 ? 1 : 0));
        const C = shape[3];
        const f = fScore({ smooth: 0 }).perClass(nd(gt, shape), nd(hard, shape));
        for (let c = 0; c < C; c++) {
          let inter = 0,
            a = 0,
            b = 0;
          for (let i = c; i < gt.length; i += C) {
            inter += gt[i] * hard[i];
            a += gt[i];
            b += hard[i];
          }
          if (a + b === 0) expect(f[c]).toBeNaN();
          else expect(f[c]).toBeCloseTo((2 * inter) / (a + b), 12);
        }
      }),
      RUNS,
    );
  });

  it('Dice = 2·IoU / (1 + IoU) on hard masks with smooth 0', () => {
    fc.assert(
      fc.property(batchArb, ({ shape, gt, pr }) => {
        const hard = nd(
          pr.map((v) => (v > 0.5 ? 1 : 0)),
          shape,
        );
        const dice = fScore({ smooth: 0 }).perClass(nd(gt, shape), hard);
        const iou = iouScore({ smooth: 0 }).perClass(nd(gt, shape), hard);
        dice.forEach((d, c) => {
          if (Number.isNaN(iou[c])) expect(d).toBeNaN();
          else expect(d).toBeCloseTo((2 * iou[c]) / (1 + iou[c]), 12);
        });
      }),
      RUNS,
    );
  });

  it('the thresholded score equals the soft score of the binarised prediction', () => {
    fc.assert(
      fc.property(batchArb, fc.float({ min: 0, max: 1, noNaN: true }), ({ shape, gt, pr }, t) => {
        const hard = nd(
          pr.map((v) => (v > t ? 1 : 0)),
          shape,
        );
        for (const m of Object.values(METRICS)) {
          expect(m({ threshold: t }).value(nd(gt, shape), nd(pr, shape))).toBeCloseTo(
            m.value(nd(gt, shape), hard),
            12,
          );
        }
      }),
      RUNS,
    );
  });

  it('binary focal loss with gamma 0 and alpha ½ is half the binary cross-entropy (away from the clip)', () => {
    fc.assert(
      fc.property(batchArb, ({ shape, gt, pr }) => {
        const p = nd(
          pr.map((v) => 0.05 + 0.9 * v),
          shape,
        );
        const focal = binaryFocalLoss({ gamma: 0, alpha: 0.5 }).value(nd(gt, shape), p);
        expect(focal).toBeCloseTo(binaryCrossentropy.value(nd(gt, shape), p) / 2, 5);
      }),
      RUNS,
    );
  });
});
