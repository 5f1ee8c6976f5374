/**
 * The losses of issue 10 part 3 (smp MCCLoss, SoftCrossEntropyLoss, SoftBCEWithLogitsLoss, LovaszLoss; MONAI
 * MaskedDiceLoss, GeneralizedDiceFocalLoss): closed-form gradients against central differences (float64),
 * hand cases written as arithmetic, fast-check properties (seeded), `{ out }`, and errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Loss } from '../../src/core/loss.js';
import type { NdArray } from '../../src/core/types.js';
import {
  diceCELoss,
  diceLoss,
  focalLoss,
  generalizedDiceFocalLoss,
  jaccardLoss,
  lovaszHingeLoss,
  lovaszLoss,
  lovaszSoftmaxLoss,
  maskedDiceLoss,
  mccLoss,
  softBCEWithLogitsLoss,
  softCrossEntropyLoss,
  tverskyLoss,
} from '../../src/core/losses/index.js';
import { DECLINED_WITHOUT_VECTOR } from './declined.js';
import { fdError, inputs, rng, toLast } from './helpers.js';

const cf = { layout: 'channelsFirst' as const };
const X = inputs(17, [2, 3, 3, 4]);
const E = inputs(18, [2, 3, 3, 4], 1); // class 1 absent from gt
const ignored: NdArray = {
  data: X.labels.data.map((v, i) => (i % 5 === 0 ? 255 : v)),
  shape: X.labels.shape,
};
const soft: NdArray = (() => {
  const r = rng(4);
  return { data: X.onehot.data.map((v) => (v ? 0.6 + 0.3 * r() : 0.05 + 0.2 * r())), shape: X.onehot.shape };
})();
/** Dense 0/1 gt with some elements = -1 (ignored by softBCEWithLogitsLoss({ ignoreIndex: -1 })). */
const denseIgnored: NdArray = {
  data: X.onehot.data.map((v, i) => (i % 7 === 3 ? -1 : v)),
  shape: X.onehot.shape,
};
const bin = inputs(19, [2, 1, 4, 4]);
const binGt: NdArray = {
  data: bin.logits.data.map((_, i) => ((i * 5) % 3 === 0 ? 1 : 0)),
  shape: bin.logits.shape,
};
/** A mask [N, 1, H, W] of 0, ½ and 1, and one [1, 1, H, W] broadcast over the batch. */
const mask: NdArray = {
  data: Array.from({ length: 2 * 12 }, (_, i) => [1, 0, 0.5][i % 3]),
  shape: [2, 1, 3, 4],
};
const mask1: NdArray = {
  data: Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? 0 : 1)),
  shape: [1, 1, 3, 4],
};
const masked = (m: ReturnType<typeof maskedDiceLoss>, mk: NdArray): Loss => m.withMask(mk);

type Case = [string, Loss, NdArray, NdArray];
const cases: Case[] = [
  ['mccLoss', mccLoss, X.onehot, X.probs],
  ['mccLoss eps 1, soft gt', mccLoss({ eps: 1 }), soft, X.probs],
  [
    'mccLoss one channel',
    mccLoss({ eps: 1e-3 }),
    binGt,
    { data: bin.probs.data.map(() => 0.5), shape: bin.probs.shape },
  ],
  ['softCrossEntropyLoss', softCrossEntropyLoss, X.labels, X.logits],
  [
    'softCrossEntropyLoss smoothFactor, ignoreIndex',
    softCrossEntropyLoss({ smoothFactor: 0.1, ignoreIndex: 255 }),
    ignored,
    X.logits,
  ],
  [
    'softCrossEntropyLoss channelsLast, sum',
    softCrossEntropyLoss({ smoothFactor: 0.3, layout: 'channelsLast', reduction: 'sum' }),
    X.labels,
    toLast(X.logits),
  ],
  ['softCrossEntropyLoss dense soft targets', softCrossEntropyLoss({ smoothFactor: 0.05 }), soft, X.logits],
  ['softBCEWithLogitsLoss', softBCEWithLogitsLoss, X.onehot, X.logits],
  [
    'softBCEWithLogitsLoss smoothFactor, ignoreIndex, sum',
    softBCEWithLogitsLoss({ smoothFactor: 0.2, ignoreIndex: -1, reduction: 'sum' }),
    denseIgnored,
    X.logits,
  ],
  [
    'softBCEWithLogitsLoss posWeight per channel [C, 1, 1]',
    softBCEWithLogitsLoss({ posWeight: { data: [0.5, 2, 3], shape: [3, 1, 1] }, smoothFactor: 0.1 }),
    soft,
    X.logits,
  ],
  [
    'softBCEWithLogitsLoss posWeight along the last axis',
    softBCEWithLogitsLoss({ posWeight: { data: [1, 2, 0.25, 3], shape: [4] } }),
    X.onehot,
    X.logits,
  ],
  ['lovaszLoss binary', lovaszLoss({ mode: 'binary' }), binGt, bin.logits],
  [
    'lovaszLoss binary per image, ignoreIndex',
    lovaszLoss({ mode: 'binary', perImage: true, ignoreIndex: 255 }),
    { data: binGt.data.map((v, i) => (i % 6 === 1 ? 255 : v)), shape: binGt.shape },
    bin.logits,
  ],
  ['lovaszLoss multilabel', lovaszLoss({ mode: 'multilabel' }), X.onehot, X.logits],
  ['lovaszLoss multilabel per image', lovaszLoss({ mode: 'multilabel', perImage: true }), X.onehot, X.logits],
  ['lovaszLoss multiclass', lovaszLoss({ mode: 'multiclass' }), E.labels, E.logits],
  [
    'lovaszLoss multiclass per image, ignoreIndex',
    lovaszLoss({ mode: 'multiclass', perImage: true, ignoreIndex: 255 }),
    ignored,
    X.logits,
  ],
  ['maskedDiceLoss probabilities', masked(maskedDiceLoss(cf), mask), X.onehot, X.probs],
  [
    'maskedDiceLoss softmax, label map, broadcast mask',
    masked(maskedDiceLoss({ fromLogits: true, activation: 'softmax' }), mask1),
    X.labels,
    X.logits,
  ],
  [
    'maskedDiceLoss sigmoid, jaccard, squared, batch',
    masked(
      maskedDiceLoss({
        fromLogits: true,
        activation: 'sigmoid',
        jaccard: true,
        squared: true,
        perImage: false,
      }),
      mask,
    ),
    X.onehot,
    X.logits,
  ],
  [
    'maskedDiceLoss weights, no background, sum',
    masked(maskedDiceLoss({ includeBackground: false, classWeights: [2, 0.5], reduction: 'sum' }), mask),
    E.onehot,
    E.probs,
  ],
  [
    'generalizedDiceFocalLoss monai, focal weights, no background',
    generalizedDiceFocalLoss({
      preset: 'monai',
      fromLogits: true,
      activation: 'softmax',
      includeBackground: false,
      weightType: 'simple',
      gamma: 0.5,
      focalWeights: [1.5, 0.25],
      lambdaGdl: 0.5,
      lambdaFocal: 1.5,
    }),
    E.onehot,
    E.logits,
  ],
];

describe('closed-form gradients of the smp / MONAI additions match central differences', () => {
  it.each(cases)('%s', (_name, loss, gt, pr) => {
    expect(fdError(loss, gt, pr)).toBeLessThan(2e-5);
  });
});

describe('{ out } writes the gradient into the caller’s buffer', () => {
  it.each(cases)('%s', (_name, loss, gt, pr) => {
    const out = new Float32Array(pr.data.length).fill(Number.NaN);
    const a = loss.valueAndGrad(gt, pr);
    const b = loss.valueAndGrad(gt, pr, { out });
    expect(b.grad).toBe(out);
    expect(b.value).toBe(a.value);
    expect(Array.from(out)).toEqual(Array.from(a.grad));
  });
});

describe('hand cases', () => {
  it('mccLoss of a perfect prediction: 1 − (2·2 − ε²)/((2 + 2ε)²) with ε = 1e-5 per count', () => {
    const g = { data: [1, 0, 1, 0], shape: [1, 4] };
    const e = 1e-5;
    const [tp, tn, fp, fn] = [2 + e, 2 + e, e, e];
    const want = 1 - (tp * tn - fp * fn) / Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
    expect(mccLoss.value(g, g)).toBeCloseTo(want, 12);
    expect(mccLoss.value(g, g)).toBeLessThan(1e-4);
  });

  it('mccLoss with gt and pr all 0 is about ½ (the ε terms), as smp documents', () => {
    const z = { data: [0, 0, 0, 0, 0, 0], shape: [2, 3] };
    // tp = fp = fn = ε, tn = 6 + ε: 1 − (ε(6 + ε) − ε²)/√(2ε·2ε·(6 + 2ε)²) = 1 − 6ε/(2ε(6 + 2ε)) ≈ ½.
    const e = 1e-5;
    expect(mccLoss.value(z, z)).toBeCloseTo(1 - (6 * e) / (2 * e * (6 + 2 * e)), 12);
  });

  it('softCrossEntropyLoss of two equal logits is log 2; smoothing keeps it (uniform p)', () => {
    const gt = { data: [1], shape: [1] };
    const pr = { data: [0, 0], shape: [1, 2] };
    expect(softCrossEntropyLoss.value(gt, pr)).toBeCloseTo(Math.log(2), 14);
    expect(softCrossEntropyLoss({ smoothFactor: 0.3 }).value(gt, pr)).toBeCloseTo(Math.log(2), 14);
  });

  it('softCrossEntropyLoss: an ignored pixel gives 0 but counts in the mean (smp)', () => {
    const pr = { data: [0, 0, 0, 0], shape: [2, 2] }; // two pixels, C = 2 (channels on axis 1)
    const both = softCrossEntropyLoss.value({ data: [0, 1], shape: [2] }, pr);
    const one = softCrossEntropyLoss({ ignoreIndex: 7 }).value({ data: [0, 7], shape: [2] }, pr);
    expect(both).toBeCloseTo(Math.log(2), 14);
    expect(one).toBeCloseTo(Math.log(2) / 2, 14);
  });

  it('softBCEWithLogitsLoss at logit 0 is log 2 for any target and smoothing', () => {
    const pr = { data: [0, 0], shape: [1, 2] };
    for (const s of [0, 0.1, 0.5]) {
      expect(
        softBCEWithLogitsLoss({ smoothFactor: s }).value({ data: [1, 0], shape: [1, 2] }, pr),
      ).toBeCloseTo(Math.log(2), 14);
    }
  });

  it('softBCEWithLogitsLoss posWeight w scales the positive term: w·log(1 + e^−x)', () => {
    const x = 0.7;
    const v = softBCEWithLogitsLoss({ posWeight: 3 }).value(
      { data: [1], shape: [1, 1] },
      { data: [x], shape: [1, 1] },
    );
    expect(v).toBeCloseTo(3 * Math.log(1 + Math.exp(-x)), 14);
  });

  it('smp Tversky with logLoss and γ < 1 on empty classes: loss 0 and gradient 0 (smp gives NaN, declined)', () => {
    const gt = { data: new Float64Array(X.logits.data.length), shape: X.logits.shape };
    const loss = tverskyLoss({
      preset: 'smp',
      activation: 'sigmoid',
      logLoss: true,
      gamma: 0.75,
      alpha: 0.3,
      beta: 0.7,
    });
    const r = loss.valueAndGrad(gt, X.logits);
    expect(DECLINED_WITHOUT_VECTOR['smp/TverskyLoss: log_loss=True, gamma < 1, every class empty']).toMatch(
      /NaN/,
    );
    expect(r.value).toBe(0);
    expect(r.grad.every((v) => v === 0)).toBe(true);
  });
});

const params = { seed: 20261204, numRuns: 30 };
const shapeArb = fc.record({
  seed: fc.integer({ min: 1, max: 1e6 }),
  N: fc.integer({ min: 1, max: 3 }),
  C: fc.integer({ min: 2, max: 4 }),
  H: fc.integer({ min: 1, max: 4 }),
  W: fc.integer({ min: 2, max: 5 }),
});
const near = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
const gradNear = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) =>
  a.length === b.length && Array.from(a).every((v, i) => Math.abs(v - b[i]) <= tol);
const flip = (x: NdArray): NdArray => ({ data: x.data.map((v) => 1 - v), shape: x.shape });

describe('properties', () => {
  it('maskedDiceLoss with an all-ones mask equals diceLoss / jaccardLoss (values and gradients)', () => {
    fc.assert(
      fc.property(shapeArb, fc.boolean(), fc.boolean(), ({ seed, N, C, H, W }, jac, perImage) => {
        const Y = inputs(seed, [N, C, H, W]);
        const ones = { data: new Float64Array(N * H * W).fill(1), shape: [N, 1, H, W] };
        const o = { preset: 'monai' as const, fromLogits: true, activation: 'softmax' as const, perImage };
        const m = maskedDiceLoss({ ...o, jaccard: jac }).valueAndGrad(Y.labels, Y.logits, ones);
        const d = (jac ? jaccardLoss(o) : diceLoss(o)).valueAndGrad(Y.labels, Y.logits);
        return near(m.value, d.value) && gradNear(m.grad, d.grad);
      }),
      params,
    );
  });

  it('maskedDiceLoss: masked-out pixels get a zero gradient and do not change the value when pr is probabilities', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const Y = inputs(seed, [N, C, H, W]);
        const r = rng(seed);
        const mk = {
          data: Array.from({ length: N * H * W }, () => (r() < 0.4 ? 0 : 1)),
          shape: [N, 1, H, W],
        };
        const loss = maskedDiceLoss({ preset: 'monai' });
        const a = loss.valueAndGrad(Y.onehot, Y.probs, mk);
        // Changing pr where the mask is 0 changes nothing.
        const P = H * W;
        const pr2 = Float64Array.from(Y.probs.data as ArrayLike<number>);
        for (let i = 0; i < pr2.length; i++) {
          const b = Math.floor(i / (C * P));
          if (mk.data[b * P + (i % P)] === 0) pr2[i] = 0.5;
        }
        const b = loss.value(Y.onehot, { data: pr2, shape: Y.probs.shape }, mk);
        const zeroWhereMasked = Array.from(a.grad).every((g, i) => {
          const n = Math.floor(i / (C * P));
          return mk.data[n * P + (i % P)] !== 0 || g === 0;
        });
        return near(a.value, b) && zeroWhereMasked;
      }),
      params,
    );
  });

  it('softCrossEntropyLoss with smoothFactor 0 equals PyTorch cross-entropy (diceCELoss with λ_dice = 0)', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const Y = inputs(seed, [N, C, H, W]);
        const a = softCrossEntropyLoss({ smoothFactor: 0 }).valueAndGrad(Y.labels, Y.logits);
        const b = diceCELoss({ ...cf, fromLogits: true, lambdaDice: 0 }).valueAndGrad(Y.labels, Y.logits);
        return near(a.value, b.value) && gradNear(a.grad, b.grad);
      }),
      params,
    );
  });

  it('softCrossEntropyLoss: channelsLast of the transposed input is the same loss; sum = mean · pixels', () => {
    fc.assert(
      fc.property(shapeArb, fc.double({ min: 0, max: 1, noNaN: true }), ({ seed, N, C, H, W }, s) => {
        const Y = inputs(seed, [N, C, H, W]);
        const a = softCrossEntropyLoss({ smoothFactor: s }).value(Y.labels, Y.logits);
        const b = softCrossEntropyLoss({ smoothFactor: s, layout: 'channelsLast' }).value(
          Y.labels,
          toLast(Y.logits),
        );
        const c = softCrossEntropyLoss({ smoothFactor: s, reduction: 'sum' }).value(Y.labels, Y.logits);
        const els = softCrossEntropyLoss({ smoothFactor: s }).elements(Y.labels, Y.logits);
        const sum = els.reduce((x, y) => x + y, 0);
        return near(a, b) && near(c, a * N * H * W) && near(sum, c) && els.length === N * H * W;
      }),
      params,
    );
  });

  it('softBCEWithLogitsLoss with smoothFactor 0 is the focal loss with γ = 0 (plain BCE, MONAI preset)', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const Y = inputs(seed, [N, C, H, W]);
        const a = softBCEWithLogitsLoss.valueAndGrad(Y.onehot, Y.logits);
        const b = focalLoss({ preset: 'monai', gamma: 0 }).valueAndGrad(Y.onehot, Y.logits);
        return near(a.value, b.value) && gradNear(a.grad, b.grad);
      }),
      params,
    );
  });

  it('softBCEWithLogitsLoss is symmetric: (t, x) and (1 − t, −x) give the same loss; smoothing s on t = no smoothing on t′', () => {
    fc.assert(
      fc.property(shapeArb, fc.double({ min: 0, max: 1, noNaN: true }), ({ seed, N, C, H, W }, s) => {
        const Y = inputs(seed, [N, C, H, W]);
        const neg = { data: Y.logits.data.map((v) => -v), shape: Y.logits.shape };
        const l = softBCEWithLogitsLoss({ smoothFactor: s });
        const smoothed = { data: Y.onehot.data.map((t) => (1 - t) * s + t * (1 - s)), shape: Y.onehot.shape };
        return (
          near(l.value(Y.onehot, Y.logits), l.value(flip(Y.onehot), neg)) &&
          near(l.value(Y.onehot, Y.logits), softBCEWithLogitsLoss.value(smoothed, Y.logits))
        );
      }),
      params,
    );
  });

  it('mccLoss is invariant to swapping foreground and background (gt → 1 − gt, pr → 1 − pr) and lies in [0, 2]', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const Y = inputs(seed, [N, C, H, W]);
        const a = mccLoss.value(Y.onehot, Y.probs);
        const b = mccLoss.value(flip(Y.onehot), flip(Y.probs));
        return near(a, b, 1e-9) && a >= 0 && a <= 2;
      }),
      params,
    );
  });

  it('lovaszLoss: multilabel is the hinge over all channels together; multiclass is Lovász-Softmax of logits', () => {
    fc.assert(
      fc.property(shapeArb, fc.boolean(), ({ seed, N, C, H, W }, perImage) => {
        const Y = inputs(seed, [N, C, H, W]);
        const fold = (x: NdArray): NdArray => ({ data: x.data, shape: [N, 1, C * H * W] });
        const ml = lovaszLoss({ mode: 'multilabel', perImage }).value(Y.onehot, Y.logits);
        const h = lovaszHingeLoss({ ...cf, perImage }).value(fold(Y.onehot), fold(Y.logits));
        const mc = lovaszLoss({ mode: 'multiclass', perImage }).value(Y.labels, Y.logits);
        const s = lovaszSoftmaxLoss({ ...cf, perImage, fromLogits: true }).value(Y.labels, Y.logits);
        return near(ml, h) && near(mc, s);
      }),
      params,
    );
  });
});

const anyOpts = (o: Record<string, unknown>) => o as never;
describe('bad input throws errors naming the function and the argument', () => {
  it.each([
    [() => mccLoss(anyOpts({ eps: -1 })), /mccLoss: eps must be ≥ 0; got -1\./],
    [() => mccLoss(anyOpts({ smooth: 1 })), /mccLoss: options must only use the keys eps; got 'smooth'\./],
    [
      () => mccLoss.value({ data: [1, 0], shape: [2] }, { data: [1, 0, 1], shape: [3] }),
      /mccLoss: gt and pr must have the same shape; got \[2\] and \[3\]\./,
    ],
    [
      () => softCrossEntropyLoss(anyOpts({ smoothFactor: 2 })),
      /softCrossEntropyLoss: smoothFactor must be in \[0, 1\]; got 2\./,
    ],
    [
      () => softCrossEntropyLoss(anyOpts({ reduction: 'none' })),
      /softCrossEntropyLoss: reduction must be 'mean', 'sum'; got 'none'\./,
    ],
    [
      () => softCrossEntropyLoss.value({ data: [0, 1], shape: [2] }, { data: [0, 1], shape: [2, 1] }),
      /softCrossEntropyLoss: pr must have at least 2 channels \(softmax over the channel axis\); got 1\./,
    ],
    [
      () => softCrossEntropyLoss.value({ data: [0, 3], shape: [2] }, { data: [0, 1, 2, 3], shape: [2, 2] }),
      /softCrossEntropyLoss: gt labels must be integers in \[0, 1\] or ignoreIndex -100; got 3/,
    ],
    [
      () => softBCEWithLogitsLoss(anyOpts({ posWeight: [1, 2] })),
      /softBCEWithLogitsLoss: posWeight must be a number or \{ data, shape \}/,
    ],
    [
      () => softBCEWithLogitsLoss(anyOpts({ posWeight: -2 })),
      /softBCEWithLogitsLoss: posWeight must be ≥ 0; got -2\./,
    ],
    [
      () => softBCEWithLogitsLoss({ posWeight: { data: [1, 2], shape: [2] } }).value(X.onehot, X.logits),
      /softBCEWithLogitsLoss: posWeight must broadcast against pr \[2,3,3,4\] \(trailing axes aligned, each 1 or equal\); got \[2\]\./,
    ],
    [
      () => softBCEWithLogitsLoss(anyOpts({ smoothFactor: '0.1' })),
      /softBCEWithLogitsLoss: smoothFactor must be a finite number; got '0\.1'\./,
    ],
    [
      () => lovaszLoss(anyOpts({ mode: 'multi' })),
      /lovaszLoss: mode must be 'binary', 'multilabel', 'multiclass'; got 'multi'\./,
    ],
    [() => lovaszLoss(anyOpts({ perImage: 1 })), /lovaszLoss: perImage must be true or false; got 1\./],
    [
      () => lovaszLoss({ mode: 'binary' }).value(X.onehot, X.logits),
      /lovaszLoss: pr must have 1 channel \(binary logits\); got 3\./,
    ],
    [
      () => lovaszLoss({ mode: 'multilabel' }).value(X.labels, X.logits),
      /lovaszLoss: gt and pr must have the same shape; got \[2,3,4\] and \[2,3,3,4\]\./,
    ],
    [
      () => maskedDiceLoss(anyOpts({ jaccard: 'yes' })),
      /maskedDiceLoss: jaccard must be true or false; got 'yes'\./,
    ],
    [
      () => maskedDiceLoss(anyOpts({ mask: 1 })),
      /maskedDiceLoss: options must only use the keys .*; got 'mask'\./,
    ],
    [
      () => maskedDiceLoss().value(X.onehot, X.probs, { data: new Float64Array(72), shape: [2, 3, 3, 4] }),
      /maskedDiceLoss: mask must have the shape \[2,1,3,4\] \(batch axis N or 1, channel axis optional\); got \[2,3,3,4\]\./,
    ],
    [
      () =>
        maskedDiceLoss().value(X.onehot, X.probs, {
          data: [NaN, ...new Array(23).fill(1)],
          shape: [2, 1, 3, 4],
        }),
      /maskedDiceLoss: mask must hold finite numbers; got NaN at mask.data\[0\]\./,
    ],
  ])('%#', (f, re) => {
    expect(f).toThrow(re);
  });
});
