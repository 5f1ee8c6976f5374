/**
 * The smp / MONAI losses of issue 10 part 3 on the `focal_fb` workload shape ([8, 256, 256, 4], logits,
 * channels-last, bench/reference/workloads.json), `valueAndGrad` with `{ out }`, each timed interleaved with a
 * loss of the existing family on the same inputs so the ratio sees the same machine state:
 * softCrossEntropyLoss and softBCEWithLogitsLoss against focalLoss (MONAI softmax / sigmoid form, γ = 2),
 * maskedDiceLoss (all-ones mask) against diceLoss (MONAI, softmax), lovaszLoss (multiclass) against
 * lovaszSoftmaxLoss, and mccLoss on probabilities against diceLoss on the same probabilities. PyTorch CPU
 * autograd forms of the same losses (bench/torch/smpMonaiLosses.py, same shape, torch's own random inputs) run in
 * the same bench run when PyTorch is installed; one JSON line per loss, the ratios in `note`.
 */
import {
  diceLoss,
  focalLoss,
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
  const t = await timeInterleaved(
    {
      a: () => (value = loss.valueAndGrad(gt1, pr1, { out: out1 }).value),
      b: () => ref.valueAndGrad(gt2, pr2, { out: out2 }).value,
    },
    1,
    runs,
  );
  emit('focal_fb', `segkit ${name}`, w.elements, t.a, {
    layout: 'NHWC',
    value,
    note:
      `valueAndGrad with { out }; ${refName} in the same run: ${t.b.median_ms.toFixed(1)} ms (ratio ${(t.a.median_ms / t.b.median_ms).toFixed(2)})` +
      (torch?.[name]
        ? `; PyTorch 1 thread ${torch[name].median_ms} ms (segkit ÷ torch ${(t.a.median_ms / torch[name].median_ms).toFixed(2)})`
        : ''),
  });
}
