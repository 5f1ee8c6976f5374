/**
 * Closed-form gradients of every new loss and option against central differences (float64), and stability
 * from logits of ±1e4.
 */
import { describe, expect, it } from 'vitest';
import type { Loss } from '../../src/core/loss.js';
import type { NdArray } from '../../src/core/types.js';
import {
  diceCELoss,
  diceFocalLoss,
  diceLoss,
  focalLoss,
  generalizedDiceFocalLoss,
  generalizedDiceLoss,
  jaccardLoss,
  logCoshDiceLoss,
  lovaszHingeLoss,
  lovaszSoftmaxLoss,
  tverskyLoss,
} from '../../src/core/losses/index.js';
import { fdError, inputs, rng, toLast } from './helpers.js';

const cf = { layout: 'channelsFirst' as const };
const X = inputs(7, [2, 3, 3, 4]);
const E = inputs(8, [2, 3, 3, 4], 2); // class 2 absent from gt
const soft: NdArray = (() => {
  const r = rng(3);
  return { data: X.onehot.data.map((v) => (v ? 0.6 + 0.3 * r() : 0.05 + 0.2 * r())), shape: X.onehot.shape };
})();
const ignored: NdArray = {
  data: X.labels.data.map((v, i) => (i % 5 === 0 ? 255 : v)),
  shape: X.labels.shape,
};
const binary = inputs(9, [2, 1, 4, 4]);
const binGt: NdArray = {
  data: binary.logits.data.map((_, i) => ((i * 7) % 3 === 0 ? 1 : 0)),
  shape: binary.logits.shape,
};

type Case = [string, Loss, NdArray, NdArray];
const cases: Case[] = [
  ['diceLoss fromLogits (softmax)', diceLoss({ ...cf, fromLogits: true }), X.onehot, X.logits],
  [
    'diceLoss activation sigmoid',
    diceLoss({ ...cf, fromLogits: true, activation: 'sigmoid' }),
    X.onehot,
    X.logits,
  ],
  [
    'diceLoss label map + ignoreIndex',
    diceLoss({ ...cf, fromLogits: true, ignoreIndex: 255 }),
    ignored,
    X.logits,
  ],
  ['diceLoss squared', diceLoss({ ...cf, squared: true }), X.onehot, X.probs],
  ['diceLoss softLabel (soft gt)', diceLoss({ ...cf, softLabel: true }), soft, X.probs],
  ['diceLoss logLoss', diceLoss({ ...cf, logLoss: true, fromLogits: true }), X.onehot, X.logits],
  [
    'diceLoss beta 2, perImage, weights normalized',
    diceLoss({
      ...cf,
      beta: 2,
      perImage: true,
      classWeights: [1, 2, 0.5],
      classWeightMode: 'normalized',
      fromLogits: true,
    }),
    X.onehot,
    X.logits,
  ],
  [
    'diceLoss includeBackground false',
    diceLoss({ ...cf, includeBackground: false, fromLogits: true }),
    X.onehot,
    X.logits,
  ],
  ['diceLoss emptyClass zero', diceLoss({ ...cf, emptyClass: 'zero', fromLogits: true }), E.onehot, E.logits],
  ['diceLoss emptyClass skip', diceLoss({ ...cf, emptyClass: 'skip', fromLogits: true }), E.onehot, E.logits],
  ['diceLoss preset smp', diceLoss({ ...cf, preset: 'smp', smooth: 1 }), X.labels, X.logits],
  [
    'diceLoss preset monai, sum',
    diceLoss({ ...cf, preset: 'monai', reduction: 'sum', smoothNr: 0.5, smoothDr: 0.25 }),
    X.onehot,
    X.probs,
  ],
  [
    'diceLoss channelsLast',
    diceLoss({ fromLogits: true, ignoreIndex: 255 }),
    toLast(X.onehot),
    toLast(X.logits),
  ],
  [
    'jaccardLoss preset monai squared',
    jaccardLoss({ ...cf, preset: 'monai', squared: true, fromLogits: true }),
    X.onehot,
    X.logits,
  ],
  [
    'tverskyLoss α 0.3 β 0.7',
    tverskyLoss({ ...cf, alpha: 0.3, beta: 0.7, fromLogits: true }),
    X.labels,
    X.logits,
  ],
  [
    'focal Tversky γ 0.75 per class',
    tverskyLoss({ ...cf, alpha: 0.3, beta: 0.7, gamma: 0.75, fromLogits: true }),
    X.labels,
    X.logits,
  ],
  [
    'focal Tversky γ 2 after the mean',
    tverskyLoss({ ...cf, gamma: 2, gammaOn: 'mean', fromLogits: true }),
    X.labels,
    X.logits,
  ],
  [
    'generalizedDiceLoss square, absent class',
    generalizedDiceLoss({ ...cf, fromLogits: true, perImage: true }),
    E.onehot,
    E.logits,
  ],
  [
    'generalizedDiceLoss simple, softLabel',
    generalizedDiceLoss({ ...cf, weightType: 'simple', softLabel: true }),
    soft,
    X.probs,
  ],
  [
    'generalizedDiceLoss absentWeight zero',
    generalizedDiceLoss({ ...cf, absentWeight: 'zero', fromLogits: true }),
    E.onehot,
    E.logits,
  ],
  ['logCoshDiceLoss', logCoshDiceLoss({ ...cf, fromLogits: true }), X.onehot, X.logits],
  [
    'focalLoss softmax from logits, α per class',
    focalLoss({ ...cf, fromLogits: true, alpha: [0.2, 0.5, 0.8] }),
    X.labels,
    X.logits,
  ],
  ['focalLoss softmax from probabilities', focalLoss({ ...cf, gamma: 1.5 }), X.onehot, X.probs],
  [
    'focalLoss sigmoid from logits, weights',
    focalLoss({ ...cf, fromLogits: true, activation: 'sigmoid', classWeights: [1, 2, 3] }),
    X.onehot,
    X.logits,
  ],
  [
    'focalLoss sigmoid from probabilities',
    focalLoss({ ...cf, activation: 'sigmoid', gamma: 0.5 }),
    X.onehot,
    X.probs,
  ],
  [
    'focalLoss monai softmax without background',
    focalLoss({ ...cf, preset: 'monai', activation: 'softmax', includeBackground: false }),
    X.onehot,
    X.logits,
  ],
  [
    'focalLoss smp, ignoreIndex',
    focalLoss({ ...cf, preset: 'smp', activation: 'sigmoid', ignoreIndex: 255, alpha: 0.25 }),
    ignored,
    X.logits,
  ],
  [
    'focalLoss normalized (smp), from logits',
    focalLoss({ ...cf, preset: 'smp', activation: 'sigmoid', normalized: true, alpha: 0.25 }),
    X.labels,
    X.logits,
  ],
  [
    'focalLoss reduced threshold, probabilities',
    focalLoss({ ...cf, activation: 'sigmoid', reducedThreshold: 0.5, gamma: 2 }),
    X.onehot,
    X.probs,
  ],
  [
    'focalLoss normalized + reduced, weights',
    focalLoss({
      ...cf,
      fromLogits: true,
      activation: 'sigmoid',
      normalized: true,
      reducedThreshold: 0.4,
      classWeights: [1, 2, 3],
    }),
    X.onehot,
    X.logits,
  ],
  [
    'diceCELoss label map, smoothing, weights',
    diceCELoss({ ...cf, fromLogits: true, labelSmoothing: 0.1, ceWeights: [1, 2, 0.5] }),
    X.labels,
    X.logits,
  ],
  [
    'diceCELoss dense, jaccard',
    diceCELoss({ ...cf, fromLogits: true, jaccard: true, lambdaCE: 0.5 }),
    X.onehot,
    X.logits,
  ],
  [
    'diceCELoss one channel (BCE)',
    diceCELoss({ ...cf, fromLogits: true, ceWeights: 2 }),
    binGt,
    binary.logits,
  ],
  [
    'diceFocalLoss',
    diceFocalLoss({ ...cf, fromLogits: true, gamma: 2, alpha: 0.25, lambdaFocal: 2 }),
    X.onehot,
    X.logits,
  ],
  ['generalizedDiceFocalLoss', generalizedDiceFocalLoss({ ...cf, fromLogits: true }), X.onehot, X.logits],
  ['lovaszSoftmaxLoss', lovaszSoftmaxLoss({ ...cf }), X.labels, X.probs],
  [
    'lovaszSoftmaxLoss per image, all classes, logits',
    lovaszSoftmaxLoss({ ...cf, perImage: true, classes: 'all', fromLogits: true }),
    X.onehot,
    X.logits,
  ],
  ['lovaszHingeLoss', lovaszHingeLoss({ ...cf }), binGt, binary.logits],
  ['lovaszHingeLoss over the batch', lovaszHingeLoss({ ...cf, perImage: false }), binGt, binary.logits],
];

describe('closed-form gradients match central differences', () => {
  it.each(cases)('%s', (_name, loss, gt, pr) => {
    expect(fdError(loss, gt, pr)).toBeLessThan(2e-5);
  });
});

describe('from logits of ±1e4: no NaN, no Infinity', () => {
  const big: NdArray = { data: X.logits.data.map((v) => (v > 0 ? 1e4 : -1e4)), shape: X.logits.shape };
  const bigBin: NdArray = {
    data: binary.logits.data.map((v) => (v > 0 ? 1e4 : -1e4)),
    shape: binary.logits.shape,
  };
  const fromLogits: Case[] = cases.filter(([n]) =>
    /logits|fromLogits|CELoss|FocalLoss|Lovasz|lovasz|smp|sigmoid/i.test(n),
  );
  it.each(fromLogits)('%s', (_name, loss, gt, pr) => {
    const input = pr.shape[1] === 1 ? bigBin : big;
    if (pr !== X.logits && pr !== binary.logits && pr !== toLast(X.logits)) return;
    const r = loss.valueAndGrad(gt, input);
    expect(Number.isFinite(r.value)).toBe(true);
    expect(r.grad.every(Number.isFinite)).toBe(true);
  });
});
