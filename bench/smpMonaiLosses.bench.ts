/**
 * The smp / MONAI losses of issue 10 part 3 on the `focal_fb` workload shape ([8, 256, 256, 4], logits,
 * channels-last, bench/reference/workloads.json), `valueAndGrad` with `{ out }`, each timed interleaved with a
 * loss of the existing family on the same inputs so the ratio sees the same machine state:
 * softCrossEntropyLoss and softBCEWithLogitsLoss against focalLoss (MONAI softmax / sigmoid form, γ = 2),
 * maskedDiceLoss (all-ones mask) against diceLoss (MONAI, softmax), lovaszLoss (multiclass) against
 * lovaszSoftmaxLoss, maskedDiceLoss with a disk mask (about half the pixels; dense one-hot targets, as the PyTorch
 * form multiplies them) against the all-ones mask, and mccLoss on
 * probabilities against diceLoss on the same probabilities (and against its own JS loop, `vs_js`). PyTorch CPU
 * autograd forms of the same losses (bench/torch/smpMonaiLosses.py, same shape, torch's own random inputs) run in
 * the same bench run when PyTorch is installed; one JSON line per loss, the ratios in `note`.
 *
 * Then the rows of issue 10's compound / cross-entropy sweep (segkit's own workloads, not in workloads.json): on
 * the same shape, in both layouts (channels-first = the same data transposed), `diceCELoss` (MONAI, dense one-hot
 * targets), `softCrossEntropyLoss` (smp, uint8 label map), `diceFocalLoss` and `generalizedDiceFocalLoss`
 * (MONAI), `focalLoss` (MONAI softmax, dense; smp, uint8 label map) and `diceLoss` (MONAI) for comparison, each
 * `valueAndGrad` with `{ out }` interleaved with the same call with the elementwise WebAssembly kernels off (the
 * plain-JS loops, what the cross-entropy ran before issue 10). One JSON line per loss and layout; `vs_js` is the
 * ratio of the two medians of the run.
 */
import {
  diceCELoss,
  diceFocalLoss,
  diceLoss,
  focalLoss,
  generalizedDiceFocalLoss,
  lovaszLoss,
  lovaszSoftmaxLoss,
  maskedDiceLoss,
  mccLoss,
  softBCEWithLogitsLoss,
  softCrossEntropyLoss,
} from '../src/core/losses/index.js';
import type { Loss } from '../src/core/loss.js';
import type { NdArray } from '../src/core/types.js';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit, loadWorkloads, logitInputs, timeInterleaved } from './harness.js';
import { torchTimings } from './torch.js';
import { setElementwiseWasmEnabled } from '../src/core/kernels/elementwiseWasm.js';
import { setRegionWasmEnabled } from '../src/core/kernels/regionWasm.js';

const w = loadWorkloads().focal_fb;
const shape = w.shape_nhwc!;
const C = shape[shape.length - 1];
const { logits, gt } = logitInputs(shape);
const labels = new Int32Array(gt.length / C);
for (let q = 0; q < labels.length; q++) for (let c = 0; c < C; c++) if (gt[q * C + c] === 1) labels[q] = c;
const probs = new Float32Array(logits.length);
for (let q = 0; q < labels.length; q++) {
  let sum = 0;
  for (let c = 0; c < C; c++) sum += probs[q * C + c] = Math.exp(logits[q * C + c]);
  for (let c = 0; c < C; c++) probs[q * C + c] /= sum;
}
const pr: NdArray = { data: logits, shape };
const prP: NdArray = { data: probs, shape };
const g: NdArray = { data: gt, shape };
const lab: NdArray = { data: labels, shape: shape.slice(0, -1) };
const ones: NdArray = { data: new Float32Array(labels.length).fill(1), shape: [...shape.slice(0, -1), 1] };
// A region-of-interest mask: 1 inside the centred disk of radius 0.4·H (about half the pixels), 0 outside; the
// same disk in every image (bench/torch/smpMonaiLosses.py builds it the same way).
const [, H0, W0] = shape;
const disk: NdArray = {
  data: Float32Array.from({ length: labels.length }, (_, i) => {
    const y = Math.floor((i % (H0 * W0)) / W0) - H0 / 2;
    const x = (i % W0) - W0 / 2;
    return y * y + x * x < (0.4 * H0) ** 2 ? 1 : 0;
  }),
  shape: [...shape.slice(0, -1), 1],
};
const last = { layout: 'channelsLast' as const };

const pairs: [string, Loss, NdArray, NdArray, string, Loss, NdArray, NdArray][] = [
  [
    'softCrossEntropyLoss',
    softCrossEntropyLoss({ ...last, smoothFactor: 0.1 }),
    lab,
    pr,
    'focalLoss softmax',
    focalLoss({ ...last, preset: 'monai', activation: 'softmax', gamma: 2 }),
    lab,
    pr,
  ],
  [
    'softBCEWithLogitsLoss',
    softBCEWithLogitsLoss({ smoothFactor: 0.1 }),
    g,
    pr,
    'focalLoss sigmoid',
    focalLoss({ ...last, preset: 'monai', gamma: 2 }),
    g,
    pr,
  ],
  [
    'maskedDiceLoss',
    maskedDiceLoss({ ...last, fromLogits: true, activation: 'softmax' }).withMask(ones),
    lab,
    pr,
    'diceLoss monai softmax',
    diceLoss({ ...last, preset: 'monai', fromLogits: true, activation: 'softmax' }),
    lab,
    pr,
  ],
  [
    'maskedDiceLoss disk mask',
    maskedDiceLoss({ ...last, fromLogits: true, activation: 'softmax' }).withMask(disk),
    g,
    pr,
    'maskedDiceLoss all-ones mask',
    maskedDiceLoss({ ...last, fromLogits: true, activation: 'softmax' }).withMask(ones),
    g,
    pr,
  ],
  [
    'lovaszLoss multiclass',
    lovaszLoss({ ...last, mode: 'multiclass' }),
    lab,
    pr,
    'lovaszSoftmaxLoss',
    lovaszSoftmaxLoss({ ...last, fromLogits: true }),
    lab,
    pr,
  ],
  ['mccLoss', mccLoss(), g, prP, 'diceLoss (sm, probabilities)', diceLoss, g, prP],
];

const runs = Math.min(w.runs, 9);
const torch = torchTimings(
  pairs.map((p) => p[0]),
  resolve(dirname(fileURLToPath(import.meta.url)), 'torch/smpMonaiLosses.py'),
);
for (const [name, loss, gt1, pr1, refName, ref, gt2, pr2] of pairs) {
  const out1 = new Float32Array(logits.length);
  const out2 = new Float32Array(logits.length);
  let value = NaN;
  // mccLoss also runs with the region WebAssembly kernels off (its JS loop, the summing and checking loop it ran
  // before issue 10's move onto the region kernels) in the same interleaving.
  const js: Record<string, () => number> =
    name === 'mccLoss'
      ? {
          js: () => {
            setRegionWasmEnabled(false);
            try {
              return loss.valueAndGrad(gt1, pr1, { out: out1 }).value;
            } finally {
              setRegionWasmEnabled(true);
            }
          },
        }
      : {};
  const t = await timeInterleaved(
    {
      a: () => (value = loss.valueAndGrad(gt1, pr1, { out: out1 }).value),
      b: () => ref.valueAndGrad(gt2, pr2, { out: out2 }).value,
      ...js,
    },
    1,
    runs,
  );
  emit('focal_fb', `segkit ${name}`, w.elements, t.a, {
    layout: 'NHWC',
    value,
    ...(t.js ? { vs_js: Math.round((t.a.median_ms / t.js.median_ms) * 100) / 100 } : {}),
    note:
      `valueAndGrad with { out }; ${refName} in the same run: ${t.b.median_ms.toFixed(1)} ms (ratio ${(t.a.median_ms / t.b.median_ms).toFixed(2)})` +
      (t.js ? `; its JS loop (region WebAssembly off) ${t.js.median_ms.toFixed(1)} ms` : '') +
      (torch?.[name]
        ? `; PyTorch 1 thread ${torch[name].median_ms} ms (segkit ÷ torch ${(t.a.median_ms / torch[name].median_ms).toFixed(2)})`
        : ''),
  });
}

// Issue 10's sweep: compounds, cross-entropy and focal from logits, both layouts, kernels on vs off.
{
  const [N, H, W] = shape;
  const P = H * W;
  const firstShape = [N, C, H, W];
  /** Channels-last data → channels-first (the same values, transposed). */
  const toFirst = (a: Float32Array): Float32Array => {
    const t = new Float32Array(a.length);
    for (let b = 0; b < N; b++)
      for (let q = 0; q < P; q++) for (let c = 0; c < C; c++) t[(b * C + c) * P + q] = a[(b * P + q) * C + c];
    return t;
  };
  const labels8: NdArray = { data: Uint8Array.from(labels), shape: [N, H, W] };
  const inputsOf = {
    channelsLast: { x: pr, dense: g },
    channelsFirst: {
      x: { data: toFirst(logits), shape: firstShape },
      dense: { data: toFirst(gt), shape: firstShape },
    },
  };
  const monai = { preset: 'monai' as const, fromLogits: true };
  // [row, loss by layout, targets, the PyTorch form of bench/torch/smpMonaiLosses.py (NCHW) or none]
  const rows: [string, (layout: 'channelsLast' | 'channelsFirst') => Loss, 'dense' | 'labels', string?][] = [
    ['diceCELoss monai', (layout) => diceCELoss({ ...monai, layout }), 'dense', 'diceCELoss monai'],
    [
      'softCrossEntropyLoss smp (uint8 labels)',
      (layout) => softCrossEntropyLoss({ layout }),
      'labels',
      'softCrossEntropyLoss default',
    ],
    ['diceFocalLoss monai', (layout) => diceFocalLoss({ ...monai, layout }), 'dense', 'diceFocalLoss monai'],
    [
      'generalizedDiceFocalLoss monai',
      (layout) => generalizedDiceFocalLoss({ ...monai, layout }),
      'dense',
      'generalizedDiceFocalLoss monai',
    ],
    [
      'focalLoss monai softmax',
      (layout) => focalLoss({ preset: 'monai', activation: 'softmax', layout }),
      'dense',
      'focalLoss monai softmax',
    ],
    ['focalLoss smp (uint8 labels)', (layout) => focalLoss({ preset: 'smp', layout }), 'labels'],
    ['diceLoss monai', (layout) => diceLoss({ ...monai, layout }), 'dense', 'diceLoss monai'],
  ];
  const torchSweep = torchTimings(
    rows.flatMap((r) => (r[3] ? [r[3]] : [])),
    resolve(dirname(fileURLToPath(import.meta.url)), 'torch/smpMonaiLosses.py'),
  );
  const out = new Float32Array(logits.length);
  for (const [name, make, targets, torchName] of rows) {
    const torchMs = torchName ? torchSweep?.[torchName]?.median_ms : undefined;
    for (const layout of ['channelsLast', 'channelsFirst'] as const) {
      const loss = make(layout);
      const io = inputsOf[layout];
      const gt1 = targets === 'labels' ? labels8 : io.dense;
      let value = NaN;
      const t = await timeInterleaved(
        {
          wasm: () => (value = loss.valueAndGrad(gt1, io.x, { out }).value),
          js: () => {
            setElementwiseWasmEnabled(false);
            try {
              return loss.valueAndGrad(gt1, io.x, { out }).value;
            } finally {
              setElementwiseWasmEnabled(true);
            }
          },
        },
        1,
        runs,
      );
      const ratio = t.wasm.median_ms / t.js.median_ms;
      const vsTorch = torchMs === undefined ? undefined : t.wasm.median_ms / torchMs;
      emit('focal_fb', `segkit ${name}`, w.elements, t.wasm, {
        layout: layout === 'channelsLast' ? 'NHWC' : 'NCHW',
        value,
        vs_js: Math.round(ratio * 100) / 100,
        ...(vsTorch === undefined ? {} : { vs_torch: Math.round(vsTorch * 100) / 100 }),
        note:
          `valueAndGrad with { out }; the same with the elementwise WebAssembly kernels off in the same run: ` +
          `${t.js.median_ms.toFixed(1)} ms (ratio ${ratio.toFixed(2)})` +
          (vsTorch === undefined
            ? ''
            : `; PyTorch 1 thread (NCHW) ${torchMs} ms (segkit ÷ torch ${vsTorch.toFixed(2)})`) +
          `; segkit's own workload (issue 10 sweep)`,
      });
    }
  }
}
