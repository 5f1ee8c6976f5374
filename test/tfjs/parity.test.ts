/**
 * Option parity (issue 11, item 1): every factory of segkit/tfjs accepts exactly the options of its core
 * counterpart, gives the core's value (and gradient, for losses) with each of them, and rejects what the
 * core rejects with the core's message. The option keys are not listed here: they are read from the core
 * itself (the key list in its "options must only use the keys …" message, asked with and without a
 * loss-family option), so a key the core gains fails this test until it has a sample value below.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../src/index.js';
import * as segkit from '../../src/tfjs/index.js';
import { setComputePath } from '../../src/tfjs/fromCore.js';
import { close, gradMismatch } from '../helpers/vectors.js';
import { inputs } from '../family/helpers.js';
import { BACKEND_PATHS, useBackendPath } from './setup.js';

type AnyFactory = (options?: Record<string, unknown>) => unknown;

/** Every option factory of segkit/tfjs, by the name it shares with the core. */
const FACTORIES = [
  'diceLoss',
  'jaccardLoss',
  'fScore',
  'iouScore',
  'precision',
  'recall',
  'categoricalFocalLoss',
  'binaryFocalLoss',
  'categoricalCrossentropy',
  'binaryCrossentropy',
  'tverskyLoss',
  'generalizedDiceLoss',
  'logCoshDiceLoss',
  'focalLoss',
  'diceCELoss',
  'diceFocalLoss',
  'generalizedDiceFocalLoss',
  'lovaszSoftmaxLoss',
  'lovaszHingeLoss',
] as const;

/** One valid, non-default value per option key (C = 3 channels, channels-last, 2 images). */
const SAMPLES: Record<string, unknown> = {
  beta: 2,
  classWeights: [0.5, 1, 2],
  classIndexes: [0, 2],
  smooth: 1,
  perImage: true,
  threshold: 0.5,
  layout: 'channelsFirst',
  preset: 'smp',
  fromLogits: true,
  activation: 'sigmoid',
  ignoreIndex: 0,
  squared: true,
  softLabel: true,
  logLoss: true,
  classWeightMode: 'normalized',
  includeBackground: false,
  emptyClass: 'zero',
  smoothNr: 0.5,
  smoothDr: 0.25,
  eps: 1e-3,
  reduction: 'sum',
  alpha: 0.3,
  gamma: 1.5,
  gammaOn: 'mean',
  weightType: 'simple',
  absentWeight: 'zero',
  lambdaDice: 0.5,
  lambdaCE: 2,
  ceWeights: [1, 2, 3],
  labelSmoothing: 0.1,
  jaccard: true,
  lambdaFocal: 2,
  focalActivation: 'softmax',
  lambdaGdl: 0.5,
  focalWeights: [1, 2, 3],
  normalized: true,
  reducedThreshold: 0.5,
  classes: 'all',
};

/** Keys whose sample needs a companion to be valid for some factory (the companion is also a sample). */
const COMPANIONS: Record<string, Record<string, unknown>> = {
  activation: { fromLogits: true },
  normalized: { activation: 'sigmoid' },
  reducedThreshold: { activation: 'sigmoid' },
};

const GDL_DECLINED = ['classWeightMode', 'classWeights', 'emptyClass', 'eps', 'logLoss', 'squared'];

/**
 * Keys whose sample the core rejects for that factory on these inputs (so segkit/tfjs must throw the same
 * error, which the test checks); pinned so the list cannot grow unnoticed.
 * - generalized Dice: the class weights come from `weightType`, so the weight and score-form keys of the
 *   region family are refused (core message: "options must not set … (the weights come from weightType)");
 * - iouScore, precision, recall: `beta` belongs to their loss-family form only (the key list shows it) and
 *   the sm form, which `{ beta }` alone selects, refuses it;
 * - lovaszHingeLoss: the one-channel input read channels-first has 4 channels, not 1.
 */
const DECLINED: Record<string, string[]> = {
  generalizedDiceLoss: GDL_DECLINED,
  generalizedDiceFocalLoss: GDL_DECLINED,
  iouScore: ['beta'],
  precision: ['beta'],
  recall: ['beta'],
  lovaszHingeLoss: ['layout'],
};

/** The keys listed by the core's "options must only use the keys …" message for `options`. */
function keysInMessage(factory: AnyFactory, options: Record<string, unknown>): string[] {
  try {
    factory({ ...options, notAnOption: 1 });
  } catch (e) {
    const m = /must only use the keys (.*); got 'notAnOption'/.exec(String((e as Error).message));
    if (m) return m[1].split(', ');
    throw e;
  }
  throw new Error('the core accepted the key notAnOption');
}

/** The option keys of a core factory: its plain form and, where it has one, its loss-family form. */
function coreKeys(factory: AnyFactory): string[] {
  const keys = new Set(keysInMessage(factory, {}));
  try {
    for (const k of keysInMessage(factory, { preset: 'segmentation_models' })) keys.add(k);
  } catch {
    // a factory without the preset option (sm's focal and cross-entropy losses, Lovász)
  }
  return [...keys].sort();
}

const X = inputs(5, [2, 3, 4, 4]);
/** channels-last [2, 4, 4, 3] copies of the seeded channels-first inputs. */
function channelsLast(a: ArrayLike<number>): Float32Array {
  const out = new Float32Array(a.length);
  for (let b = 0; b < 2; b++)
    for (let c = 0; c < 3; c++)
      for (let s = 0; s < 16; s++) out[(b * 16 + s) * 3 + c] = a[(b * 3 + c) * 16 + s];
  return out;
}
/** Inputs per factory: [2, 4, 4, 3] probabilities, or one channel (class 1 against the rest) for the hinge. */
function inputsOf(name: string): { gt: Float32Array; pr: Float32Array; shape: number[] } {
  const gt = channelsLast(X.onehot.data);
  const pr = channelsLast(X.probs.data);
  if (name !== 'lovaszHingeLoss') return { gt, pr, shape: [2, 4, 4, 3] };
  const one = (a: Float32Array) => a.filter((_, i) => i % 3 === 1);
  return { gt: one(gt), pr: one(pr).map((p) => 4 * p - 1), shape: [2, 4, 4, 1] };
}

const options = (key: string) => ({ ...(COMPANIONS[key] ?? {}), [key]: SAMPLES[key] });
const coreFactory = (name: string) => (core as unknown as Record<string, AnyFactory>)[name];
const tfFactory = (name: string) => (segkit as unknown as Record<string, AnyFactory>)[name];

/** A value with its gradient (losses), or the error thrown. */
type Result = { value: number; grad?: ArrayLike<number> } | { error: Error };

/** What the core gives for `options`: value and gradient, or the error it throws. */
function coreResult(name: string, o: Record<string, unknown>): Result {
  const { gt, pr, shape } = inputsOf(name);
  const nd = { gt: { data: gt, shape }, pr: { data: pr, shape } };
  try {
    const f = coreFactory(name)(o) as core.Loss | core.Metric;
    if ('valueAndGrad' in f) return f.valueAndGrad(nd.gt, nd.pr);
    return { value: f.value(nd.gt, nd.pr), grad: undefined };
  } catch (e) {
    return { error: e as Error };
  }
}

/** What segkit/tfjs gives for `options`: value and gradient, or the error it throws. */
function tfResult(name: string, o: Record<string, unknown>): Result {
  try {
    const f = tfFactory(name)(o) as segkit.TfLoss | segkit.TfMetric;
    const x = inputsOf(name);
    const gt = tf.tensor(x.gt, x.shape);
    const pr = tf.tensor(x.pr, x.shape);
    try {
      if ('plus' in f) {
        const { value, grad } = tf.valueAndGrad((p: tf.Tensor) => f(gt, p))(pr);
        const r = { value: value.dataSync()[0], grad: grad.dataSync() as Float32Array };
        tf.dispose([value, grad]);
        return r;
      }
      return { value: tf.tidy(() => f(gt, pr).dataSync()[0]), grad: undefined };
    } finally {
      tf.dispose([gt, pr]);
    }
  } catch (e) {
    return { error: e as Error };
  }
}

describe('option keys', () => {
  it('every option key of every core factory has a sample value here', () => {
    const missing = FACTORIES.flatMap((n) => coreKeys(coreFactory(n)).filter((k) => !(k in SAMPLES)));
    expect(missing).toEqual([]);
  });

  it('an unknown key is rejected with the core message, by every factory', () => {
    for (const name of FACTORIES) {
      for (const extra of [{}, { preset: 'segmentation_models' }]) {
        const o = { ...extra, notAnOption: 1 };
        let want = '';
        try {
          coreFactory(name)(o);
        } catch (e) {
          want = (e as Error).message;
        }
        expect(want, name).toMatch(/options must only use the keys/);
        expect(() => tfFactory(name)(o), name).toThrow(want);
      }
    }
  });
});

describe.each(BACKEND_PATHS)('option parity on the %s backend, %s path', (backend, path) => {
  beforeAll(async () => {
    await useBackendPath(backend, path);
  });
  afterAll(() => void setComputePath('auto'));

  it.each(FACTORIES.map((n) => [n]))(
    '%s accepts every core option and gives the core value and gradient',
    (name) => {
      const failures: string[] = [];
      let compared = 0;
      const declined: string[] = [];
      for (const key of coreKeys(coreFactory(name))) {
        const o = options(key);
        const want = coreResult(name, o);
        const got = tfResult(name, o);
        if ('error' in want) {
          declined.push(key);
          // An option the core rejects for this input: the same error here.
          const message = 'error' in got ? got.error.message : 'nothing';
          if (message !== want.error.message) {
            failures.push(`${key}: core threw '${want.error.message}', tfjs threw ${message}`);
          }
          continue;
        }
        if ('error' in got) {
          failures.push(`${key}: tfjs threw '${got.error.message}'`);
          continue;
        }
        compared++;
        if (!close(got.value, want.value, 1e-5, 1e-6))
          failures.push(`${key}: value ${got.value}, core ${want.value}`);
        if (want.grad && got.grad) {
          const i = gradMismatch(got.grad, want.grad, 1e-5);
          if (i >= 0) failures.push(`${key}: grad[${i}] ${got.grad[i]}, core ${want.grad[i]}`);
        }
      }
      expect(failures).toEqual([]);
      expect(declined).toEqual(DECLINED[name] ?? []);
      expect(compared).toBeGreaterThan(0);
    },
  );
});
