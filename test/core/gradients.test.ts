import { describe, expect, it } from 'vitest';
import {
  binaryCrossentropy,
  binaryFocalLoss,
  categoricalCrossentropy,
  categoricalFocalLoss,
  diceLoss,
  jaccardLoss,
  type Loss,
  type NdArray,
} from '../../src/index.js';
import { type RegionKind, scoreValueAndGrad } from './smCases.js';
import { randomPair, toChannelsFirst } from './random.js';

/** Central differences in float64 of `f` with respect to every element of `pr.data`. */
function numericGrad(
  f: (pr: NdArray) => number,
  pr: NdArray & { data: Float64Array },
  h = 1e-6,
): Float64Array {
  const g = new Float64Array(pr.data.length);
  const x = pr.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    x[i] = v + h;
    const up = f(pr);
    x[i] = v - h;
    const down = f(pr);
    x[i] = v;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

/** max |a − b| relative to max(1e-3, max |b|): the analytic gradient is float32, the numeric one float64. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1e-3;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let err = 0;
  for (let i = 0; i < b.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / scale;
}

const SHAPES = { '2-D': [2, 3, 4, 3], '3-D': [2, 2, 3, 2, 3] };

function checkLoss(loss: Loss, shape: number[], seed: number, channelsFirst: boolean, softmax = false): void {
  let { gt, pr } = randomPair(seed, shape, { softmax });
  if (channelsFirst) {
    gt = toChannelsFirst(gt);
    pr = toChannelsFirst(pr);
  }
  const { grad } = loss.valueAndGrad(gt, pr);
  const fd = numericGrad((p) => loss.value(gt, p), pr);
  expect(relError(grad, fd)).toBeLessThan(1e-5);
}

const REGION_CASES: [string, object][] = [
  ['defaults', {}],
  ['perImage', { perImage: true }],
  ['a class subset in a new order', { classIndexes: [2, 0] }],
  ['a single class index', { classIndexes: 1 }],
  ['class weights', { classWeights: [0.5, 2, 1] }],
  ['perImage, a subset and weights', { perImage: true, classIndexes: [1, 2], classWeights: [3, 0.25] }],
  ['smooth = 1', { smooth: 1 }],
];

describe('closed-form gradients equal float64 central differences', () => {
  for (const [dims, shape] of Object.entries(SHAPES)) {
    for (const layout of ['channelsLast', 'channelsFirst'] as const) {
      const cf = layout === 'channelsFirst';
      describe(`${dims}, ${layout}`, () => {
        for (const [label, options] of REGION_CASES) {
          it(`diceLoss with ${label}`, () => checkLoss(diceLoss({ ...options, layout }), shape, 1, cf));
          it(`diceLoss (beta = 2) with ${label}`, () =>
            checkLoss(diceLoss({ ...options, beta: 2, layout }), shape, 2, cf));
          it(`jaccardLoss with ${label}`, () => checkLoss(jaccardLoss({ ...options, layout }), shape, 3, cf));
        }
        for (const kind of ['precision', 'recall', 'fScore', 'iou'] as RegionKind[]) {
          it(`the soft ${kind} score with perImage and a subset`, () => {
            const o = { perImage: true, classIndexes: [0, 2], layout };
            let { gt, pr } = randomPair(4, shape);
            if (cf) [gt, pr] = [toChannelsFirst(gt), toChannelsFirst(pr)];
            const { grad, loss } = scoreValueAndGrad('t', kind, o, gt, pr);
            const fd = numericGrad((p) => 1 - loss.value(gt, p), pr);
            expect(relError(grad, fd)).toBeLessThan(1e-5);
          });
        }
        it('categoricalCrossentropy', () => checkLoss(categoricalCrossentropy({ layout }), shape, 5, cf));
        it('categoricalCrossentropy with a subset and weights', () =>
          checkLoss(
            categoricalCrossentropy({ layout, classIndexes: [2, 1], classWeights: [2, 0.5] }),
            shape,
            6,
            cf,
          ));
        it('categoricalFocalLoss', () => checkLoss(categoricalFocalLoss({ layout }), shape, 7, cf, true));
        it('categoricalFocalLoss with gamma 2.5, alpha 0.75 and a subset', () =>
          checkLoss(
            categoricalFocalLoss({ layout, gamma: 2.5, alpha: 0.75, classIndexes: [1] }),
            shape,
            8,
            cf,
          ));
        it('categoricalFocalLoss with gamma 0 and 1', () => {
          checkLoss(categoricalFocalLoss({ layout, gamma: 0 }), shape, 9, cf);
          checkLoss(categoricalFocalLoss({ layout, gamma: 1 }), shape, 10, cf);
        });
        it('binaryCrossentropy', () => checkLoss(binaryCrossentropy({ layout }), shape, 11, cf));
        it('binaryFocalLoss (defaults, gamma 0, gamma 2.5)', () => {
          checkLoss(binaryFocalLoss({ layout }), shape, 12, cf);
          checkLoss(binaryFocalLoss({ layout, gamma: 0, alpha: 0.5 }), shape, 13, cf);
          checkLoss(binaryFocalLoss({ layout, gamma: 2.5, alpha: 1 }), shape, 14, cf);
        });
        it('a sum of losses (bce + dice) and a scaled loss', () => {
          checkLoss(binaryCrossentropy.plus(diceLoss({ layout, perImage: true })), shape, 15, cf);
          checkLoss(jaccardLoss({ layout }).times(2.5), shape, 16, cf);
        });
      });
    }
  }
  it('soft and multi-label gt (the general path of the categorical kernels)', () => {
    for (const layout of ['channelsLast', 'channelsFirst'] as const) {
      for (const loss of [
        categoricalCrossentropy({ layout }),
        categoricalCrossentropy({ layout, classIndexes: [0, 2], classWeights: [2, 1] }),
        categoricalFocalLoss({ layout }),
        categoricalFocalLoss({ layout, classIndexes: [2, 1], gamma: 1.5 }),
      ]) {
        const { gt, pr } = randomPair(18, [2, 3, 2, 3]);
        gt.data.forEach((_, i) => (gt.data[i] = i % 5 === 0 ? 0.25 : i % 7 === 0 ? 1 : gt.data[i]));
        const g = layout === 'channelsFirst' ? toChannelsFirst(gt) : gt;
        const p = layout === 'channelsFirst' ? toChannelsFirst(pr) : pr;
        const { grad } = loss.valueAndGrad(g, p);
        expect(
          relError(
            grad,
            numericGrad((x) => loss.value(g, x), p),
          ),
        ).toBeLessThan(1e-5);
      }
    }
  });
  it('binary masks with one channel', () => {
    for (const loss of [diceLoss, jaccardLoss, binaryCrossentropy, binaryFocalLoss])
      checkLoss(loss, [3, 4, 5, 1], 17, false);
  });
});
