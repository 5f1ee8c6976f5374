/**
 * From-logits Dice and focal forward+backward (issue 6) on the `*_fb*` workloads of bench/reference/workloads.json:
 * dice = MONAI DiceLoss(softmax=True) = `diceLoss({ preset: 'monai', fromLogits: true })`, focal = MONAI
 * FocalLoss(use_softmax=True, gamma=2) = `focalLoss({ preset: 'monai', activation: 'softmax', gamma: 2 })`.
 * Inputs: `logitInputs` (channels-last, baseline.md's generator), so the values compare with baseline.md's.
 * One JSON line per workload, PyTorch 1.13's CPU figures (baseline.md) in `note`.
 */
import { diceLoss, focalLoss } from '../src/core/losses/index.js';
import type { Loss } from '../src/core/loss.js';
import { setSoftmaxWasmEnabled } from '../src/core/kernels/softmaxRegion.js';
import { emit, loadWorkloads, logitInputs, memoryBoundMs, timeInterleaved } from './harness.js';
import { torchTimings } from './torch.js';
import { setElementwiseWasmEnabled } from '../src/core/kernels/elementwiseWasm.js';
import { emitRelaxed, relaxedRow, useSimd128ByDefault } from './relaxed.js';
import { denseSigmoid } from '../src/core/family/denseStats.js';
import { denseFused } from '../src/core/family/denseFused.js';
import { setRegionWasmEnabled } from '../src/core/kernels/regionWasm.js';
import { timeSwitchedRows, xorshift32 } from './harness.js';

/**
 * A hand-fused plain-JS reference of the same Dice loss (channels-last, per-sample-per-class mean, softmax stored
 * as float32 in pass 1, gradient in pass 2), timed interleaved with segkit so the ratio sees the same machine state.
 */
function referenceDice(x: Float32Array, g: Float32Array, shape: readonly number[]): number {
  const C = shape[shape.length - 1];
  const N = shape[0];
  const pixels = x.length / (N * C);
  const p = new Float32Array(x.length);
  const I = new Float64Array(N * C);
  const P = new Float64Array(N * C);
  const G = new Float64Array(N * C);
  for (let b = 0; b < N; b++) {
    for (let s = 0; s < pixels; s++) {
      const base = (b * pixels + s) * C;
      let max = -Infinity;
      for (let c = 0; c < C; c++) if (x[base + c] > max) max = x[base + c];
      let sum = 0;
      for (let c = 0; c < C; c++) sum += p[base + c] = Math.exp(x[base + c] - max);
      const inv = 1 / sum;
      for (let c = 0; c < C; c++) {
        const pv = (p[base + c] *= inv);
        I[b * C + c] += pv * g[base + c];
        P[b * C + c] += pv;
        G[b * C + c] += g[base + c];
      }
    }
  }
  const A = new Float64Array(N * C);
  const B = new Float64Array(N * C);
  let loss = 0;
  for (let q = 0; q < N * C; q++) {
    const den = P[q] + G[q] + 1e-5;
    const sc = (2 * I[q] + 1e-5) / den;
    loss += (1 - sc) / (N * C);
    A[q] = -2 / den / (N * C);
    B[q] = sc / den / (N * C);
  }
  const grad = new Float32Array(x.length);
  const d = new Float64Array(C);
  for (let b = 0; b < N; b++) {
    for (let s = 0; s < pixels; s++) {
      const base = (b * pixels + s) * C;
      let dot = 0;
      for (let c = 0; c < C; c++) {
        d[c] = A[b * C + c] * g[base + c] + B[b * C + c];
        dot += p[base + c] * d[c];
      }
      for (let c = 0; c < C; c++) grad[base + c] = p[base + c] * (d[c] - dot);
    }
  }
  return loss + grad[0] * 0;
}

/** baseline.md: PyTorch 1.13 CPU (1 thread, keepmem) and the reference loss values on the same inputs. */
const BASELINE: Record<string, { torch: string; torchMs: number; monaiMs: number; value: number }> = {
  dice_fb_small: { torch: 'torch_minimal_dice', torchMs: 5.51, monaiMs: 6.04, value: 0.7505311 },
  dice_fb_large: { torch: 'torch_minimal_dice', torchMs: 93.2, monaiMs: 93.0, value: 0.8749447 },
  dice_fb_3d: { torch: 'torch_minimal_dice', torchMs: 29.9, monaiMs: 30.4, value: 0.6667735 },
  focal_fb: { torch: 'torch_minimal_focal', torchMs: 12.8, monaiMs: 13.0, value: 0.4785554 },
};

/** A hand-fused plain-JS reference of the softmax focal loss (γ = 2, no α), one pass. */
function referenceFocal(x: Float32Array, g: Float32Array, C: number): number {
  const grad = new Float32Array(x.length);
  const h = new Float64Array(C);
  const p = new Float64Array(C);
  let total = 0;
  const n = x.length;
  for (let base = 0; base < n; base += C) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) if (x[base + c] > max) max = x[base + c];
    let sum = 0;
    for (let c = 0; c < C; c++) sum += p[c] = Math.exp(x[base + c] - max);
    const lse = max + Math.log(sum);
    let hs = 0;
    for (let c = 0; c < C; c++) {
      p[c] /= sum;
      h[c] = 0;
      const gv = g[base + c];
      if (gv === 0) continue;
      const lp = x[base + c] - lse;
      const om = 1 - p[c];
      total -= gv * om * om * lp;
      h[c] = (-gv * (om * om - 2 * om * p[c] * lp)) / n;
      hs += h[c];
    }
    for (let c = 0; c < C; c++) grad[base + c] = h[c] - p[c] * hs;
  }
  return total / n + grad[0] * 0;
}

const dice = diceLoss({ preset: 'monai', fromLogits: true, layout: 'channelsLast' });
const focal = focalLoss({ preset: 'monai', activation: 'softmax', gamma: 2, layout: 'channelsLast' });
// The same losses in PyTorch's layout (the default of the monai and smp presets), on the transposed inputs.
const diceNchw = diceLoss({ preset: 'monai', fromLogits: true, layout: 'channelsFirst' });
const focalNchw = focalLoss({ preset: 'monai', activation: 'softmax', gamma: 2, layout: 'channelsFirst' });

/** Channels-last [N, …, C] data as channels-first [N, C, …]. */
function toNchw(a: Float32Array, N: number, C: number): Float32Array {
  const P = a.length / (N * C);
  const t = new Float32Array(a.length);
  for (let b = 0; b < N; b++)
    for (let s = 0; s < P; s++) for (let c = 0; c < C; c++) t[(b * C + c) * P + s] = a[(b * P + s) * C + c];
  return t;
}

const relaxed = useSimd128ByDefault();
const workloads = loadWorkloads();
const only = process.argv.slice(2);
for (const name of Object.keys(BASELINE)) {
  if (only.length > 0 && !only.some((o) => name.includes(o))) continue;
  await benchSoftmax(name);
}

/** One softmax workload of BASELINE. */
async function benchSoftmax(name: string): Promise<void> {
  const w = workloads[name];
  const shape = w.shape_nhwc!;
  const { logits, gt } = logitInputs(shape);
  const pr = { data: logits, shape };
  const g = { data: gt, shape };
  const loss: Loss = w.kind === 'focal_fb' ? focal : dice;
  const lossNchw: Loss = w.kind === 'focal_fb' ? focalNchw : diceNchw;
  const C = shape[shape.length - 1];
  const shapeNchw = w.shape_nchw!;
  const prNchw = { data: toNchw(logits, shape[0], C), shape: shapeNchw };
  const gNchw = { data: toNchw(gt, shape[0], C), shape: shapeNchw };
  let value = NaN;
  let valueNchw = NaN;
  let refValue = NaN;
  const out = new Float32Array(logits.length);
  let sink = 0;
  const fns: Record<string, () => void> = {
    segkit: () => {
      value = loss.valueAndGrad(g, pr).value;
    },
    segkit_out: () => {
      sink += loss.valueAndGrad(g, pr, { out }).value;
    },
    segkit_nchw_out: () => {
      valueNchw = lossNchw.valueAndGrad(gNchw, prNchw, { out }).value;
    },
  };
  if (relaxed.has(w.kind === 'focal_fb' ? 'elementwise' : 'softmaxRegion')) {
    fns.segkit_relaxed_out = relaxedRow(() => {
      sink += loss.valueAndGrad(g, pr, { out }).value;
    });
  }
  {
    // The same loss on the plain-JS kernels (both WebAssembly modules off), interleaved in the same run.
    fns.segkit_js_out = () => {
      setSoftmaxWasmEnabled(false);
      setElementwiseWasmEnabled(false);
      try {
        sink += loss.valueAndGrad(g, pr, { out }).value;
      } finally {
        setSoftmaxWasmEnabled(true);
        setElementwiseWasmEnabled(true);
      }
    };
  }
  fns.js_reference =
    w.kind === 'focal_fb'
      ? () => (refValue = referenceFocal(logits, gt, C))
      : () => (refValue = referenceDice(logits, gt, shape));
  const times = await timeInterleaved(fns, w.warmup, w.runs);
  const t = times.segkit;
  const b = BASELINE[name];
  const bound = await memoryBoundMs(w.min_bytes!.read, w.min_bytes!.write);
  // PyTorch timed now, in this run (bench/torch.ts), when it is installed.
  const torchNow = torchTimings([name])?.[name]?.median_ms;
  const outMs = times.segkit_out.median_ms;
  emit(name, 'segkit_out', w.elements, times.segkit_out, {
    layout: 'NHWC',
    note:
      `${loss.name}.valueAndGrad(gt, pr, { out }) into one reused buffer: ${(outMs / bound).toFixed(2)}× memory bound` +
      (torchNow === undefined
        ? ''
        : `, ${(outMs / torchNow).toFixed(2)}× torch_keepmem in this run (${torchNow} ms)`),
    ...(torchNow === undefined ? {} : { vs_torch: Math.round((outMs / torchNow) * 100) / 100 }),
  });
  emitRelaxed(name, w.elements, times, { bound, torchMs: torchNow, what: loss.name, layout: 'NHWC' });
  const nchwMs = times.segkit_nchw_out.median_ms;
  emit(name, 'segkit_nchw_out', w.elements, times.segkit_nchw_out, {
    layout: 'NCHW',
    value: valueNchw,
    note:
      `the same loss with layout 'channelsFirst' (PyTorch's layout, the monai preset's default) on the ` +
      `transposed inputs, { out }: ${(nchwMs / bound).toFixed(2)}× memory bound, ${(nchwMs / outMs).toFixed(2)}× ` +
      `segkit_out (NHWC) in this run` +
      (torchNow === undefined ? '' : `, ${(nchwMs / torchNow).toFixed(2)}× torch_keepmem in this run`),
    ...(torchNow === undefined ? {} : { vs_torch: Math.round((nchwMs / torchNow) * 100) / 100 }),
  });
  if (times.segkit_js_out) {
    const jsMs = times.segkit_js_out.median_ms;
    emit(name, 'segkit_js_out', w.elements, times.segkit_js_out, {
      layout: 'NHWC',
      note:
        `the same with the WebAssembly kernels off (plain-JS loops), interleaved: ${(jsMs / bound).toFixed(2)}× ` +
        `memory bound; WebAssembly ${(outMs / jsMs).toFixed(2)}× JS` +
        (torchNow === undefined ? '' : `, ${(jsMs / torchNow).toFixed(2)}× torch_keepmem in this run`),
    });
  }
  if (sink === 42) console.error('');
  emit(name, 'segkit', w.elements, t, {
    layout: 'NHWC',
    value,
    note:
      `${loss.name} fwd+bwd from logits (${w.kind === 'focal_fb' ? 'elementwise WebAssembly kernels, float32 terms, float64 sums' : 'fused softmax, recomputed in pass 2; float64 sums'}); reference value ${b.value} ` +
      `(|Δ| ${Math.abs(value - b.value).toExponential(2)}); PyTorch 1.13 CPU 1 thread: ${b.torch} ${b.torchMs} ms, ` +
      `MONAI ${b.monaiMs} ms (${(t.median_ms / b.torchMs).toFixed(2)}× torch); memory-bound ${bound.toFixed(2)} ms ` +
      `(${(t.median_ms / bound).toFixed(1)}× bound)` +
      (times.js_reference
        ? `; hand-fused plain-JS reference in the same run ${times.js_reference.median_ms.toFixed(1)} ms ` +
          `(segkit ${(t.median_ms / times.js_reference.median_ms).toFixed(2)}× it, value ${refValue.toFixed(7)})`
        : ''),
  });
  if (globalThis.gc) globalThis.gc();
}

/**
 * Sigmoid Dice from logits (MONAI DiceLoss(sigmoid=True), smp DiceLoss('binary' | 'multilabel', from_logits=True))
 * = `diceLoss({ preset: 'monai', fromLogits: true, activation: 'sigmoid' })`, valueAndGrad into { out }. segkit's
 * own workloads (not in workloads.json): float32 logits N(0, 3²)-ish and a dense 0/1 float32 mask (30 % ones),
 * seeded; binary 32×256×256×1 and multilabel C = 3 32×128×128×3, each in both layouts. Rows, interleaved in one
 * run: `segkit_out` (the sigmoid stage of denseStats.ts, per image fused: σ held in the module's memory between an
 * image's two passes, family/denseFused.ts), `segkit_apart_out` (the fused form off: σ stored in `out` in pass 1,
 * read back in pass 2), `segkit_recompute_out`
 * (σ computed again in pass 2), `segkit_js_out` (WebAssembly off: the stage's JS kernels), `segkit_general_out`
 * (the stage off: the general JS loops of region.ts, what main ran before).
 */
const SIGMOID_WORKLOADS: { name: string; shape: number[]; layout: 'channelsLast' | 'channelsFirst' }[] = [
  { name: 'sigmoid_dice_binary_nhwc', shape: [32, 256, 256, 1], layout: 'channelsLast' },
  { name: 'sigmoid_dice_binary_nchw', shape: [32, 1, 256, 256], layout: 'channelsFirst' },
  { name: 'sigmoid_dice_ml3_nhwc', shape: [32, 128, 128, 3], layout: 'channelsLast' },
  { name: 'sigmoid_dice_ml3_nchw', shape: [32, 3, 128, 128], layout: 'channelsFirst' },
];

async function benchSigmoid(w: (typeof SIGMOID_WORKLOADS)[number]): Promise<void> {
  const n = w.shape.reduce((a, b) => a * b, 1);
  const r = xorshift32(7);
  const logits = new Float32Array(n);
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // A sum of three uniforms: a bell shape on (−6, 6); a few saturated logits are part of real training.
    logits[i] = 4 * (r() + r() + r() - 1.5);
    mask[i] = r() < 0.3 ? 1 : 0;
  }
  const loss = diceLoss({ preset: 'monai', fromLogits: true, activation: 'sigmoid', layout: w.layout });
  const pr = { data: logits, shape: w.shape };
  const g = { data: mask, shape: w.shape };
  const out = new Float32Array(n);
  const { times, values } = await timeSwitchedRows(() => loss.valueAndGrad(g, pr, { out }).value, {
    segkit_out: [],
    segkit_apart_out: [() => (denseFused.enabled = false), () => (denseFused.enabled = true)],
    segkit_recompute_out: [() => (denseSigmoid.store = false), () => (denseSigmoid.store = true)],
    segkit_js_out: [() => setRegionWasmEnabled(false), () => setRegionWasmEnabled(true)],
    segkit_general_out: [() => (denseSigmoid.enabled = false), () => (denseSigmoid.enabled = true)],
  });
  const general = times.segkit_general_out.median_ms;
  const bound = await memoryBoundMs(8 * n, 4 * n);
  for (const [impl, t] of Object.entries(times)) {
    emit(w.name, impl, n, t, {
      layout: w.layout === 'channelsLast' ? 'NHWC' : 'NCHW',
      value: values[impl],
      note:
        `${loss.name} sigmoid from logits, valueAndGrad into { out }; ${(general / t.median_ms).toFixed(1)}× faster than ` +
        `segkit_general_out in this run; ${(t.median_ms / bound).toFixed(1)}× memory bound (${bound.toFixed(2)} ms)`,
    });
  }
}

for (const w of SIGMOID_WORKLOADS) {
  if (only.length > 0 && !only.some((o) => w.name.includes(o))) continue;
  await benchSigmoid(w);
  if (globalThis.gc) globalThis.gc();
}
