/** Every new option is validated with a message naming it. */
import { describe, expect, it } from 'vitest';
import {
  diceCELoss,
  diceFocalLoss,
  diceLoss,
  focalLoss,
  generalizedDiceLoss,
  jaccardLoss,
  lovaszHingeLoss,
  lovaszSoftmaxLoss,
  tverskyLoss,
} from '../../src/core/losses/index.js';
import { inputs } from './helpers.js';

const cf = { layout: 'channelsFirst' as const };
const X = inputs(5, [2, 3, 2, 2]);
const anyOpts = (o: Record<string, unknown>) => o as never;

describe('bad options throw errors naming the option', () => {
  it.each([
    [
      () => diceLoss(anyOpts({ preset: 'keras' })),
      /diceLoss: preset must be 'segmentation_models', 'smp' or 'monai'; got 'keras'\./,
    ],
    [() => diceLoss(anyOpts({ fromLogits: 1 })), /diceLoss: fromLogits must be true or false; got 1\./],
    [
      () => diceLoss(anyOpts({ activation: 'relu' })),
      /diceLoss: activation must be 'softmax' or 'sigmoid'; got 'relu'\./,
    ],
    [() => diceLoss(anyOpts({ ignoreIndex: 2.5 })), /diceLoss: ignoreIndex must be an integer; got 2\.5\./],
    [() => diceLoss(anyOpts({ squared: 'yes' })), /diceLoss: squared must be true or false/],
    [() => diceLoss(anyOpts({ softLabel: 0 })), /diceLoss: softLabel must be true or false/],
    [() => jaccardLoss(anyOpts({ logLoss: null })), /jaccardLoss: logLoss must be true or false/],
    [
      () => diceLoss(anyOpts({ classWeightMode: 'sum' })),
      /diceLoss: classWeightMode must be 'score', 'loss', 'normalized'; got 'sum'\./,
    ],
    [
      () => diceLoss(anyOpts({ includeBackground: 'no' })),
      /diceLoss: includeBackground must be true or false/,
    ],
    [
      () => diceLoss(anyOpts({ emptyClass: 'nan' })),
      /diceLoss: emptyClass must be 'formula', 'zero', 'skip'; got 'nan'\./,
    ],
    [() => diceLoss(anyOpts({ smoothNr: -1 })), /diceLoss: smoothNr must be ≥ 0; got -1\./],
    [() => diceLoss(anyOpts({ smoothDr: NaN })), /diceLoss: smoothDr must be a finite number; got NaN\./],
    [() => diceLoss(anyOpts({ eps: -1e-7 })), /diceLoss: eps must be ≥ 0/],
    [
      () => diceLoss(anyOpts({ reduction: 'none' })),
      /diceLoss: reduction must be 'mean', 'sum'; got 'none'\./,
    ],
    [
      () => diceLoss(anyOpts({ preset: 'monai', classWeight: 2 })),
      /diceLoss: options must only use the keys .*; got 'classWeight'\./,
    ],
    [() => tverskyLoss(anyOpts({ alpha: -0.1 })), /tverskyLoss: alpha must be ≥ 0; got -0\.1\./],
    [() => tverskyLoss(anyOpts({ gamma: -1 })), /tverskyLoss: gamma must be ≥ 0; got -1\./],
    [
      () => tverskyLoss(anyOpts({ gammaOn: 'sum' })),
      /tverskyLoss: gammaOn must be 'class', 'mean'; got 'sum'\./,
    ],
    [
      () => generalizedDiceLoss(anyOpts({ weightType: 'log' })),
      /generalizedDiceLoss: weightType must be 'square', 'simple', 'uniform'; got 'log'\./,
    ],
    [
      () => generalizedDiceLoss(anyOpts({ absentWeight: 1 })),
      /generalizedDiceLoss: absentWeight must be 'max', 'zero'; got 1\./,
    ],
    [
      () => generalizedDiceLoss(anyOpts({ squared: true })),
      /generalizedDiceLoss: options must not set squared/,
    ],
    [() => focalLoss(anyOpts({ alpha: 1.5 })), /focalLoss: alpha must be in \[0, 1\]; got 1\.5\./],
    [() => focalLoss(anyOpts({ alpha: [0.5, 2] })), /focalLoss: alpha must be numbers in \[0, 1\]; got 2\./],
    [() => focalLoss(anyOpts({ gamma: -2 })), /focalLoss: gamma must be ≥ 0; got -2\./],
    [
      () => focalLoss(anyOpts({ alpha: 'x' })),
      /focalLoss: alpha must be a number in \[0, 1\], an array of them or null/,
    ],
    [() => focalLoss(anyOpts({ normalized: 'yes' })), /focalLoss: normalized must be true or false/],
    [
      () => focalLoss(anyOpts({ reducedThreshold: 0 })),
      /focalLoss: reducedThreshold must be in \(0, 1\]; got 0\./,
    ],
    [() => focalLoss(anyOpts({ eps: -1 })), /focalLoss: eps must be ≥ 0; got -1\./],
    [() => diceCELoss(anyOpts({ lambdaCE: -1 })), /diceCELoss: lambdaCE must be ≥ 0; got -1\./],
    [
      () => diceCELoss(anyOpts({ labelSmoothing: 2 })),
      /diceCELoss: labelSmoothing must be in \[0, 1\]; got 2\./,
    ],
    [
      () => diceFocalLoss(anyOpts({ lambdaFocal: 'a' })),
      /diceFocalLoss: lambdaFocal must be a finite number; got 'a'\./,
    ],
    [
      () => diceFocalLoss(anyOpts({ focalActivation: 'tanh' })),
      /diceFocalLoss: activation must be 'softmax' or 'sigmoid'; got 'tanh'\./,
    ],
    [
      () => lovaszSoftmaxLoss(anyOpts({ classes: 'some' })),
      /lovaszSoftmaxLoss: classes must be 'present', 'all' or a non-empty array/,
    ],
    [() => lovaszHingeLoss(anyOpts({ perImage: 1 })), /lovaszHingeLoss: perImage must be true or false/],
  ] as [() => unknown, RegExp][])('throws %s', (make, pattern) => {
    expect(make).toThrow(pattern);
  });
});

describe('bad inputs', () => {
  it('a label outside [0, C) names the value and where it was found', () => {
    const labels = { data: X.labels.data.map((v, i) => (i === 5 ? 7 : v)), shape: X.labels.shape };
    expect(() => diceLoss({ ...cf, fromLogits: true }).value(labels, X.logits)).toThrow(
      /diceLoss: gt labels must be integers in \[0, 2\]; got 7 at gt index \[1,0,1\]\./,
    );
    expect(() => diceLoss({ ...cf, ignoreIndex: 255 }).value(labels, X.probs)).toThrow(
      /or ignoreIndex 255; got 7/,
    );
  });
  it('a gt of another shape is a RangeError naming both shapes', () => {
    const gt = { data: new Float64Array(2 * 3 * 3), shape: [2, 3, 3] };
    expect(() => tverskyLoss(cf).value(gt, X.probs)).toThrow(RangeError);
    expect(() => tverskyLoss(cf).value(gt, X.probs)).toThrow(
      /tverskyLoss: gt must have the shape of pr \[2,3,2,2\]/,
    );
  });
  it('classWeights, alpha and ceWeights of the wrong length', () => {
    expect(() =>
      diceLoss({ ...cf, fromLogits: true, classWeights: [1, 2] }).value(X.onehot, X.logits),
    ).toThrow(/diceLoss: classWeights must have 3 entries, one per selected class; got 2\./);
    expect(() => focalLoss({ ...cf, alpha: [0.5, 0.5] }).value(X.onehot, X.probs)).toThrow(
      /focalLoss: alpha must have 3 entries, one per channel; got 2\./,
    );
    expect(() => diceCELoss({ ...cf, ceWeights: [1, 2] }).value(X.onehot, X.probs)).toThrow(
      /diceCELoss: ceWeights must have 3 entries, one per channel; got 2\./,
    );
  });
  it('lovaszHingeLoss wants one channel', () => {
    expect(() => lovaszHingeLoss(cf).value(X.onehot, X.logits)).toThrow(
      /lovaszHingeLoss: pr must have 1 channel \(binary logits\); got 3\./,
    );
  });
  it('classIndexes out of range', () => {
    expect(() => diceLoss({ ...cf, preset: 'smp', classIndexes: [0, 5] }).value(X.labels, X.logits)).toThrow(
      /diceLoss: classIndexes must be integers in \[0, 2\]; got 5\./,
    );
  });
});
