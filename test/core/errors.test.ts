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
} from '../../src/index.js';

const gt = { data: new Float32Array(2 * 4 * 4 * 3), shape: [2, 4, 4, 3] };
const pr = { data: new Float32Array(2 * 4 * 4 * 3), shape: [2, 4, 4, 3] };

describe('bad input throws a TypeError or RangeError naming the argument, the expectation and the value', () => {
  it('shape mismatch', () => {
    const pr4 = { data: new Float32Array(2 * 4 * 4 * 4), shape: [2, 4, 4, 4] };
    expect(() => diceLoss.value(gt, pr4)).toThrow(RangeError);
    expect(() => diceLoss.value(gt, pr4)).toThrow(
      /^diceLoss: gt and pr must have the same shape; got \[2,4,4,3\] and \[2,4,4,4\]\.$/,
    );
  });

  it('wrong rank (no spatial axis)', () => {
    const flat = { data: new Float32Array(6), shape: [2, 3] };
    expect(() => fScore.value(flat, flat)).toThrow(
      /^fScore: gt must have rank ≥ 3; got rank 2 \(shape \[2,3\]\)\.$/,
    );
  });

  it('data length different from the product of the shape', () => {
    const short = { data: new Float32Array(5), shape: [2, 4, 4, 3] };
    expect(() => jaccardLoss.value(gt, short)).toThrow(RangeError);
    expect(() => jaccardLoss.value(gt, short)).toThrow(
      /^jaccardLoss: pr\.data\.length must equal the product of pr\.shape \[2,4,4,3\] \(96\); got 5\.$/,
    );
  });

  it('not an array object', () => {
    expect(() => iouScore.value(gt, null as never)).toThrow(
      /^iouScore: pr must be an object \{ data, shape \}; got null\.$/,
    );
    expect(() => iouScore.value({ data: 'abc', shape: [1] } as never, pr)).toThrow(
      /^iouScore: gt\.data must be a typed array or an array of numbers; got 'abc'\.$/,
    );
  });

  it('classIndexes out of range, not integers, duplicated or empty', () => {
    expect(() => fScore({ classIndexes: 5 }).value(gt, pr)).toThrow(RangeError);
    expect(() => fScore({ classIndexes: 5 }).value(gt, pr)).toThrow(
      /^fScore: classIndexes must be integers in \[0, 2\]; got 5\.$/,
    );
    expect(() => fScore({ classIndexes: [0, 1.5] })).toThrow(TypeError);
    expect(() => fScore({ classIndexes: [0, 1.5] })).toThrow(
      /^fScore: classIndexes must be integers; got 1\.5\.$/,
    );
    expect(() => diceLoss({ classIndexes: [1, 0, 1] })).toThrow(
      /^diceLoss: classIndexes must not repeat a channel; got 1 twice\.$/,
    );
    expect(() => diceLoss({ classIndexes: -1 })).toThrow(
      /^diceLoss: classIndexes must be integers ≥ 0; got -1\.$/,
    );
    expect(() => diceLoss({ classIndexes: [] })).toThrow(
      /^diceLoss: classIndexes must select at least one channel; got \[\]\.$/,
    );
    expect(() => categoricalFocalLoss({ classIndexes: 3 }).value(gt, pr)).toThrow(
      /^categoricalFocalLoss: classIndexes must be integers in \[0, 2\]; got 3\.$/,
    );
  });

  it('classWeights of the wrong length, negative or non-finite', () => {
    expect(() => diceLoss({ classWeights: [1, 2] }).value(gt, pr)).toThrow(RangeError);
    expect(() => diceLoss({ classWeights: [1, 2] }).value(gt, pr)).toThrow(
      /^diceLoss: classWeights must have 3 entries, one per selected class; got 2\.$/,
    );
    expect(() => categoricalCrossentropy({ classIndexes: [0, 1], classWeights: [1] }).value(gt, pr)).toThrow(
      /^categoricalCrossentropy: classWeights must have 2 entries, one per selected class; got 1\.$/,
    );
    expect(() => diceLoss({ classWeights: [1, -1, 1] })).toThrow(
      /^diceLoss: classWeights\[1\] must be ≥ 0; got -1\.$/,
    );
    expect(() => diceLoss({ classWeights: [NaN, 1, 1] })).toThrow(
      /^diceLoss: classWeights\[0\] must be a finite number; got NaN\.$/,
    );
    expect(() => fScore({ classWeights: -2 })).toThrow(/^fScore: classWeights must be ≥ 0; got -2\.$/);
    expect(() => fScore({ classWeights: '2' as never })).toThrow(
      /^fScore: classWeights must be a number or an array of numbers; got '2'\.$/,
    );
  });

  it('beta or smooth non-finite or negative', () => {
    expect(() => diceLoss({ beta: -1 })).toThrow(/^diceLoss: beta must be ≥ 0; got -1\.$/);
    expect(() => fScore({ beta: Infinity })).toThrow(
      /^fScore: beta must be a finite number; got Infinity\.$/,
    );
    expect(() => jaccardLoss({ smooth: -1e-5 })).toThrow(
      /^jaccardLoss: smooth must be ≥ 0; got -0\.00001\.$/,
    );
    expect(() => iouScore({ smooth: NaN })).toThrow(/^iouScore: smooth must be a finite number; got NaN\.$/);
    expect(() => iouScore({ threshold: NaN })).toThrow(
      /^iouScore: threshold must be a finite number; got NaN\.$/,
    );
  });

  it('alpha outside [0, 1], gamma negative', () => {
    expect(() => categoricalFocalLoss({ alpha: 1.5 })).toThrow(RangeError);
    expect(() => categoricalFocalLoss({ alpha: 1.5 })).toThrow(
      /^categoricalFocalLoss: alpha must be in \[0, 1\]; got 1\.5\.$/,
    );
    expect(() => binaryFocalLoss({ alpha: -0.1 })).toThrow(
      /^binaryFocalLoss: alpha must be in \[0, 1\]; got -0\.1\.$/,
    );
    expect(() => binaryFocalLoss({ gamma: -1 })).toThrow(/^binaryFocalLoss: gamma must be ≥ 0; got -1\.$/);
  });

  it('unknown layout', () => {
    expect(() => diceLoss({ layout: 'NHWC' as never })).toThrow(TypeError);
    expect(() => diceLoss({ layout: 'NHWC' as never })).toThrow(
      /^diceLoss: layout must be 'channelsLast' or 'channelsFirst'; got 'NHWC'\.$/,
    );
  });

  it('times with a non-number or a non-finite number', () => {
    expect(() => diceLoss.times('2' as never)).toThrow(TypeError);
    expect(() => diceLoss.times('2' as never)).toThrow(/^dice_loss\.times: k must be a number; got '2'\.$/);
    expect(() => diceLoss.times(NaN)).toThrow(/^dice_loss\.times: k must be a finite number; got NaN\.$/);
    expect(() => diceLoss.plus(3 as never)).toThrow(/^dice_loss\.plus: other must be a Loss; got 3\.$/);
  });

  it('unknown option keys (typos) and options a loss does not take', () => {
    expect(() => diceLoss({ classWeight: [1, 2, 3] } as never)).toThrow(TypeError);
    expect(() => diceLoss({ classWeight: [1, 2, 3] } as never)).toThrow(
      /^diceLoss: options must only use the keys beta, classWeights, classIndexes, smooth, perImage, layout, preset, fromLogits, activation, ignoreIndex, squared, softLabel, logLoss, classWeightMode, includeBackground, emptyClass, smoothNr, smoothDr, eps, reduction; got 'classWeight'\.$/,
    );
    // A typo of a loss-family option is answered with every key the factory takes, that option included
    // (the list used to stop at sm's keys, as if diceLoss had no fromLogits).
    for (const [factory, typo, key] of [
      [diceLoss, 'fromLogit', 'fromLogits'],
      [jaccardLoss, 'ignoreIdx', 'ignoreIndex'],
      [fScore, 'presets', 'preset'],
      [iouScore, 'includeBackgrounds', 'includeBackground'],
    ] as const) {
      let message = '';
      try {
        factory({ [typo]: true } as never);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(
        new RegExp(`options must only use the keys (.*, )?${key}(, .*)?; got '${typo}'\\.$`),
      );
    }
    expect(() => diceLoss({ threshold: 0.5 } as never)).toThrow(
      /^diceLoss: options must only use the keys .*; got 'threshold'\.$/,
    );
    expect(() => jaccardLoss({ beta: 2 } as never)).toThrow(
      /^jaccardLoss: options must only use the keys .*; got 'beta'\.$/,
    );
    expect(() => binaryCrossentropy({ classWeights: 2 } as never)).toThrow(
      /^binaryCrossentropy: options must only use the keys layout; got 'classWeights'\.$/,
    );
    expect(() => binaryFocalLoss({ classIndexes: 1 } as never)).toThrow(
      /^binaryFocalLoss: options must only use the keys alpha, gamma, layout; got 'classIndexes'\.$/,
    );
    expect(() => fScore(3 as never)).toThrow(/^fScore: options must be an object; got 3\.$/);
    expect(() => diceLoss({ perImage: 'yes' } as never)).toThrow(
      /^diceLoss: perImage must be true or false; got 'yes'\.$/,
    );
  });
});
