/**
 * The Lovász losses of issue 10 on the `focal_fb` workload shape ([8, 256, 256, 4], logits, bench/reference/
 * workloads.json), `valueAndGrad` with `{ out }`: `lovaszLoss` multiclass in both layouts (channels-first = the
 * same data transposed, smp's layout), `lovaszSoftmaxLoss` from logits (channels-last), `lovaszLoss` binary
 * (channel 0 of the logits and of the one-hot targets, [8, 1, 256, 256]) and multilabel (channels-first, one
 * list of 2 M elements). Each row times the library (radix sort) interleaved with the implementation it
 * replaced (the comparator sort over float64 errors, test/family/lovaszOracle.ts) on the same inputs (`vs_old`),
 * after timing it alone (`median_ms`, and its ratio to PyTorch), and PyTorch's CPU autograd form (bench/torch/smpMonaiLosses.py, 1 thread, torch's own random inputs of the same
 * shape and distribution) in the same bench run. One JSON line per row: `vs_old` and `vs_torch` are ratios of
 * medians (below 1: faster).
 */
import { lovaszLoss, lovaszSoftmaxLoss } from '../src/core/losses/index.js';
import { lossFromTerms } from '../src/core/family/termsLoss.js';
import type { Loss } from '../src/core/loss.js';
import type { NdArray } from '../src/core/types.js';
import { oldLovaszHingeTerms, oldLovaszSoftmaxTerms } from '../test/family/lovaszOracle.js';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit, loadWorkloads, logitInputs, timeInterleaved } from './harness.js';
import { torchTimings } from './torch.js';

const w = loadWorkloads().focal_fb;
const shape = w.shape_nhwc!;
const [N, H, W, C] = shape;
const P = H * W;
const { logits, gt } = logitInputs(shape);
const labels = new Int32Array(N * P);
for (let q = 0; q < labels.length; q++) for (let c = 0; c < C; c++) if (gt[q * C + c] === 1) labels[q] = c;
/** Channels-last data → channels-first (the same values, transposed). */
const toFirst = (a: Float32Array): Float32Array => {
  const t = new Float32Array(a.length);
  for (let b = 0; b < N; b++)
    for (let q = 0; q < P; q++) for (let c = 0; c < C; c++) t[(b * C + c) * P + q] = a[(b * P + q) * C + c];
  return t;
};
const lab: NdArray = { data: labels, shape: [N, H, W] };
const last: NdArray = { data: logits, shape };
const first: NdArray = { data: toFirst(logits), shape: [N, C, H, W] };
const firstGt: NdArray = { data: toFirst(gt), shape: [N, C, H, W] };
const bin = (a: Float32Array) => ({ data: a.filter((_, i) => i % C === 0), shape: [N, 1, H, W] });
const binX = bin(logits);
const binG = bin(gt);
const fold = (a: NdArray): NdArray => ({ data: a.data, shape: [N, 1, C * P] });

const old = (terms: Parameters<typeof lossFromTerms>[1]) => lossFromTerms('old', terms);
const cl = { layout: 'channelsLast' as const };
const cf = { layout: 'channelsFirst' as const };
// [row, new, old, gt, pr (old's gt and pr when they differ), the PyTorch form]
const rows: [string, Loss, Loss, NdArray, NdArray, [NdArray, NdArray] | null, string][] = [
  [
    'lovaszLoss multiclass (NHWC)',
    lovaszLoss({ ...cl, mode: 'multiclass' }),
    old(oldLovaszSoftmaxTerms('old', { ...cl, fromLogits: true })),
    lab,
    last,
    null,
    'lovaszLoss multiclass',
  ],
  [
    'lovaszLoss multiclass (NCHW)',
    lovaszLoss({ mode: 'multiclass' }),
    old(oldLovaszSoftmaxTerms('old', { ...cf, fromLogits: true })),
    lab,
    first,
    null,
    'lovaszLoss multiclass',
  ],
  [
    'lovaszSoftmaxLoss fromLogits (NHWC)',
    lovaszSoftmaxLoss({ ...cl, fromLogits: true }),
    old(oldLovaszSoftmaxTerms('old', { ...cl, fromLogits: true })),
    lab,
    last,
    null,
    'lovaszLoss multiclass',
  ],
  [
    'lovaszLoss binary',
    lovaszLoss({ mode: 'binary' }),
    old(oldLovaszHingeTerms('old', { ...cf, perImage: false })),
    binG,
    binX,
    null,
    'lovaszLoss binary',
  ],
  [
    'lovaszLoss multilabel (NCHW)',
    lovaszLoss({ mode: 'multilabel' }),
    old(oldLovaszHingeTerms('old', { ...cf, perImage: false })),
    firstGt,
    first,
    [fold(firstGt), fold(first)],
    'lovaszLoss multilabel',
  ],
];

const runs = Math.min(w.runs, 9);
const torch = torchTimings(
  [...new Set(rows.map((r) => r[6]))],
  resolve(dirname(fileURLToPath(import.meta.url)), 'torch/smpMonaiLosses.py'),
);
for (const [name, loss, before, g, x, oldIo, torchName] of rows) {
  const out1 = new Float32Array(x.data.length);
  const out2 = new Float32Array(x.data.length);
  const [g2, x2] = oldIo ?? [g, x];
  let value = NaN;
  let oldValue = NaN;
  // The new code alone first (its ÷ PyTorch, without the old code's per-call arrays of about 100 MB being
  // allocated and collected in between), then interleaved with the old code (vs_old).
  (globalThis as { gc?: () => void }).gc?.();
  const alone = await timeInterleaved(
    { new: () => (value = loss.valueAndGrad(g, x, { out: out1 }).value) },
    1,
    runs,
  );
  const t = await timeInterleaved(
    {
      new: () => loss.valueAndGrad(g, x, { out: out1 }).value,
      old: () => (oldValue = before.valueAndGrad(g2, x2, { out: out2 }).value),
    },
    1,
    runs,
  );
  const vsOld = t.new.median_ms / t.old.median_ms;
  const torchMs = torch?.[torchName]?.median_ms;
  const vsTorch = torchMs === undefined ? undefined : alone.new.median_ms / torchMs;
  emit('focal_fb', `segkit ${name}`, x.data.length, alone.new, {
    layout: x === last ? 'NHWC' : 'NCHW',
    value,
    vs_old: Math.round(vsOld * 1000) / 1000,
    ...(vsTorch === undefined ? {} : { vs_torch: Math.round(vsTorch * 1000) / 1000 }),
    note:
      `valueAndGrad with { out }, alone; then interleaved with the comparator-sort implementation: new ` +
      `${t.new.median_ms.toFixed(1)} ms, old ${t.old.median_ms.toFixed(1)} ms (value ${oldValue}; vs_old is this ratio)` +
      (vsTorch === undefined
        ? ''
        : `; PyTorch 1 thread (NCHW) ${torchMs} ms (segkit alone ÷ torch ${vsTorch.toFixed(2)})`),
  });
}
