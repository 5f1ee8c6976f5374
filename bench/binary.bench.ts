/**
 * The binary (per element) losses on the focal_prob_small workload shape ([8, 256, 256, 4], 2,097,152 float32
 * elements, bench/reference/workloads.json; workloads.json has no binary workload of its own), `valueAndGrad` with
 * `{ out }`: the WebAssembly kernels (kernels/binaryWasm.ts) and the JS kernels (the binary module turned off),
 * interleaved call by call, and PyTorch's CPU autograd forms in the same run (bench/torch/binaryLosses.py, same
 * shape, torch's own random inputs of the same kinds):
 * - `bce_prob_small`: sm `binaryCrossentropy` on the probabilities of `probabilityInputs` (torch: F.binary_cross_entropy
 *   on p clamped to [1e-7, 1 − 1e-7]);
 * - `binary_focal_prob_small`: sm `binaryFocalLoss()` (α = 0.25, γ = 2), same inputs;
 * - `sigmoid_focal_fb`: `focalLoss({ preset: 'monai' })` (sigmoid from logits, γ = 2, no α, mean) on
 *   `logitInputs` (torch: torchvision-style sigmoid_focal_loss);
 * - `soft_bce_fb`: `softBCEWithLogitsLoss({ smoothFactor: 0.1 })` (smp's defaults otherwise: ignoreIndex −100)
 *   on the same logits (torch: smp SoftBCEWithLogitsLoss's formula, F.binary_cross_entropy_with_logits on the
 *   smoothed target, masked by ignore_index).
 * Memory bound: read pr (or logits) and gt, write the gradient (float32), as workloads.json's focal_prob_small.
 * One JSON line per workload and implementation; the ratios in `note` and `vs_torch`.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setBinaryWasmEnabled } from '../src/core/kernels/binaryWasm.js';
import {
  binaryCrossentropy,
  binaryFocalLoss,
  focalLoss,
  softBCEWithLogitsLoss,
} from '../src/core/losses/index.js';
import type { Loss } from '../src/core/loss.js';
import {
  emit,
  loadWorkloads,
  logitInputs,
  memoryBoundMs,
  probabilityInputs,
  timeInterleaved,
} from './harness.js';
import { torchTimings } from './torch.js';
import { emitRelaxed, relaxedRow, useSimd128ByDefault } from './relaxed.js';

const w = loadWorkloads().focal_prob_small;
const shape = w.shape_nhwc!;
const prob = probabilityInputs(shape);
const fb = logitInputs(shape);

const WORKLOADS: Record<string, { loss: Loss; pr: Float32Array; gt: Float32Array; what: string }> = {
  bce_prob_small: { loss: binaryCrossentropy, pr: prob.pr, gt: prob.gt, what: 'sm binaryCrossentropy' },
  binary_focal_prob_small: {
    loss: binaryFocalLoss(),
    pr: prob.pr,
    gt: prob.gt,
    what: 'sm binaryFocalLoss (α 0.25, γ 2)',
  },
  sigmoid_focal_fb: {
    loss: focalLoss({ preset: 'monai', layout: 'channelsLast' }),
    pr: fb.logits,
    gt: fb.gt,
    what: "focalLoss({ preset: 'monai' }) sigmoid from logits (γ 2)",
  },
  soft_bce_fb: {
    loss: softBCEWithLogitsLoss({ smoothFactor: 0.1 }),
    pr: fb.logits,
    gt: fb.gt,
    what: 'softBCEWithLogitsLoss({ smoothFactor: 0.1 }) (smp, ignoreIndex −100)',
  },
};

const relaxed = useSimd128ByDefault();
const only = process.argv.slice(2);
const names = Object.keys(WORKLOADS).filter((n) => only.length === 0 || only.some((o) => n.includes(o)));
const script = resolve(dirname(fileURLToPath(import.meta.url)), 'torch/binaryLosses.py');
const torch = torchTimings(names, script);
const bound = await memoryBoundMs(w.min_bytes!.read, w.min_bytes!.write);

for (const name of names) {
  const { loss, pr, gt, what } = WORKLOADS[name];
  const p = { data: pr, shape };
  const g = { data: gt, shape };
  const out = new Float32Array(pr.length);
  let sink = 0;
  const values: Record<string, number> = {};
  const times = await timeInterleaved(
    {
      segkit_out: () => {
        sink += values.segkit_out = loss.valueAndGrad(g, p, { out }).value;
      },
      ...(relaxed.has('binary')
        ? {
            segkit_relaxed_out: relaxedRow(() => {
              sink += loss.valueAndGrad(g, p, { out }).value;
            }),
          }
        : {}),
      segkit_js_out: () => {
        setBinaryWasmEnabled(false);
        try {
          sink += values.segkit_js_out = loss.valueAndGrad(g, p, { out }).value;
        } finally {
          setBinaryWasmEnabled(true);
        }
      },
    },
    w.warmup,
    w.runs,
  );
  if (sink === 42) console.error('');
  const t = torch?.[name]?.median_ms;
  const wasmMs = times.segkit_out.median_ms;
  const jsMs = times.segkit_js_out.median_ms;
  const vsTorch = (ms: number) => (t === undefined ? {} : { vs_torch: Math.round((ms / t) * 100) / 100 });
  emit(name, 'segkit_out', w.elements, times.segkit_out, {
    layout: 'NHWC',
    value: values.segkit_out,
    note:
      `${what}.valueAndGrad(gt, pr, { out }), WebAssembly kernels: ${(wasmMs / bound).toFixed(2)}× memory bound ` +
      `(${bound.toFixed(2)} ms); ${(wasmMs / jsMs).toFixed(2)}× the JS kernels` +
      (t === undefined ? '' : `; ${(wasmMs / t).toFixed(2)}× PyTorch in this run (${t} ms)`),
    ...vsTorch(wasmMs),
  });
  emitRelaxed(name, w.elements, times, { bound, torchMs: t, what, layout: 'NHWC' });
  emit(name, 'segkit_js_out', w.elements, times.segkit_js_out, {
    layout: 'NHWC',
    value: values.segkit_js_out,
    note:
      `the same on the JS kernels (binary WebAssembly module off), interleaved: ${(jsMs / bound).toFixed(2)}× ` +
      `memory bound` +
      (t === undefined ? '' : `; ${(jsMs / t).toFixed(2)}× PyTorch in this run`),
    ...vsTorch(jsMs),
  });
  if (globalThis.gc) globalThis.gc();
}
