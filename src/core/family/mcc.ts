/**
 * The soft Matthews correlation loss of smp (`MCCLoss`, Abhishek & Hamarneh 2021): soft confusion counts over
 * the whole batch, the MCC of `mccFromCounts`, and its closed-form gradient.
 * @module
 */
import { mccFromCounts } from '../evaluation/fromCounts.js';
import type { NdArray } from '../types.js';
import { checkNdArray, checkSameShape, formatValue, rangeError } from '../validate.js';

function badInput(fn: string, gt: NdArray, pr: NdArray, i: number): never {
  const [arg, v] = pr.data[i] >= 0 && pr.data[i] <= 1 ? ['gt', gt.data[i]] : ['pr', pr.data[i]];
  throw rangeError(fn, `${arg} must hold values in [0, 1]; got ${formatValue(v)} at ${arg}.data[${i}].`);
}

/**
 * Value and gradient (w.r.t. `pr`) of 1 − MCC on soft counts, each count + eps:
 * tp = Σp·g + ε, tn = Σ(1 − p)(1 − g) + ε, fp = Σp(1 − g) + ε, fn = Σ(1 − p)·g + ε over every element.
 * With A = tp + fp, B = tp + fn, C = tn + fp, E = tn + fn, N = tp·tn − fp·fn, D = √(A·B·C·E):
 * ∂MCC/∂tp = tn/D − N/(2D)·(1/A + 1/B), ∂MCC/∂tn = tp/D − N/(2D)·(1/C + 1/E),
 * ∂MCC/∂fp = −fn/D − N/(2D)·(1/A + 1/C), ∂MCC/∂fn = −fp/D − N/(2D)·(1/B + 1/E), and
 * ∂loss/∂p_i = −(g_i·∂tp − (1 − g_i)·∂tn + (1 − g_i)·∂fp − g_i·∂fn).
 */
export function mccTerms(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  eps: number,
  withGrad: boolean,
  checkInputs = true,
): { value: number; grad: Float32Array | null } {
  checkNdArray(fn, 'gt', gt, 1);
  checkNdArray(fn, 'pr', pr, 1);
  checkSameShape(fn, gt, pr);
  const p = pr.data;
  const g = gt.data;
  const n = p.length;
  let spg = 0;
  let sp = 0;
  let sg = 0;
  for (let i = 0; i < n; i++) {
    const pv = p[i];
    const gv = g[i];
    // Probabilities only (NaN fails too): checked in the summing pass, no extra pass over the data.
    if (checkInputs && !(pv >= 0 && pv <= 1 && gv >= 0 && gv <= 1)) badInput(fn, gt, pr, i);
    spg += pv * gv;
    sp += pv;
    sg += gv;
  }
  if (!Number.isFinite(spg + sp + sg)) {
    // Unchecked input (checkInputs: false) holding NaN or ±Inf: the NaN propagates, as documented.
    return { value: NaN, grad: withGrad ? new Float32Array(n).fill(NaN) : null };
  }
  const tp = spg + eps;
  const fp = sp - spg + eps;
  const fnC = sg - spg + eps;
  const tn = n - sp - sg + spg + eps;
  const value = 1 - mccFromCounts(tp, fp, fnC, tn);
  if (!withGrad) return { value, grad: null };
  const A = tp + fp;
  const B = tp + fnC;
  const C = tn + fp;
  const E = tn + fnC;
  const D = Math.sqrt(A) * Math.sqrt(B) * Math.sqrt(C) * Math.sqrt(E);
  const N = tp * tn - fp * fnC;
  const h = N / (2 * D);
  const dtp = tn / D - h * (1 / A + 1 / B);
  const dtn = tp / D - h * (1 / C + 1 / E);
  const dfp = -fnC / D - h * (1 / A + 1 / C);
  const dfn = -fp / D - h * (1 / B + 1 / E);
  // ∂loss/∂p_i is affine in g_i: a + b·g_i.
  const a = dtn - dfp;
  const b = -dtp - dtn + dfp + dfn;
  const grad = new Float32Array(n);
  for (let i = 0; i < n; i++) grad[i] = a + b * g[i];
  return { value, grad };
}
