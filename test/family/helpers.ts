/** Seeded inputs and a central-difference gradient check for the loss family tests. */
import type { Loss } from '../../src/core/loss.js';
import type { NdArray } from '../../src/core/types.js';

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
