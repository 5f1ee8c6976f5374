/** Seeded inputs and a central-difference gradient check for the loss family tests. */
import type { Loss } from '../../src/core/loss.js';
import type { NdArray } from '../../src/core/types.js';
import fc from 'fast-check';
import { expect } from 'vitest';
import { diceLoss, jaccardLoss, tverskyLoss } from '../../src/index.js';
import type { RegionFamilyOptions } from '../../src/core/family/options.js';

export { rng } from '../core/random.js';
import { rng } from '../core/random.js';

export interface Inputs {
  /** One-hot gt (channelsFirst [N, C, ...spatial]). */
  onehot: NdArray;
  /** The same labels as a label map [N, ...spatial]. */
  labels: NdArray;
  /** Logits in [-3, 3]. */
  logits: NdArray;
  /** Probabilities (softmax of the logits over channels). */
  probs: NdArray;
}

/** Random channelsFirst inputs; `absent` = a class index never drawn (an empty class). */
export function inputs(seed: number, shape: [number, number, ...number[]], absent = -1): Inputs {
  const r = rng(seed);
  const [N, C, ...sp] = shape;
  const P = sp.reduce((a, b) => a * b, 1);
  const n = N * C * P;
  const logits = new Float64Array(n);
  for (let i = 0; i < n; i++) logits[i] = 6 * r() - 3;
  const labels = new Float64Array(N * P);
  const onehot = new Float64Array(n);
  for (let b = 0; b < N; b++)
    for (let s = 0; s < P; s++) {
      let k = Math.floor(r() * C);
      if (k === absent) k = (k + 1) % C;
      labels[b * P + s] = k;
      onehot[(b * C + k) * P + s] = 1;
    }
  const probs = new Float64Array(n);
  for (let b = 0; b < N; b++)
    for (let s = 0; s < P; s++) {
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(logits[(b * C + c) * P + s]);
      for (let c = 0; c < C; c++) probs[(b * C + c) * P + s] = Math.exp(logits[(b * C + c) * P + s]) / sum;
    }
  return {
    onehot: { data: onehot, shape },
    labels: { data: labels, shape: [N, ...sp] },
    logits: { data: logits, shape },
    probs: { data: probs, shape },
  };
}

/**
 * Largest |analytic − central difference| relative to max(1e-3, max |fd|), over all (or `sample`) entries,
 * in float64 (step h).
 */
export function fdError(loss: Loss, gt: NdArray, pr: NdArray, h = 1e-6): number {
  const { grad } = loss.valueAndGrad(gt, pr);
  const x = Float64Array.from(pr.data as ArrayLike<number>);
  const fd = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    x[i] = v + h;
    const up = loss.value(gt, { data: x, shape: pr.shape });
    x[i] = v - h;
    const down = loss.value(gt, { data: x, shape: pr.shape });
    x[i] = v;
    fd[i] = (up - down) / (2 * h);
  }
  let scale = 1e-3;
  for (const v of fd) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(grad[i] - fd[i]) / scale);
  return worst;
}

/** channelsFirst → channelsLast copy of a [N, C, ...spatial] array. */
export function toLast(a: NdArray): NdArray {
  const [N, C, ...sp] = a.shape;
  const P = sp.reduce((x, y) => x * y, 1);
  const out = new Float64Array(a.data.length);
  for (let b = 0; b < N; b++)
    for (let c = 0; c < C; c++)
      for (let s = 0; s < P; s++) out[(b * P + s) * C + c] = a.data[(b * C + c) * P + s];
  return { data: out, shape: [N, ...sp, C] };
}

/**
 * |Δ value| ≤ 1e-6 relative; every |Δ grad_i| ≤ tol·max_j |grad_j| (the first offending index in the error).
 * Between the WebAssembly σ (within 3 ulps of the JS one) and the JS or general path: near saturation p(1 − p) of
 * a float32 p is off by a few ulps of 1 (times |A·g + B|); the general path's float32 p has that rounding too.
 */
export function expectClose(
  a: { value: number; grad: Float32Array },
  b: { value: number; grad: Float32Array },
  tol: number,
): void {
  expect(Math.abs(a.value - b.value)).toBeLessThanOrEqual(1e-6 * Math.abs(b.value) + 1e-12);
  let scale = 0;
  for (const v of b.grad) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < b.grad.length; i++) {
    if (!(Math.abs(a.grad[i] - b.grad[i]) <= tol * scale)) {
      throw new Error(`grad[${i}] ${a.grad[i]} ≠ ${b.grad[i]} (scale ${scale})`);
    }
  }
}

/** Runs of a dense-stage path per kernel (regionWasm.ts's `regionSigmoidRuns`, `regionSquaredRuns`). */
export interface StageRuns {
  wasm: number;
  js: number;
  stored: number;
  recomputed: number;
}

/**
 * valueAndGrad into a NaN-filled `out` (which must come back as the gradient), with how many runs of a stage
 * it took (the change of `counters()`).
 */
export function stageRun(loss: Loss, gt: NdArray, pr: NdArray, counters: () => StageRuns) {
  const before = counters();
  const out = new Float32Array(pr.data.length).fill(NaN);
  const r = loss.valueAndGrad(gt, pr, { out });
  const after = counters();
  expect(r.grad).toBe(out);
  return {
    value: r.value,
    grad: out,
    wasm: after.wasm - before.wasm,
    js: after.js - before.js,
    stored: after.stored - before.stored,
    recomputed: after.recomputed - before.recomputed,
  };
}

/** The region-family option choice of a property test: 'all', 'subset' (first and last) or 'noBackground'. */
export function classChoice(classes: string, C: number): { sel: object; K: number } {
  if (classes === 'subset' && C > 1) return { sel: { classIndexes: [0, C - 1] }, K: 2 };
  if (classes === 'noBackground' && C > 1) return { sel: { includeBackground: false }, K: C - 1 };
  return { sel: {}, K: C };
}

/**
 * Checks `grad` against float64 central differences (f(x + h) − f(x − h))/2h of `f` at `count` seeded indexes
 * of `x` (those `usable` accepts, the next one up otherwise): each within 1e-5·max |grad| + 1e-9.
 */
export function expectCentralDifferences(
  grad: Float32Array,
  f: (x: Float64Array) => number,
  x: Float64Array,
  h: number,
  usable: (v: number) => boolean = () => true,
  count = 25,
): void {
  const r = rng(5);
  let scale = 0;
  for (const v of grad) scale = Math.max(scale, Math.abs(v));
  for (let t = 0; t < count; t++) {
    let i = Math.floor(r() * x.length);
    while (!usable(x[i])) i = (i + 1) % x.length;
    const save = x[i];
    x[i] = save + h;
    const up = f(x);
    x[i] = save - h;
    const down = f(x);
    x[i] = save;
    expect(Math.abs(grad[i] - (up - down) / (2 * h))).toBeLessThanOrEqual(1e-5 * scale + 1e-9);
  }
}

/** A dense-stage shape of a property test: N 1–3, H 3–45, W 3–47 (odd pixel counts too), C 1–6, a layout. */
export const stageShape = () =>
  fc.record({
    N: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 3, max: 45 }),
    W: fc.integer({ min: 3, max: 47 }),
    C: fc.integer({ min: 1, max: 6 }),
    layout: fc.constantFrom<'channelsLast' | 'channelsFirst'>('channelsLast', 'channelsFirst'),
  });

/** Dice, Jaccard or focal Tversky (α 0.7, β 0.3, γ 1.5) on the options `o`; `other` for any other name. */
export function regionLossOf(which: string, o: RegionFamilyOptions, other: () => Loss): Loss {
  if (which === 'dice') return diceLoss(o);
  if (which === 'jaccard') return jaccardLoss(o);
  if (which === 'tversky') return tverskyLoss({ ...o, alpha: 0.7, beta: 0.3, gamma: 1.5 });
  return other();
}
