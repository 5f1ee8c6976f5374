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
import { defineLoss } from '../../src/core/loss.js';

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

describe('a sum of losses reuses one scratch gradient for its second term', () => {
  /** A loss whose gradient is `k` everywhere, recording the `out` buffer of each call. */
  function spy(k: number) {
    const outs: (Float32Array | undefined)[] = [];
    const loss = defineLoss({
      name: `spy${k}`,
      valueAndGrad: (_gt, pr, out) => {
        outs.push(out);
        const g = out ?? new Float32Array(pr.data.length);
        g.fill(k);
        return { value: k, grad: g };
      },
    });
    return { loss, outs };
  }

  it('gives b a buffer of the sum, the same memory on every call, grown for a larger input', () => {
    const a = spy(1);
    const b = spy(2);
    const sum = a.loss.plus(b.loss);
    const small = randomPair(1, [1, 3, 3, 2]);
    const large = randomPair(2, [2, 5, 5, 2]);
    const out = new Float32Array(18);
    for (let i = 0; i < 3; i++) {
      const r = sum.valueAndGrad(small.gt, small.pr, { out });
      expect(r.grad).toBe(out);
      expect(Array.from(out)).toEqual(new Array(18).fill(3));
    }
    expect(a.outs).toEqual([out, out, out]);
    const first = b.outs[0]!;
    expect(first.length).toBe(18);
    for (const o of b.outs) expect(o!.buffer).toBe(first.buffer);
    const r = sum.valueAndGrad(large.gt, large.pr);
    expect(r.value).toBe(3);
    expect(Array.from(r.grad)).toEqual(new Array(100).fill(3));
    expect(b.outs[3]!.length).toBe(100);
    // Back to the small input: a view of the grown scratch.
    sum.valueAndGrad(small.gt, small.pr, { out });
    expect(b.outs[4]!.buffer).toBe(b.outs[3]!.buffer);
    expect(b.outs[4]!.length).toBe(18);
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
