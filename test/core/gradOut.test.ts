/**
 * `valueAndGrad(gt, pr, { out })`: the gradient written into the caller's buffer must equal, bit for bit,
 * the one returned in a fresh array, whatever the buffer held before; bad buffers get clear errors.
 */
import { describe, expect, it } from 'vitest';
import {
  bceDiceLoss,
  binaryCrossentropy,
  binaryFocalLoss,
  categoricalCrossentropy,
  categoricalFocalDiceLoss,
  categoricalFocalLoss,
  diceCELoss,
  diceLoss,
  focalLoss,
  generalizedDiceLoss,
  jaccardLoss,
  lovaszSoftmaxLoss,
  tverskyLoss,
  type Loss,
  type NdArray,
} from '../../src/index.js';
import { randomPair, toChannelsFirst } from './random.js';

/** A buffer full of a value no loss writes, so a skipped entry shows. */
function poisoned(n: number): Float32Array {
  return new Float32Array(n).fill(Number.NaN);
}

function expectSameGrad(loss: Loss, gt: NdArray, pr: NdArray): void {
  const fresh = loss.valueAndGrad(gt, pr);
  const out = poisoned(pr.data.length);
  const r = loss.valueAndGrad(gt, pr, { out });
  expect(r.grad).toBe(out);
  expect(r.value).toBe(fresh.value);
  expect(Array.from(out)).toEqual(Array.from(fresh.grad));
}

const multiClass: [string, Loss][] = [
  ['diceLoss', diceLoss],
  ['diceLoss subset + weights', diceLoss({ classIndexes: [2, 0], classWeights: [1, 3] })],
  ['diceLoss perImage beta 2', diceLoss({ perImage: true, beta: 2 })],
  ['jaccardLoss subset', jaccardLoss({ classIndexes: 1 })],
  ['categoricalCrossentropy', categoricalCrossentropy],
  ['categoricalCrossentropy subset', categoricalCrossentropy({ classIndexes: [1, 2] })],
  ['categoricalFocalLoss', categoricalFocalLoss],
  ['categoricalFocalLoss subset', categoricalFocalLoss({ classIndexes: [0] })],
  ['categoricalFocalDiceLoss (sum)', categoricalFocalDiceLoss],
  ['2 · dice + jaccard', diceLoss.times(2).plus(jaccardLoss)],
  ['diceLoss monai preset', diceLoss({ preset: 'monai' })],
  ['diceLoss squared', diceLoss({ squared: true })],
  ['tverskyLoss', tverskyLoss({ alpha: 0.3, beta: 0.7 })],
  ['generalizedDiceLoss', generalizedDiceLoss()],
  ['focalLoss', focalLoss()],
  ['diceCELoss', diceCELoss()],
  ['lovaszSoftmaxLoss', lovaszSoftmaxLoss()],
];

describe('valueAndGrad with { out }', () => {
  for (const [label, loss] of multiClass) {
    it(`${label}: writes the fresh gradient into out and returns it (channels-last)`, () => {
      const { gt, pr } = randomPair(11, [2, 5, 4, 3], { softmax: true });
      expectSameGrad(loss, gt, pr);
    });
  }

  it('channels-first, a 3-D volume and a class subset', () => {
    const { gt, pr } = randomPair(12, [2, 3, 4, 5, 4], { softmax: true });
    const loss = diceLoss({ layout: 'channelsFirst', classIndexes: [3, 1] });
    expectSameGrad(loss, toChannelsFirst(gt), toChannelsFirst(pr));
    expectSameGrad(
      categoricalFocalLoss({ layout: 'channelsFirst' }),
      toChannelsFirst(gt),
      toChannelsFirst(pr),
    );
  });

  it('binary losses and their sums', () => {
    const { gt, pr } = randomPair(13, [3, 4, 4, 1]);
    for (const loss of [binaryCrossentropy, binaryFocalLoss, bceDiceLoss]) expectSameGrad(loss, gt, pr);
  });

  it('float32 inputs, as a training loop passes them, one buffer reused across calls', () => {
    const out = poisoned(2 * 6 * 6 * 4);
    for (const seed of [1, 2, 3]) {
      const p = randomPair(seed, [2, 6, 6, 4], { softmax: true });
      const gt = { data: Float32Array.from(p.gt.data), shape: p.gt.shape };
      const pr = { data: Float32Array.from(p.pr.data), shape: p.pr.shape };
      const fresh = diceLoss.valueAndGrad(gt, pr).grad;
      expect(Array.from(diceLoss.valueAndGrad(gt, pr, { out }).grad)).toEqual(Array.from(fresh));
    }
  });

  it('{} and { out: undefined } allocate as before', () => {
    const { gt, pr } = randomPair(14, [1, 3, 3, 2]);
    const a = diceLoss.valueAndGrad(gt, pr, {});
    const b = diceLoss.valueAndGrad(gt, pr, { out: undefined });
    expect(a.grad).not.toBe(b.grad);
    expect(Array.from(a.grad)).toEqual(Array.from(b.grad));
  });
});

describe('valueAndGrad { out } errors', () => {
  const { gt, pr } = randomPair(15, [1, 3, 3, 2]);
  const f32 = { data: Float32Array.from(pr.data), shape: pr.shape };

  it('names out, the expected length and the length given', () => {
    expect(() => diceLoss.valueAndGrad(gt, pr, { out: new Float32Array(17) })).toThrow(
      new RangeError(
        'dice_loss.valueAndGrad: options.out must have 18 entries, one per element of pr; got 17.',
      ),
    );
  });

  it('rejects a buffer of another type', () => {
    const out = new Float64Array(18) as unknown as Float32Array;
    expect(() => diceLoss.valueAndGrad(gt, pr, { out })).toThrow(
      new TypeError('dice_loss.valueAndGrad: options.out must be a Float32Array; got Float64Array(18).'),
    );
  });

  it('rejects a buffer that shares memory with pr or gt, even through a composite loss', () => {
    expect(() => diceLoss.valueAndGrad(gt, f32, { out: f32.data })).toThrow(
      /must not share memory with pr.data/,
    );
    const gt32 = { data: Float32Array.from(gt.data), shape: gt.shape };
    expect(() => cceDiceSum().valueAndGrad(gt32, f32, { out: gt32.data })).toThrow(
      /must not share memory with gt.data/,
    );
  });

  it('rejects unknown option keys and non-objects', () => {
    expect(() => diceLoss.valueAndGrad(gt, pr, { grad: new Float32Array(18) } as never)).toThrow(
      new TypeError("dice_loss.valueAndGrad: options must only use the key out; got 'grad'."),
    );
    expect(() => diceLoss.valueAndGrad(gt, pr, new Float32Array(18) as never)).toThrow(
      /options must be an object such as \{ out \}; got Float32Array\(18\)/,
    );
  });
});

function cceDiceSum(): Loss {
  return categoricalCrossentropy.plus(diceLoss);
}
