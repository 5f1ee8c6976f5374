/** Properties of the loss family (fast-check, seeded). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NdArray } from '../../src/core/types.js';
import { fScore, iouScore, precision, recall } from '../../src/core/metrics/index.js';
import {
  diceLoss,
  focalLoss,
  generalizedDiceFocalLoss,
  generalizedDiceLoss,
  jaccardLoss,
  lovaszHingeLoss,
  lovaszSoftmaxLoss,
  tverskyLoss,
} from '../../src/core/losses/index.js';
import { inputs, toLast } from './helpers.js';

const cf = { layout: 'channelsFirst' as const };
const params = { seed: 20261128, numRuns: 40 };
const shapeArb = fc.record({
  seed: fc.integer({ min: 1, max: 1e6 }),
  N: fc.integer({ min: 1, max: 3 }),
  C: fc.integer({ min: 2, max: 4 }),
  H: fc.integer({ min: 1, max: 5 }),
  W: fc.integer({ min: 2, max: 5 }),
});

function near(a: number, b: number, tol = 1e-9): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

function hard(x: NdArray): NdArray {
  return { data: x.data.map((v) => (v > 0.5 ? 1 : 0)), shape: x.shape };
}

describe('loss family properties', () => {
  it('tverskyLoss(α = ½, β = ½) equals the Dice loss (smooth 0; smp preset with any smooth)', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const X = inputs(seed, [N, C, H, W]);
        const t = tverskyLoss({ ...cf, smooth: 0, alpha: 0.5, beta: 0.5 }).value(X.onehot, X.probs);
        const d = diceLoss({ ...cf, smooth: 0, reduction: 'mean' }).value(X.onehot, X.probs);
        const ts = tverskyLoss({ ...cf, preset: 'smp', smooth: 1 }).value(X.labels, X.logits);
        const ds = diceLoss({ ...cf, preset: 'smp', smooth: 1 }).value(X.labels, X.logits);
        return near(t, d) && near(ts, ds);
      }),
      params,
    );
  });

  it('tverskyLoss(α = 1, β = 1) equals the Jaccard loss', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const X = inputs(seed, [N, C, H, W]);
        const t = tverskyLoss({ ...cf, alpha: 1, beta: 1, fromLogits: true }).value(X.onehot, X.logits);
        const j = jaccardLoss({ ...cf, fromLogits: true }).value(X.onehot, X.logits);
        return near(t, j);
      }),
      params,
    );
  });

  it('generalized Dice with uniform weights equals the Dice loss of the pooled classes', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const X = inputs(seed, [N, C, H, W]);
        const pooled = (a: NdArray): NdArray => ({ data: a.data, shape: [N, 1, C * H * W] });
        const g = generalizedDiceLoss({ ...cf, weightType: 'uniform', perImage: true }).value(
          X.onehot,
          X.probs,
        );
        const d = diceLoss({ ...cf, perImage: true }).value(pooled(X.onehot), pooled(X.probs));
        return near(g, d);
      }),
      params,
    );
  });

  it('squared equals plain on hard masks', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const X = inputs(seed, [N, C, H, W]);
        const pr = hard(X.probs);
        return near(
          diceLoss({ ...cf, squared: true }).value(X.onehot, pr),
          diceLoss({ ...cf, reduction: 'mean' }).value(X.onehot, pr),
        );
      }),
      params,
    );
  });

  it('softLabel equals plain on hard targets, values and gradients', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const X = inputs(seed, [N, C, H, W]);
        const a = jaccardLoss({ ...cf, softLabel: true }).valueAndGrad(X.onehot, X.probs);
        const b = jaccardLoss({ ...cf, reduction: 'mean' }).valueAndGrad(X.onehot, X.probs);
        return near(a.value, b.value) && a.grad.every((v, i) => Math.abs(v - b.grad[i]) <= 1e-6);
      }),
      params,
    );
  });

  it('focalLoss with γ = 0 and α = ½ is half the binary cross-entropy', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const X = inputs(seed, [N, C, H, W]);
        const f = focalLoss({ ...cf, activation: 'sigmoid', gamma: 0, alpha: 0.5 }).value(X.onehot, X.probs);
        let bce = 0;
        X.probs.data.forEach((p, i) => {
          const t = X.onehot.data[i];
          bce -= (t * Math.log(p) + (1 - t) * Math.log(1 - p)) / X.probs.data.length;
        });
        return near(f, 0.5 * bce, 1e-12);
      }),
      params,
    );
  });

  it('the general path with sm defaults equals the sm path (values and gradients)', () => {
    fc.assert(
      fc.property(shapeArb, fc.boolean(), ({ seed, N, C, H, W }, perImage) => {
        const X = inputs(seed, [N, C, H, W]);
        const w = Array.from({ length: C }, (_, k) => 0.5 + k);
        const opts = { ...cf, beta: 2, perImage, classWeights: w };
        const a = diceLoss({ ...opts, reduction: 'mean' }).valueAndGrad(X.onehot, X.probs);
        const b = diceLoss(opts).valueAndGrad(X.onehot, X.probs);
        return near(a.value, b.value, 1e-7) && a.grad.every((v, i) => Math.abs(v - b.grad[i]) <= 1e-6);
      }),
      params,
    );
  });

  it('channelsFirst equals channelsLast transposed (label maps, logits, ignoreIndex)', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const X = inputs(seed, [N, C, H, W]);
        const a = tverskyLoss({ ...cf, fromLogits: true, alpha: 0.3, beta: 0.7 }).valueAndGrad(
          X.labels,
          X.logits,
        );
        const b = tverskyLoss({ fromLogits: true, alpha: 0.3, beta: 0.7 }).valueAndGrad(
          X.labels,
          toLast(X.logits),
        );
        const ga = toLast({ data: a.grad, shape: X.logits.shape }).data;
        return near(a.value, b.value) && b.grad.every((v, i) => Math.abs(v - ga[i]) <= 1e-7);
      }),
      params,
    );
  });

  it('a perfect prediction has Dice loss 0 and the scores stay in [0, 1]', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const X = inputs(seed, [N, C, H, W]);
        const perfect = diceLoss({ ...cf, reduction: 'mean', smooth: 0, emptyClass: 'skip' }).value(
          X.onehot,
          X.onehot,
        );
        const v = diceLoss({ ...cf, fromLogits: true }).value(X.labels, X.logits);
        return Math.abs(perfect) < 1e-12 && v >= 0 && v <= 1;
      }),
      params,
    );
  });
});

describe('empty-class policy', () => {
  const X = inputs(11, [1, 3, 4, 4], 2);
  it("'zero' gives an absent class loss 0 but counts it; 'skip' leaves it out; 'formula' lets smoothing decide", () => {
    const l = (emptyClass: 'zero' | 'skip' | 'formula') =>
      (
        diceLoss({ ...cf, emptyClass, smooth: 1e-5 }) as unknown as {
          terms: (g: NdArray, p: NdArray) => number[][];
        }
      ).terms(X.onehot, X.probs)[0];
    expect(l('zero')[2]).toBe(0);
    expect(l('formula')[2]).toBeGreaterThan(0.99);
    const zero = diceLoss({ ...cf, emptyClass: 'zero' }).value(X.onehot, X.probs);
    const skip = diceLoss({ ...cf, emptyClass: 'skip' }).value(X.onehot, X.probs);
    expect(zero).toBeCloseTo((skip * 2) / 3, 12);
  });
});

describe('fScore, iouScore, precision and recall on the general path', () => {
  it('equal the sm path with sm defaults (value, perClass, threshold; precision and recall too)', () => {
    fc.assert(
      fc.property(shapeArb, fc.boolean(), ({ seed, N, C, H, W }, perImage) => {
        const X = inputs(seed, [N, C, H, W]);
        const base = { ...cf, perImage, beta: 2, threshold: 0.4 };
        const a = fScore({ ...base, reduction: 'mean' });
        const b = fScore(base);
        const pa = a.perClass(X.onehot, X.probs);
        const pb = b.perClass(X.onehot, X.probs);
        const ia = iouScore({ ...cf, perImage, reduction: 'mean' }).value(X.onehot, X.probs);
        const ib = iouScore({ ...cf, perImage }).value(X.onehot, X.probs);
        const same = [precision, recall].every((m) =>
          near(
            m({ ...cf, perImage, threshold: 0.3, reduction: 'mean' }).value(X.onehot, X.probs),
            m({ ...cf, perImage, threshold: 0.3 }).value(X.onehot, X.probs),
          ),
        );
        return (
          near(a.value(X.onehot, X.probs), b.value(X.onehot, X.probs)) &&
          pa.every((v, k) => near(v, pb[k])) &&
          near(ia, ib) &&
          same &&
          a.name === 'f2-score'
        );
      }),
      params,
    );
  });

  it('from logits and label maps equal softmax probabilities and one-hot targets', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const X = inputs(seed, [N, C, H, W]);
        const a = iouScore({ ...cf, fromLogits: true }).value(X.labels, X.logits);
        const b = iouScore(cf).value(X.onehot, X.probs);
        return near(a, b);
      }),
      params,
    );
  });

  it('iouScore with the MONAI preset is 1 − jaccardLoss for one class', () => {
    const X = inputs(3, [2, 1, 4, 4]);
    const gt = { data: X.onehot.data.map((_, i) => (i % 3 === 0 ? 1 : 0)), shape: X.onehot.shape };
    const iou = iouScore({ ...cf, preset: 'monai', fromLogits: true }).value(gt, X.logits);
    const loss = jaccardLoss({ ...cf, preset: 'monai', fromLogits: true }).value(gt, X.logits);
    expect(iou).toBeCloseTo(1 - loss, 12);
  });
});

describe('presets', () => {
  it("the PyTorch presets read [N, C, ...spatial] unless told otherwise; sm's reads [N, ...spatial, C]", () => {
    const X = inputs(4, [2, 3, 4, 5]);
    for (const preset of ['smp', 'monai'] as const) {
      const implicit = diceLoss({ preset, fromLogits: true }).value(X.labels, X.logits);
      const explicit = diceLoss({ preset, fromLogits: true, layout: 'channelsFirst' }).value(
        X.labels,
        X.logits,
      );
      expect(implicit).toBe(explicit);
      expect(focalLoss({ preset }).value(X.onehot, X.logits)).toBe(
        focalLoss({ preset, layout: 'channelsFirst' }).value(X.onehot, X.logits),
      );
    }
    const last = toLast(X.logits);
    expect(diceLoss({ fromLogits: true }).value(X.labels, last)).toBeCloseTo(
      diceLoss({ fromLogits: true, layout: 'channelsFirst' }).value(X.labels, X.logits),
      12,
    );
  });
});

describe('Lovász losses', () => {
  it('lovaszSoftmaxLoss on a hard prediction is the mean Jaccard loss of the present classes', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, N, C, H, W }) => {
        const X = inputs(seed, [N, C, H, W]);
        // hard prediction: argmax of the probabilities, one-hot
        const P = H * W;
        const hardPr = new Float64Array(X.probs.data.length);
        for (let b = 0; b < N; b++)
          for (let s = 0; s < P; s++) {
            let best = 0;
            for (let c = 1; c < C; c++)
              if (X.probs.data[(b * C + c) * P + s] > X.probs.data[(b * C + best) * P + s]) best = c;
            hardPr[(b * C + best) * P + s] = 1;
          }
        let sum = 0;
        let present = 0;
        for (let c = 0; c < C; c++) {
          let inter = 0;
          let union = 0;
          let G = 0;
          for (let b = 0; b < N; b++)
            for (let s = 0; s < P; s++) {
              const g = X.onehot.data[(b * C + c) * P + s];
              const p = hardPr[(b * C + c) * P + s];
              inter += g * p;
              union += Math.max(g, p);
              G += g;
            }
          if (G === 0) continue;
          present++;
          sum += 1 - inter / union;
        }
        const v = lovaszSoftmaxLoss(cf).value(X.onehot, { data: hardPr, shape: X.probs.shape });
        return near(v, sum / present, 1e-12);
      }),
      params,
    );
  });

  it('lovaszHingeLoss is 0 when every margin is at least 1', () => {
    const X = inputs(6, [2, 1, 4, 4]);
    const gt = { data: X.logits.data.map((v) => (v > 0 ? 1 : 0)), shape: X.logits.shape };
    const pr = { data: gt.data.map((g) => (g ? 2 : -2)), shape: X.logits.shape };
    const r = lovaszHingeLoss(cf).valueAndGrad(gt, pr);
    expect(r.value).toBe(0);
    expect(r.grad.every((v) => v === 0)).toBe(true);
  });
});

describe('compound losses', () => {
  it('generalizedDiceFocalLoss is λ₁·generalizedDiceLoss + λ₂·focalLoss (values and gradients)', () => {
    const X = inputs(12, [2, 3, 4, 4]);
    const o = { ...cf, fromLogits: true, perImage: true };
    const a = generalizedDiceFocalLoss({ ...o, lambdaGdl: 0.7, lambdaFocal: 1.3, gamma: 1.5 }).valueAndGrad(
      X.onehot,
      X.logits,
    );
    const g = generalizedDiceLoss(o).valueAndGrad(X.onehot, X.logits);
    const f = focalLoss({ ...cf, fromLogits: true, gamma: 1.5, alpha: null }).valueAndGrad(
      X.onehot,
      X.logits,
    );
    expect(a.value).toBeCloseTo(0.7 * g.value + 1.3 * f.value, 12);
    a.grad.forEach((v, i) => expect(v).toBeCloseTo(0.7 * g.grad[i] + 1.3 * f.grad[i], 6));
  });
});
