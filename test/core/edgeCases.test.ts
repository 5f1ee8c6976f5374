import { describe, expect, it } from 'vitest';
import {
  binaryCrossentropy,
  binaryFocalLoss,
  categoricalCrossentropy,
  categoricalFocalLoss,
  diceLoss,
  fScore,
  iouScore,
  jaccardLoss,
  precision,
  recall,
} from '../../src/index.js';
import { randomPair, toChannelsFirst } from './random.js';

const f32 = (xs: number[]) => Float32Array.from(xs);

describe('edge cases with a documented answer', () => {
  // One image, 2×2 pixels, 2 classes; class 1 is absent from gt and never predicted.
  const shape = [1, 2, 2, 2];
  const gt = { data: f32([1, 0, 1, 0, 1, 0, 1, 0]), shape };
  const pr = { data: f32([0.75, 0, 1, 0, 0.5, 0, 1, 0]), shape };

  it('an empty class (absent from gt and pr) scores smooth/smooth = 1', () => {
    expect(fScore.perClass(gt, pr)[1]).toBe(1);
    expect(iouScore.perClass(gt, pr)[1]).toBe(1);
    expect(precision.perClass(gt, pr)[1]).toBe(1);
    expect(recall.perClass(gt, pr)[1]).toBe(1);
  });

  it('hand case: F1 of class 0 is (2·3.25 + s) / (4 + 3.25 + s)', () => {
    const s = 1e-5;
    expect(fScore.perClass(gt, pr)[0]).toBeCloseTo((2 * 3.25 + s) / (4 + 3.25 + s), 14);
    expect(fScore.value(gt, pr)).toBeCloseTo(((2 * 3.25 + s) / (4 + 3.25 + s) + 1) / 2, 14);
    expect(iouScore.perClass(gt, pr)[0]).toBeCloseTo((3.25 + s) / (4 + 3.25 - 3.25 + s), 14);
  });

  it('smooth = 0 with an empty class gives NaN (0/0), never an exception', () => {
    expect(fScore({ smooth: 0 }).perClass(gt, pr)[1]).toBeNaN();
    expect(fScore({ smooth: 0 }).value(gt, pr)).toBeNaN();
    const { value, grad } = diceLoss({ smooth: 0 }).valueAndGrad(gt, pr);
    expect(value).toBeNaN();
    expect(grad[1]).toBeNaN();
    expect(jaccardLoss({ smooth: 0, classIndexes: 0 }).value(gt, pr)).toBeCloseTo(1 - 3.25 / 4, 14);
  });

  it('an all-empty image scores 1 per image (perImage), so it does not pull the mean down', () => {
    const two = { data: f32([1, 0, 0, 1, 0, 0, 0, 0]), shape: [2, 1, 2, 2] };
    const pred = { data: f32([1, 0, 0, 1, 0, 0, 0, 0]), shape: [2, 1, 2, 2] };
    expect(fScore({ perImage: true }).value(two, pred)).toBeCloseTo(1, 12);
    expect(diceLoss({ perImage: true }).value(two, pred)).toBeCloseTo(0, 12);
  });

  it('one channel (binary masks) works for every loss and metric', () => {
    const g = { data: f32([1, 0, 1, 1]), shape: [1, 2, 2, 1] };
    const p = { data: f32([0.5, 0.5, 1, 0]), shape: [1, 2, 2, 1] };
    expect(fScore.value(g, p)).toBeCloseTo((2 * 1.5 + 1e-5) / (3 + 2 + 1e-5), 12);
    for (const loss of [diceLoss, jaccardLoss, binaryCrossentropy, binaryFocalLoss, categoricalFocalLoss]) {
      expect(Number.isFinite(loss.value(g, p))).toBe(true);
    }
  });

  it('probabilities at exactly 0 or 1 are clipped to [1e-7, 1 − 1e-7] as Keras does: finite loss, zero gradient there', () => {
    const g = { data: f32([1, 0, 0, 1]), shape: [1, 1, 2, 2] };
    const p = { data: f32([1, 0, 1, 0]), shape: [1, 1, 2, 2] };
    const bce = binaryCrossentropy.valueAndGrad(g, p);
    // Right answers cost −log(1 − 1e-7 + 1e-7) = 0; wrong ones −log(1e-7 + 1e-7).
    expect(bce.value).toBeCloseTo((0 + 0 - 2 * Math.log(2e-7)) / 4, 9);
    expect(Array.from(bce.grad)).toEqual([0, 0, 0, 0]);
    for (const loss of [binaryFocalLoss, categoricalFocalLoss, categoricalCrossentropy]) {
      const r = loss.valueAndGrad(g, p);
      expect(Number.isFinite(r.value)).toBe(true);
      expect(r.grad.every((v) => v === 0)).toBe(true);
    }
    expect(categoricalFocalLoss.value(g, p)).toBeCloseTo(
      (-0.25 * 1e-14 * Math.log(1 - 1e-7) - 0.25 * (1 - 1e-7) ** 2 * Math.log(1e-7)) / 4,
      12,
    );
  });

  it('a categorical cross-entropy pixel whose selected probabilities are all 0 gives NaN (0/0), as sm', () => {
    const g = { data: f32([1, 0]), shape: [1, 1, 1, 2] };
    expect(categoricalCrossentropy.value(g, { data: f32([0, 0]), shape: [1, 1, 1, 2] })).toBeNaN();
  });

  it('soft gt: categorical cross-entropy and focal loss follow the same formulas (hand case)', () => {
    const g = { data: f32([0.25, 0.75]), shape: [1, 1, 1, 2] };
    const cce = categoricalCrossentropy.value(g, { data: f32([0.2, 0.6]), shape: [1, 1, 1, 2] });
    expect(cce).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)) / 2, 7);
    const focal = categoricalFocalLoss.value(g, { data: f32([0.25, 0.75]), shape: [1, 1, 1, 2] });
    expect(focal).toBeCloseTo(
      -(0.25 * 0.25 * 0.75 ** 2 * Math.log(0.25) + 0.75 * 0.25 * 0.25 ** 2 * Math.log(0.75)) / 2,
      12,
    );
  });

  it('categorical cross-entropy equals a direct transcription of sm (many pixels, a subset, weights, both layouts)', () => {
    const { gt: g, pr: p } = randomPair(9, [2, 40, 30, 4]);
    const sel = [3, 0, 2];
    const w = [0.5, 2, 1.5];
    let expected = 0;
    for (let px = 0; px < 2400; px++) {
      const s = sel.reduce((a, c) => a + p.data[px * 4 + c], 0);
      sel.forEach((c, k) => {
        const q = Math.min(Math.max(p.data[px * 4 + c] / s, 1e-7), 1 - 1e-7);
        expected -= g.data[px * 4 + c] * Math.log(q) * w[k];
      });
    }
    expected /= 2400 * 3;
    const last = categoricalCrossentropy({ classIndexes: sel, classWeights: w }).valueAndGrad(g, p);
    expect(last.value).toBeCloseTo(expected, 12);
    const first = categoricalCrossentropy({
      classIndexes: sel,
      classWeights: w,
      layout: 'channelsFirst',
    }).valueAndGrad(toChannelsFirst(g), toChannelsFirst(p));
    expect(first.value).toBeCloseTo(expected, 12);
    expect(Array.from(first.grad)).toEqual(
      Array.from(toChannelsFirst({ data: last.grad, shape: g.shape }).data),
    );
  });

  it('integer typed arrays, number[] and Float32Array inputs give the same results', () => {
    const { gt: g, pr: p } = randomPair(3, [2, 3, 3, 3]);
    const p32 = { data: Float32Array.from(p.data), shape: p.shape };
    const ref = diceLoss.valueAndGrad({ data: Float32Array.from(g.data), shape: g.shape }, p32);
    for (const data of [Uint8Array.from(g.data), Int32Array.from(g.data), Array.from(g.data)]) {
      const r = diceLoss.valueAndGrad({ data, shape: g.shape }, p32);
      expect(r.value).toBe(ref.value);
      expect(r.grad).toEqual(ref.grad);
    }
    expect(
      fScore({ threshold: 0.5 }).value(
        { data: Uint8Array.from(g.data), shape: g.shape },
        { data: Array.from(p32.data), shape: p.shape },
      ),
    ).toBe(fScore({ threshold: 0.5 }).value(g, p32));
  });

  it('more than four channels over several pixel blocks give the same sums as one channel at a time', () => {
    const { gt: g, pr: p } = randomPair(6, [1, 50, 50, 7]); // 2500 pixels > one block of 2048
    const whole = diceLoss.valueAndGrad(g, p);
    const single = [0, 1, 2, 3, 4, 5, 6].map((c) => fScore({ classIndexes: [c] }).value(g, p));
    expect(1 - whole.value).toBeCloseTo(single.reduce((a, b) => a + b) / 7, 14);
    const first = diceLoss({ layout: 'channelsFirst' }).valueAndGrad(toChannelsFirst(g), toChannelsFirst(p));
    expect(Array.from(first.grad)).toEqual(
      Array.from(toChannelsFirst({ data: whole.grad, shape: g.shape }).data),
    );
  });

  it('3-D volumes [N, D, H, W, C] reduce over every spatial axis', () => {
    const { gt: g, pr: p } = randomPair(4, [2, 3, 2, 2, 3]);
    const flat = (x: { data: Float64Array }) => ({ data: x.data, shape: [2, 12, 3] });
    expect(diceLoss.value(g, p)).toBeCloseTo(diceLoss.value(flat(g), flat(p)), 14);
    expect(iouScore({ perImage: true }).value(g, p)).toBeCloseTo(
      iouScore({ perImage: true }).value(flat(g), flat(p)),
      14,
    );
  });

  it('threshold binarises strictly: pr equal to the threshold counts as 0', () => {
    const g = { data: f32([1, 1]), shape: [1, 1, 2, 1] };
    const p = { data: f32([0.5, 0.75]), shape: [1, 1, 2, 1] };
    expect(recall({ threshold: 0.5, smooth: 0 }).value(g, p)).toBe(0.5);
  });

  it('class weights scale each class score as sm does (mean of w·score)', () => {
    const { gt: g, pr: p } = randomPair(5, [2, 2, 2, 3]);
    const per = fScore.perClass(g, p);
    expect(fScore({ classWeights: [1, 2, 3] }).value(g, p)).toBeCloseTo(
      (per[0] + 2 * per[1] + 3 * per[2]) / 3,
      14,
    );
    expect(fScore({ classWeights: 2 }).value(g, p)).toBeCloseTo((2 * (per[0] + per[1] + per[2])) / 3, 14);
  });
});
