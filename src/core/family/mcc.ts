/**
 * The soft Matthews correlation loss of smp (`MCCLoss`, Abhishek & Hamarneh 2021): soft confusion counts over
 * the whole batch, the MCC of `mccFromCounts`, and its closed-form gradient.
 *
 * The counts need Σ p·g, Σ p and Σ g over every element (one "class"), and ∂loss/∂p_i = A·g_i + B is affine in
 * g: the two passes of the region engine's dense stage. Float32 inputs long enough take its WebAssembly kernels
 * (`kernels/regionWasm.ts`: `sumsPixels` with a tape of gt's one-hot masks, then `affinePixels`); other inputs
 * take one JS loop that sums and checks, then the JS affine kernel (`kernels/affineGrad.ts`).
 * @module
 */
import { mccFromCounts } from '../evaluation/fromCounts.js';
import { affineAdjacent } from '../kernels/affineGrad.js';
import { NO_RANGE, type FloatArray } from '../kernels/regionStats.js';
import { affinePixels, regionWasmTakes, startRegionTape, sumsPixels } from '../kernels/regionWasm.js';
import type { NdArray, NumericArray } from '../types.js';
import { checkNdArray, checkSameShape, formatValue, rangeError } from '../validate.js';

function badInput(fn: string, gt: NdArray, pr: NdArray, i: number): never {
  const [arg, v] = pr.data[i] >= 0 && pr.data[i] <= 1 ? ['gt', gt.data[i]] : ['pr', pr.data[i]];
  throw rangeError(fn, `${arg} must hold values in [0, 1]; got ${formatValue(v)} at ${arg}.data[${i}].`);
}

/** Throws for the first index where pr or gt is outside [0, 1] (NaN included); returns when there is none. */
function checkProbabilities(fn: string, gt: NdArray, pr: NdArray): void {
  const p = pr.data;
  const g = gt.data;
  for (let i = 0; i < p.length; i++)
    if (!(p[i] >= 0 && p[i] <= 1 && g[i] >= 0 && g[i] <= 1)) badInput(fn, gt, pr, i);
}

/** True when every `g[i]`, `from ≤ i < to`, lies in [0, 1] (NaN does not). */
function inUnit(g: NumericArray, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!(g[i] >= 0 && g[i] <= 1)) return false;
  return true;
}

/**
 * The gradient of 1 − MCC w.r.t. p_i as `coef[0]·g_i + coef[1]`, from the soft counts (each already + ε).
 * With A = tp + fp, B = tp + fn, C = tn + fp, E = tn + fn, N = tp·tn − fp·fn, D = √(A·B·C·E):
 * ∂MCC/∂tp = tn/D − N/(2D)·(1/A + 1/B), ∂MCC/∂tn = tp/D − N/(2D)·(1/C + 1/E),
 * ∂MCC/∂fp = −fn/D − N/(2D)·(1/A + 1/C), ∂MCC/∂fn = −fp/D − N/(2D)·(1/B + 1/E), and since
 * ∂tp/∂p_i = g_i, ∂tn/∂p_i = −(1 − g_i), ∂fp/∂p_i = 1 − g_i, ∂fn/∂p_i = −g_i:
 * ∂loss/∂p_i = −(g_i·∂tp − (1 − g_i)·∂tn + (1 − g_i)·∂fp − g_i·∂fn)
 * = (−∂tp − ∂tn + ∂fp + ∂fn)·g_i + (∂tn − ∂fp).
 * @example mccCoefficients(2, 1e-5, 1e-5, 2, new Float64Array(2)) // ≈ [-1, 0.5]: ∂loss/∂p = 0.5 − g
 */
export function mccCoefficients(
  tp: number,
  fp: number,
  fn: number,
  tn: number,
  coef: Float64Array,
): Float64Array {
  const A = tp + fp;
  const B = tp + fn;
  const C = tn + fp;
  const E = tn + fn;
  const D = Math.sqrt(A) * Math.sqrt(B) * Math.sqrt(C) * Math.sqrt(E);
  const N = tp * tn - fp * fn;
  const h = N / (2 * D);
  const dtp = tn / D - h * (1 / A + 1 / B);
  const dtn = tp / D - h * (1 / C + 1 / E);
  const dfp = -fn / D - h * (1 / A + 1 / C);
  const dfn = -fp / D - h * (1 / B + 1 / E);
  coef[0] = -dtp - dtn + dfp + dfn;
  coef[1] = dtn - dfp;
  return coef;
}

/**
 * Value and gradient (w.r.t. `pr`) of 1 − MCC on soft counts, each count + eps:
 * tp = Σp·g + ε, tn = Σ(1 − p)(1 − g) + ε, fp = Σp(1 − g) + ε, fn = Σ(1 − p)·g + ε over every element, from
 * the three sums S_pg = Σp·g, S_p = Σp, S_g = Σg (tn = n − S_p − S_g + S_pg + ε); the gradient
 * {@link mccCoefficients}, written into `out` when given. Bad input (`checkInputs`): pr and gt must hold values in
 * [0, 1]; the error names the first offending index (pr before gt at an index). Unchecked input holding NaN or
 * ±Inf gives NaN (value and every gradient entry).
 */
export function mccTerms(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  eps: number,
  withGrad: boolean,
  checkInputs = true,
  out?: Float32Array,
): { value: number; grad: Float32Array | null } {
  checkNdArray(fn, 'gt', gt, 1);
  checkNdArray(fn, 'pr', pr, 1);
  checkSameShape(fn, gt, pr);
  const p = pr.data;
  const g = gt.data;
  const n = p.length;
  const sums = new Float64Array(3);
  const wasm = regionWasmTakes(g, p, 1, n);
  const tape = wasm && withGrad ? startRegionTape() : undefined;
  if (wasm) {
    // Pass 1 on the region kernels: the pr range inside the kernel, gt proven in {+0, 1} where it is one-hot.
    const range = checkInputs ? new Float64Array([Infinity, -Infinity]) : NO_RANGE;
    const exact = sumsPixels(g as Float32Array, p as Float32Array, 0, n, 1, sums, 0, range, tape);
    const ok = range[0] >= 0 && range[1] <= 1 && Number.isFinite(sums[0] + sums[1] + sums[2]);
    if (checkInputs && !(ok && inUnit(g, exact, n))) checkProbabilities(fn, gt, pr);
  } else {
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
    sums[0] = spg;
    sums[1] = sp;
    sums[2] = sg;
  }
  const [spg, sp, sg] = sums;
  if (!Number.isFinite(spg + sp + sg)) {
    // Unchecked input (checkInputs: false) holding NaN or ±Inf: the NaN propagates, as documented.
    return { value: NaN, grad: withGrad ? (out ?? new Float32Array(n)).fill(NaN) : null };
  }
  const tp = spg + eps;
  const fp = sp - spg + eps;
  const fnC = sg - spg + eps;
  const tn = n - sp - sg + spg + eps;
  const value = 1 - mccFromCounts(tp, fp, fnC, tn);
  if (!withGrad) return { value, grad: null };
  const coef = mccCoefficients(tp, fp, fnC, tn, new Float64Array(2));
  const grad = out ?? new Float32Array(n);
  if (wasm) affinePixels(g as Float32Array, grad, 0, n, 1, coef, 0, tape);
  else affineAdjacent(g as FloatArray, grad, 0, n, 1, 1, coef, 0);
  return { value, grad };
}
