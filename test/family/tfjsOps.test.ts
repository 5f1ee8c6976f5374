/**
 * The op path of the segkit/tfjs loss family (what `webgl` / `webgpu` run: TF.js ops, nothing read back),
 * forced on the Node `cpu` backend: every loss's value and gradient equal the core's, on the family reference
 * vectors (mapped by ./adapters.ts, as the core's own vector test maps them) and on a seeded grid of every
 * option the core supports.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as core from '../../src/core/losses/index.js';
import type { Loss } from '../../src/core/loss.js';
import type { NdArray } from '../../src/core/types.js';
import * as segkitTf from '../../src/tfjs/index.js';
import { setComputePath } from '../../src/tfjs/fromCore.js';
import type { TfLoss } from '../../src/tfjs/types.js';
import { gradMismatch, loadVectors } from '../helpers/vectors.js';
import { useBackend } from '../tfjs/setup.js';
import { adaptMonai, adaptSmp, monaiRegionOptions } from './adapters.js';
import { DECLINED } from './declined.js';
import { calls } from './recording.js';
import { inputs, rng } from './helpers.js';

// Which core factory (and options) built each loss the adapters return: the TF.js factory of the same name
// is then called with the same options.
vi.mock('../../src/core/losses/index.js', async (importOriginal) =>
  (await import('./recording.js')).recording(await importOriginal()),
);
vi.mock('../../src/core/losses/focalLoss.js', async (importOriginal) =>
  (await import('./recording.js')).recording(await importOriginal()),
);

const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const TF = segkitTf as unknown as Record<string, (o?: unknown) => TfLoss>;

/** The op path's value and gradient of `tfLoss` on `(gt, pr)` (float32 tensors of the same data). */
function opsValueAndGrad(tfLoss: TfLoss, gt: NdArray, pr: NdArray): { value: number; grad: Float32Array } {
  return tf.tidy(() => {
    const g = tf.tensor(f32(gt.data), [...gt.shape]);
    const p = tf.tensor(f32(pr.data), [...pr.shape]);
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tfLoss(g, x))(p);
    return { value: value.dataSync()[0], grad: grad.dataSync() as Float32Array };
  });
}

/** Relative value tolerance and gradient tolerance (of the largest magnitude): float32 sums in TF.js. */
const VTOL = 2e-5;
const GTOL = 2e-5;

/** null when the op path equals the core on (gt, pr), else what differs. */
function compare(coreLoss: Loss, tfLoss: TfLoss, gt: NdArray, pr: NdArray): string | null {
  const g32 = { data: f32(gt.data), shape: gt.shape };
  const p32 = { data: f32(pr.data), shape: pr.shape };
  let want: { value: number; grad: Float32Array };
  try {
    want = coreLoss.valueAndGrad(g32, p32);
  } catch {
    // A data error the core reports (a bad label): the op path cannot read the data, it must not give a number.
    const got = opsValueAndGrad(tfLoss, gt, pr);
    return Number.isFinite(got.value) ? `core threw, op path gave ${got.value}` : null;
  }
  const got = opsValueAndGrad(tfLoss, gt, pr);
  const same = Object.is(got.value, want.value) || (Number.isNaN(want.value) && Number.isNaN(got.value));
  if (!same && !(Math.abs(got.value - want.value) <= 1e-6 + VTOL * Math.abs(want.value))) {
    return `value ${got.value} ≠ ${want.value}`;
  }
  const bad = gradMismatchNaN(got.grad, want.grad);
  return bad < 0 ? null : `grad[${bad}] ${got.grad[bad]} ≠ ${want.grad[bad]}`;
}

/**
 * {@link gradMismatch} (tolerance GTOL of the largest finite magnitude) where a NaN or ±∞ of the core (a class
 * whose score is 0/0 or log 0) must be the same non-finite value on the op path.
 */
function gradMismatchNaN(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return 0;
  const finite = Array.from(want, (v) => (Number.isFinite(v) ? v : 0));
  for (let i = 0; i < want.length; i++) {
    if (!Number.isFinite(want[i]) && !Object.is(got[i], want[i])) {
      if (!(Number.isNaN(want[i]) && Number.isNaN(got[i]))) return i;
    }
  }
  const g = Array.from(got, (v, i) => (Number.isFinite(want[i]) ? v : 0));
  return gradMismatch(g, finite, GTOL);
}

beforeAll(async () => {
  await useBackend('cpu');
  setComputePath('ops');
});
afterAll(() => {
  setComputePath('auto');
});

/**
 * Family vector files whose losses have an op path, and how many of their cases map onto it (pinned). Five MONAI
 * cases are declined (test/family/declined.ts: MONAI scores one-channel logits as probabilities), hence 23, 21,
 * 30 and 21 below.
 */
const FILES: ['monai' | 'smp', string, number][] = [
  // MONAI's other cases use reduction 'none' (per-class terms, not a scalar loss).
  ['monai', 'DiceLoss', 32],
  ['monai', 'GeneralizedDiceLoss', 23],
  ['monai', 'TverskyLoss', 21],
  ['smp', 'DiceLoss', 36],
  ['smp', 'JaccardLoss', 30],
  ['smp', 'TverskyLoss', 30],
  ['monai', 'FocalLoss', 27],
  ['smp', 'FocalLoss', 19],
  ['monai', 'DiceCELoss', 30],
  ['monai', 'DiceFocalLoss', 21],
  ['monai', 'GeneralizedDiceFocalLoss', 22],
  ['smp', 'MCCLoss', 20],
  ['smp', 'SoftCrossEntropyLoss', 19],
  ['smp', 'SoftBCEWithLogitsLoss', 19],
  ['smp', 'LovaszLoss', 32],
];

describe.each(FILES)('op path: %s/%s reference vectors', (folder, name, pinned) => {
  it('every mapped case gives the core value and gradient', () => {
    const file = loadVectors(folder, name);
    const failures: string[] = [];
    let mapped = 0;
    for (const c of file.cases) {
      if (DECLINED[`${folder}/${c.id}`]) continue;
      const a = folder === 'monai' ? adaptMonai(name, c) : adaptSmp(name, c);
      if (!('loss' in a) || a.none) continue; // declined, or MONAI's reduction 'none' (terms, not a loss)
      const call = calls.get(a.loss);
      if (!call) continue;
      const [factory, options] = call;
      mapped++;
      let msg: string | null;
      try {
        msg = compare(a.loss, TF[factory](options), a.gt, a.pr);
      } catch (err) {
        msg = `threw ${(err as Error).message}`;
      }
      if (msg !== null) failures.push(`${c.id}: ${msg} ${JSON.stringify(options)}`);
    }
    console.log(`op path ${folder}/${name}: ${mapped} of ${file.case_count} cases mapped`);
    expect(failures).toEqual([]);
    expect(mapped).toBe(pinned);
  });
});

/** Seeded inputs of every target form the family accepts, channels-first `[N, C, H, W]` or channels-last. */
function gridInputs(
  seed: number,
  N: number,
  C: number,
  layout: 'channelsFirst' | 'channelsLast',
  targets: 'onehot' | 'labels' | 'labels-ignore' | 'dense-ignore',
  logits: boolean,
  empty: boolean,
): { gt: NdArray; pr: NdArray; ignoreIndex?: number } {
  const [H, W] = [3, 4];
  const X = inputs(seed, [N, C, H, W], empty ? C - 1 : -1);
  const r = rng(seed + 1);
  const P = H * W;
  const toLast = (a: ArrayLike<number>) => {
    const out = new Float64Array(a.length);
    for (let b = 0; b < N; b++)
      for (let c = 0; c < C; c++)
        for (let s = 0; s < P; s++) out[(b * P + s) * C + c] = a[(b * C + c) * P + s];
    return out;
  };
  const shape = layout === 'channelsFirst' ? [N, C, H, W] : [N, H, W, C];
  const lay = (a: ArrayLike<number>) => (layout === 'channelsFirst' ? Float64Array.from(a) : toLast(a));
  const pr = { data: lay(logits ? X.logits.data : X.probs.data), shape };
  if (targets === 'onehot') return { gt: { data: lay(X.onehot.data), shape }, pr };
  if (targets === 'dense-ignore') {
    const g = lay(X.onehot.data).map((v) => (r() < 0.15 ? -1 : v));
    return { gt: { data: g, shape }, pr, ignoreIndex: -1 };
  }
  const labels = Float64Array.from(X.labels.data);
  if (targets === 'labels-ignore') for (let i = 0; i < labels.length; i++) if (r() < 0.2) labels[i] = 255;
  return {
    gt: { data: labels, shape: [N, H, W] },
    pr,
    ...(targets === 'labels-ignore' ? { ignoreIndex: 255 } : {}),
  };
}

/** The layout and target form of the grids' inputs. */
const inputArbs = {
  layout: fc.constantFrom('channelsFirst' as const, 'channelsLast' as const),
  targets: fc.constantFrom(
    'onehot' as const,
    'labels' as const,
    'labels-ignore' as const,
    'dense-ignore' as const,
  ),
};

const LOSSES = ['diceLoss', 'jaccardLoss', 'tverskyLoss', 'generalizedDiceLoss', 'logCoshDiceLoss'] as const;

const gridArb = fc.record({
  seed: fc.integer({ min: 1, max: 1e6 }),
  loss: fc.constantFrom(...LOSSES),
  N: fc.integer({ min: 1, max: 3 }),
  C: fc.integer({ min: 1, max: 4 }),
  ...inputArbs,
  empty: fc.boolean(),
  preset: fc.constantFrom('segmentation_models' as const, 'smp' as const, 'monai' as const),
  fromLogits: fc.boolean(),
  sigmoid: fc.boolean(),
  form: fc.constantFrom('plain', 'squared', 'softLabel'),
  logLoss: fc.boolean(),
  weights: fc.boolean(),
  classWeightMode: fc.constantFrom(undefined, 'score' as const, 'loss' as const, 'normalized' as const),
  emptyClass: fc.constantFrom(undefined, 'formula' as const, 'zero' as const, 'skip' as const),
  includeBackground: fc.boolean(),
  perImage: fc.boolean(),
  smooth: fc.constantFrom(undefined, 0, 1e-5, 1),
  eps: fc.constantFrom(undefined, 0, 1e-4),
  reduction: fc.constantFrom('mean' as const, 'sum' as const),
  alpha: fc.constantFrom(0.3, 0.5, 1),
  beta: fc.constantFrom(0.5, 0.7, 2),
  gamma: fc.constantFrom(1, 0.75, 2),
  gammaOn: fc.constantFrom(undefined, 'class' as const, 'mean' as const),
  weightType: fc.constantFrom('square' as const, 'simple' as const, 'uniform' as const),
  absentWeight: fc.constantFrom('max' as const, 'zero' as const),
});

type Grid = typeof gridArb extends fc.Arbitrary<infer T> ? T : never;

/** The options of `g` that its loss accepts (the generalized Dice refuses the weight-like keys). */
function optionsOf(g: Grid, ignoreIndex: number | undefined): Record<string, unknown> {
  const o: Record<string, unknown> = {
    preset: g.preset,
    layout: g.layout,
    fromLogits: g.fromLogits,
    includeBackground: g.includeBackground,
    perImage: g.perImage,
    reduction: g.reduction,
  };
  if (g.fromLogits && g.sigmoid) o.activation = 'sigmoid';
  if (ignoreIndex !== undefined) o.ignoreIndex = ignoreIndex;
  if (g.form === 'squared' && g.loss !== 'generalizedDiceLoss') o.squared = true;
  if (g.form === 'softLabel') o.softLabel = true;
  if (g.smooth !== undefined) o.smooth = g.smooth;
  if (g.loss === 'generalizedDiceLoss')
    return { ...o, weightType: g.weightType, absentWeight: g.absentWeight };
  if (g.logLoss) o.logLoss = true;
  if (g.weights) o.classWeights = 0.5;
  if (g.classWeightMode) o.classWeightMode = g.classWeightMode;
  if (g.emptyClass) o.emptyClass = g.emptyClass;
  if (g.eps !== undefined) o.eps = g.eps;
  if (g.loss === 'diceLoss' || g.loss === 'logCoshDiceLoss') o.beta = g.beta;
  if (g.loss === 'tverskyLoss') {
    Object.assign(o, { alpha: g.alpha, beta: g.beta, gamma: g.gamma });
    if (g.gammaOn) o.gammaOn = g.gammaOn;
  }
  return o;
}

describe('op path: a seeded grid of every region-family option', () => {
  it('value and gradient equal the core for every combination drawn (fast-check, 300 runs)', () => {
    let compared = 0;
    fc.assert(
      fc.property(gridArb, (g) => {
        // A label map needs C > 1 (or labels 0/1 with C = 1, which the inputs give).
        const { gt, pr, ignoreIndex } = gridInputs(
          g.seed,
          g.N,
          g.C,
          g.layout,
          g.targets,
          g.fromLogits,
          g.empty,
        );
        const options = optionsOf(g, ignoreIndex);
        const coreLoss = (core as unknown as Record<string, (o: unknown) => Loss>)[g.loss](options);
        const msg = compare(coreLoss, TF[g.loss](options), gt, pr);
        compared++;
        if (msg !== null) throw new Error(`${msg} ${JSON.stringify(options)}`);
      }),
      { seed: 20261204, numRuns: 300 },
    );
    expect(compared).toBe(300);
  });
});

const focalArb = fc.record({
  seed: fc.integer({ min: 1, max: 1e6 }),
  loss: fc.constantFrom('focalLoss', 'diceCELoss', 'diceFocalLoss', 'generalizedDiceFocalLoss'),
  N: fc.integer({ min: 1, max: 2 }),
  C: fc.integer({ min: 1, max: 4 }),
  ...inputArbs,
  preset: fc.constantFrom('segmentation_models' as const, 'smp' as const, 'monai' as const),
  fromLogits: fc.boolean(),
  activation: fc.constantFrom(undefined, 'softmax' as const, 'sigmoid' as const),
  gamma: fc.constantFrom(0, 0.5, 1, 2),
  alpha: fc.constantFrom(undefined, null, 0.25, 'array'),
  weights: fc.boolean(),
  includeBackground: fc.boolean(),
  variant: fc.constantFrom('none', 'normalized', 'reduced'),
  reduction: fc.constantFrom('mean' as const, 'sum' as const),
  jaccard: fc.boolean(),
  lambda: fc.constantFrom(0, 0.5, 1),
  labelSmoothing: fc.constantFrom(0, 0.1),
});

describe('op path: a seeded grid of the focal loss and the compounds', () => {
  it('value and gradient equal the core for every combination drawn (fast-check, 300 runs)', () => {
    let compared = 0;
    fc.assert(
      fc.property(focalArb, (g) => {
        const logits = g.loss !== 'focalLoss' || g.fromLogits;
        const { gt, pr, ignoreIndex } = gridInputs(g.seed, g.N, g.C, g.layout, g.targets, logits, false);
        const o: Record<string, unknown> = {
          preset: g.preset,
          layout: g.layout,
          includeBackground: g.includeBackground,
          reduction: g.reduction,
        };
        if (ignoreIndex !== undefined) o.ignoreIndex = ignoreIndex;
        const alpha = g.alpha === 'array' ? Array.from({ length: g.C }, (_, c) => 0.2 + 0.1 * c) : g.alpha;
        if (g.loss === 'focalLoss') {
          Object.assign(o, { fromLogits: g.fromLogits, gamma: g.gamma });
          if (g.activation) o.activation = g.activation;
          if (alpha !== undefined) o.alpha = alpha;
          if (g.weights) o.classWeights = 0.5;
          if (g.variant === 'normalized') o.normalized = true;
          if (g.variant === 'reduced') o.reducedThreshold = 0.5;
        } else if (g.loss === 'diceCELoss') {
          Object.assign(o, { fromLogits: true, jaccard: g.jaccard, lambdaDice: g.lambda });
          Object.assign(o, { labelSmoothing: g.labelSmoothing, ceWeights: g.weights ? 2 : 1 });
        } else {
          Object.assign(o, { fromLogits: true, gamma: g.gamma, lambdaFocal: g.lambda });
          if (g.activation) o.focalActivation = g.activation;
          if (typeof alpha === 'number') o.alpha = alpha;
          if (g.loss === 'diceFocalLoss') o.jaccard = g.jaccard;
          if (g.loss === 'generalizedDiceFocalLoss' && g.weights) o.focalWeights = 0.5;
        }
        const coreLoss = (core as unknown as Record<string, (o: unknown) => Loss>)[g.loss](o);
        const msg = compare(coreLoss, TF[g.loss](o), gt, pr);
        compared++;
        if (msg !== null) throw new Error(`${msg} ${JSON.stringify(o)}`);
      }),
      { seed: 20261205, numRuns: 300 },
    );
    expect(compared).toBe(300);
  });
});

const lovaszArb = fc.record({
  seed: fc.integer({ min: 1, max: 1e6 }),
  hinge: fc.boolean(),
  N: fc.integer({ min: 1, max: 3 }),
  C: fc.integer({ min: 1, max: 4 }),
  ...inputArbs,
  fromLogits: fc.boolean(),
  perImage: fc.boolean(),
  classes: fc.constantFrom('present' as const, 'all' as const, 'list'),
});

describe('op path: a seeded grid of the Lovász-Softmax and Lovász hinge options', () => {
  it('value and gradient equal the core for every combination drawn (fast-check, 150 runs)', () => {
    let compared = 0;
    fc.assert(
      fc.property(lovaszArb, (g) => {
        // The hinge takes one channel of logits with 0/1 targets.
        const C = g.hinge ? 1 : g.C;
        const targets = g.hinge && g.targets === 'dense-ignore' ? 'onehot' : g.targets;
        const logits = g.hinge || g.fromLogits;
        const { gt, pr, ignoreIndex } = gridInputs(g.seed, g.N, C, g.layout, targets, logits, false);
        const o: Record<string, unknown> = { layout: g.layout, perImage: g.perImage };
        if (ignoreIndex !== undefined) o.ignoreIndex = ignoreIndex;
        if (!g.hinge) {
          o.fromLogits = g.fromLogits;
          o.classes = g.classes === 'list' ? [C - 1, 0] : g.classes;
        }
        const name = g.hinge ? 'lovaszHingeLoss' : 'lovaszSoftmaxLoss';
        const coreLoss = (core as unknown as Record<string, (o: unknown) => Loss>)[name](o);
        const msg = compare(coreLoss, TF[name](o), gt, pr);
        compared++;
        if (msg !== null) throw new Error(`${msg} ${JSON.stringify(o)}`);
      }),
      { seed: 20261206, numRuns: 150 },
    );
    expect(compared).toBe(150);
  });
});

describe('op path: data errors, leaks and training', () => {
  const X = inputs(5, [2, 3, 4, 4]);

  it('a label that is no class index makes the loss NaN (the core throws; the op path reads no data)', () => {
    const labels = Float32Array.from(X.labels.data);
    labels[7] = 3; // C = 3: labels are 0..2
    const gt = tf.tensor(labels, [...X.labels.shape]);
    const pr = tf.tensor(f32(X.logits.data), [...X.logits.shape]);
    const o = { preset: 'monai' as const, fromLogits: true };
    expect(() =>
      core
        .diceLoss(o)
        .value({ data: labels, shape: X.labels.shape }, { data: f32(X.logits.data), shape: X.logits.shape }),
    ).toThrow(/diceLoss: gt labels must be integers in \[0, 2\]; got 3/);
    const v = tf.tidy(() => segkitTf.diceLoss(o)(gt, pr).dataSync()[0]);
    expect(v).toBeNaN();
    tf.dispose([gt, pr]);
  });

  const LEAK_CASES: [string, Record<string, unknown>, 'labels' | 'onehot', 'logits' | 'probs'][] = [
    ...LOSSES.map((l): [string, Record<string, unknown>, 'labels', 'logits'] => [
      l,
      { preset: 'monai', fromLogits: true, ignoreIndex: 255 },
      'labels',
      'logits',
    ]),
    ['focalLoss', { preset: 'smp', normalized: true }, 'onehot', 'logits'],
    ['diceCELoss', { preset: 'monai', fromLogits: true }, 'labels', 'logits'],
    ['diceFocalLoss', { preset: 'monai', fromLogits: true }, 'labels', 'logits'],
    ['generalizedDiceFocalLoss', { preset: 'monai', fromLogits: true }, 'labels', 'logits'],
    ['lovaszSoftmaxLoss', { layout: 'channelsFirst', fromLogits: true }, 'labels', 'logits'],
    ['lovaszLoss', { mode: 'multilabel' }, 'onehot', 'logits'],
    ['mccLoss', {}, 'onehot', 'probs'],
    ['softCrossEntropyLoss', { smoothFactor: 0.1 }, 'labels', 'logits'],
    ['softBCEWithLogitsLoss', { smoothFactor: 0.1 }, 'onehot', 'logits'],
  ];

  it.each(LEAK_CASES)(
    '%s: value and gradient leave tf.memory().numTensors unchanged',
    (name, options, target, input) => {
      const gt = tf.tensor(f32(X[target].data), [...X[target].shape]);
      const pr = tf.tensor(f32(X[input].data), [...X[input].shape]);
      const loss = TF[name](options);
      const before = tf.memory().numTensors;
      const { value, grad } = tf.valueAndGrad((p: tf.Tensor) => loss(gt, p))(pr);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      expect(tf.memory().numTensors).toBe(before + 2);
      tf.dispose([value, grad, gt, pr]);
    },
  );

  it('optimizer steps on the op path lower the focal Tversky loss', () => {
    const gt = tf.tensor(f32(X.labels.data), [...X.labels.shape]);
    const x = tf.variable(tf.tensor(f32(X.logits.data), [...X.logits.shape]));
    const loss = segkitTf.tverskyLoss({
      preset: 'monai',
      fromLogits: true,
      alpha: 0.3,
      beta: 0.7,
      gamma: 0.75,
    });
    const optimizer = tf.train.sgd(1);
    const first = tf.tidy(() => loss(gt, x).dataSync()[0]);
    for (let i = 0; i < 10; i++) optimizer.minimize(() => loss(gt, x), false);
    const last = tf.tidy(() => loss(gt, x).dataSync()[0]);
    expect(last).toBeLessThan(first - 0.01);
    tf.dispose([gt, x]);
    optimizer.dispose();
  });
});

describe('maskedDiceLoss: the mask as the last channel of yTrue', () => {
  it.each(['ops', 'core'] as const)(
    'every MONAI MaskedDiceLoss vector (scalar reductions) gives the core value and gradient on the %s path',
    (path) => {
      setComputePath(path);
      const file = loadVectors('monai', 'MaskedDiceLoss');
      const failures: string[] = [];
      let compared = 0;
      for (const c of file.cases) {
        if (c.options.reduction === 'none') continue;
        const C = c.pr.shape[1];
        const options = { ...monaiRegionOptions(c.options, C), jaccard: Boolean(c.options.jaccard) };
        const m = c.extra_inputs!.mask;
        const [N, , ...sp] = c.pr.shape;
        const maskNd = { data: Float32Array.from(m.data), shape: m.shape };
        const coreLoss = core.maskedDiceLoss(options).withMask(maskNd);
        const gt32 = { data: f32(c.gt.data), shape: c.gt.shape };
        const pr32 = { data: f32(c.pr.data), shape: c.pr.shape };
        let want: { value: number; grad: Float32Array };
        try {
          want = coreLoss.valueAndGrad(gt32, pr32);
        } catch {
          continue; // a case the core rejects (checked by the core's vector test)
        }
        const got = tf.tidy(() => {
          const dense = c.gt.shape.length === c.pr.shape.length;
          const gt = tf.tensor(gt32.data, dense ? c.gt.shape : [N, 1, ...sp]);
          const mask = tf.broadcastTo(tf.reshape(tf.tensor(maskNd.data, m.shape), [m.shape[0], 1, ...sp]), [
            N,
            1,
            ...sp,
          ]);
          const yTrue = tf.concat([gt, mask], 1);
          const pr = tf.tensor(pr32.data, c.pr.shape);
          const { value, grad } = tf.valueAndGrad((p: tf.Tensor) =>
            segkitTf.maskedDiceLoss(options)(yTrue, p),
          )(pr);
          return { value: value.dataSync()[0], grad: grad.dataSync() as Float32Array };
        });
        compared++;
        const bad = gradMismatchNaN(got.grad, want.grad);
        if (!(Math.abs(got.value - want.value) <= 1e-6 + VTOL * Math.abs(want.value)) || bad >= 0) {
          failures.push(
            `${c.id}: value ${got.value} vs ${want.value}, grad[${bad}] ${JSON.stringify(options)}`,
          );
        }
      }
      setComputePath('ops');
      expect(failures).toEqual([]);
      expect(compared).toBe(22);
    },
  );

  it('rejects a yTrue without the mask channel, naming both shapes', () => {
    const yTrue = tf.zeros([1, 3, 2, 2]);
    const yPred = tf.zeros([1, 3, 2, 2]);
    expect(() => segkitTf.maskedDiceLoss()(yTrue, yPred)).toThrow(
      /maskedDiceLoss: yTrue must hold the targets and the mask as its last channel, shape \[1,4,2,2\] \(or 2 channels: label, mask\); got \[1,3,2,2\] for yPred \[1,3,2,2\]\./,
    );
    tf.dispose([yTrue, yPred]);
  });
});
