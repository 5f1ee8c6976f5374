import { describe, expect, it } from 'vitest';
import * as segkit from '../../src/index.js';
import {
  bceDiceLoss,
  bceJaccardLoss,
  binaryCrossentropy,
  binaryFocalDiceLoss,
  binaryFocalJaccardLoss,
  binaryFocalLoss,
  categoricalCrossentropy,
  categoricalFocalDiceLoss,
  categoricalFocalJaccardLoss,
  categoricalFocalLoss,
  cceDiceLoss,
  cceJaccardLoss,
  diceLoss,
  fScore,
  iouScore,
  jaccardLoss,
  precision,
  recall,
} from '../../src/index.js';
import { randomPair } from './random.js';

describe('public API of the sm core', () => {
  it('exports the fixed names', () => {
    const names = [
      'fScore',
      'iouScore',
      'precision',
      'recall',
      'diceLoss',
      'jaccardLoss',
      'binaryCrossentropy',
      'categoricalCrossentropy',
      'binaryFocalLoss',
      'categoricalFocalLoss',
      'bceDiceLoss',
      'bceJaccardLoss',
      'cceDiceLoss',
      'cceJaccardLoss',
      'binaryFocalDiceLoss',
      'binaryFocalJaccardLoss',
      'categoricalFocalDiceLoss',
      'categoricalFocalJaccardLoss',
      'ClassCounter',
      'classWeights',
    ];
    expect(Object.keys(segkit)).toEqual(expect.arrayContaining(names));
  });

  it('names losses and metrics as sm does, so Keras logs read the same', () => {
    expect([diceLoss.name, diceLoss({ beta: 2 }).name, jaccardLoss.name]).toEqual([
      'dice_loss',
      'dice_loss',
      'jaccard_loss',
    ]);
    expect([binaryCrossentropy.name, categoricalCrossentropy.name]).toEqual([
      'binary_crossentropy',
      'categorical_crossentropy',
    ]);
    expect([categoricalFocalLoss.name, binaryFocalLoss.name]).toEqual(['focal_loss', 'binary_focal_loss']);
    expect([fScore.name, fScore({ beta: 2 }).name, fScore({ beta: 0.5 }).name]).toEqual([
      'f1-score',
      'f2-score',
      'f0.5-score',
    ]);
    expect([iouScore.name, precision.name, recall.name]).toEqual(['iou_score', 'precision', 'recall']);
    expect(diceLoss.plus(categoricalFocalLoss).name).toBe('dice_loss_plus_focal_loss');
    expect(diceLoss.times(2).name).toBe('2dice_loss');
  });

  it('ships sm combinations under camelCase names with sm names', () => {
    expect(
      [
        bceDiceLoss,
        bceJaccardLoss,
        cceDiceLoss,
        cceJaccardLoss,
        binaryFocalDiceLoss,
        binaryFocalJaccardLoss,
        categoricalFocalDiceLoss,
        categoricalFocalJaccardLoss,
      ].map((l) => l.name),
    ).toEqual([
      'binary_crossentropy_plus_dice_loss',
      'binary_crossentropy_plus_jaccard_loss',
      'categorical_crossentropy_plus_dice_loss',
      'categorical_crossentropy_plus_jaccard_loss',
      'binary_focal_loss_plus_dice_loss',
      'binary_focal_loss_plus_jaccard_loss',
      'focal_loss_plus_dice_loss',
      'focal_loss_plus_jaccard_loss',
    ]);
  });

  it('a factory is also its default instance (diceLoss.value = diceLoss().value)', () => {
    const { gt, pr } = randomPair(1, [2, 3, 3, 3]);
    expect(diceLoss.value(gt, pr)).toBe(diceLoss().value(gt, pr));
    expect(fScore.perClass(gt, pr)).toEqual(fScore().perClass(gt, pr));
    expect(diceLoss({ beta: 2 }).value(gt, pr)).not.toBe(diceLoss.value(gt, pr));
  });

  it('sums and scaled losses add values and gradients', () => {
    const { gt, pr } = randomPair(2, [2, 3, 3, 3], { softmax: true });
    const a = cceDiceLoss.valueAndGrad(gt, pr);
    const c = categoricalCrossentropy.valueAndGrad(gt, pr);
    const d = diceLoss.valueAndGrad(gt, pr);
    expect(a.value).toBeCloseTo(c.value + d.value, 14);
    a.grad.forEach((g, i) => expect(g).toBeCloseTo(c.grad[i] + d.grad[i], 6));
    const t = jaccardLoss.times(3).valueAndGrad(gt, pr);
    expect(t.value).toBeCloseTo(3 * jaccardLoss.value(gt, pr), 14);
  });

  it('valueAndGrad returns a Float32Array gradient shaped like pr, zero on unselected channels', () => {
    const { gt, pr } = randomPair(3, [2, 2, 2, 3]);
    for (const loss of [
      diceLoss({ classIndexes: [0, 2] }),
      categoricalCrossentropy({ classIndexes: [0, 2] }),
      categoricalFocalLoss({ classIndexes: [0, 2] }),
    ]) {
      const { grad } = loss.valueAndGrad(gt, pr);
      expect(grad).toBeInstanceOf(Float32Array);
      expect(grad.length).toBe(pr.data.length);
      for (let i = 1; i < grad.length; i += 3) expect(grad[i]).toBe(0);
    }
  });
});
