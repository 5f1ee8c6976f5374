/**
 * What the bad-input check costs (issue 10, "Bad input"): `checkInputs: true` (the default) against
 * `checkInputs: false`, per path (WebAssembly kernels and the JS kernels of each family), on the workloads'
 * sizes of bench/reference/workloads.json, `valueAndGrad` with `{ out }`. The two settings alternate call by
 * call in one process and each call's CPU time (process.cpuUsage, user + system) is recorded, so the ratio
 * does not see the time slicing of a shared machine; medians. One JSON line per (path, setting), the
 * checked ÷ unchecked ratio of the same run in `check_cost`.
 * `npm run bench -- checkInputs`.
 */
import { setElementwiseWasmEnabled } from '../src/core/kernels/elementwiseWasm.js';
import { setRegionWasmEnabled } from '../src/core/kernels/regionWasm.js';
import { setSoftmaxWasmEnabled } from '../src/core/kernels/softmaxRegion.js';
import type { Loss } from '../src/core/loss.js';
import {
  binaryCrossentropy,
  categoricalCrossentropy,
  categoricalFocalLoss,
  diceLoss,
  focalLoss,
} from '../src/core/losses/index.js';
import type { NdArray } from '../src/core/types.js';
import { emit, loadWorkloads, logitInputs, probabilityInputs } from './harness.js';

const W = loadWorkloads();

/** Channels-last [N, H, W, C] → channels-first [N, C, H, W]. */
function toFirst(a: Float32Array, shape: readonly number[]): Float32Array {
  const [N, H, Wd, C] = shape;
  const P = H * Wd;
  const out = new Float32Array(a.length);
  for (let b = 0; b < N; b++)
    for (let s = 0; s < P; s++) for (let c = 0; c < C; c++) out[(b * C + c) * P + s] = a[(b * P + s) * C + c];
  return out;
}

interface Path {
  /** workload (sizes) and what runs. */
  workload: string;
  path: string;
  make: (o: { checkInputs: boolean }) => Loss;
  inputs: 'probabilities' | 'logits' | 'logits-first';
  /** Which WebAssembly modules are on. */
  wasm: boolean;
}

const cl = { layout: 'channelsLast' as const };
const PATHS: Path[] = [
  {
    workload: 'dice_prob_small',
    path: 'region dense, WebAssembly',
    make: (o) => diceLoss(o),
    inputs: 'probabilities',
    wasm: true,
  },
  {
    workload: 'dice_prob_small',
    path: 'region dense, JS',
    make: (o) => diceLoss(o),
    inputs: 'probabilities',
    wasm: false,
  },
  {
    workload: 'dice_fb_small',
    path: 'region softmax fused, WebAssembly',
    make: (o) => diceLoss({ ...o, ...cl, preset: 'monai', fromLogits: true }),
    inputs: 'logits',
    wasm: true,
  },
  {
    workload: 'dice_fb_small',
    path: 'region softmax fused, JS',
    make: (o) => diceLoss({ ...o, ...cl, preset: 'monai', fromLogits: true }),
    inputs: 'logits',
    wasm: false,
  },
  {
    workload: 'dice_fb_small',
    path: 'region from logits, general JS (channels-first)',
    make: (o) => diceLoss({ ...o, preset: 'monai', fromLogits: true }),
    inputs: 'logits-first',
    wasm: true,
  },
  {
    workload: 'focal_prob_small',
    path: 'sm focal, WebAssembly',
    make: (o) => categoricalFocalLoss(o),
    inputs: 'probabilities',
    wasm: true,
  },
  {
    workload: 'focal_prob_small',
    path: 'sm focal, JS',
    make: (o) => categoricalFocalLoss(o),
    inputs: 'probabilities',
    wasm: false,
  },
  {
    workload: 'cce_prob_small',
    path: 'sm cce, WebAssembly',
    make: (o) => categoricalCrossentropy(o),
    inputs: 'probabilities',
    wasm: true,
  },
  {
    workload: 'cce_prob_small',
    path: 'sm cce, JS',
    make: (o) => categoricalCrossentropy(o),
    inputs: 'probabilities',
    wasm: false,
  },
  {
    workload: 'cce_prob_small',
    path: 'sm bce, JS',
    make: (o) => binaryCrossentropy(o),
    inputs: 'probabilities',
    wasm: true,
  },
  {
    workload: 'focal_fb',
    path: 'softmax focal from logits, WebAssembly',
    make: (o) => focalLoss({ ...o, ...cl, preset: 'monai', activation: 'softmax' }),
    inputs: 'logits',
    wasm: true,
  },
  {
    workload: 'focal_fb',
    path: 'softmax focal from logits, JS',
    make: (o) => focalLoss({ ...o, ...cl, preset: 'monai', activation: 'softmax' }),
    inputs: 'logits',
    wasm: false,
  },
];

function setWasm(on: boolean): void {
  setRegionWasmEnabled(on);
  setSoftmaxWasmEnabled(on);
  setElementwiseWasmEnabled(on);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const filter = process.argv.slice(2);
for (const p of PATHS) {
  if (filter.length > 0 && !filter.some((f) => p.path.includes(f) || p.workload.includes(f))) continue;
  const w = W[p.workload];
  const shape = w.shape_nhwc!;
  let gt: NdArray;
  let pr: NdArray;
  if (p.inputs === 'probabilities') {
    const d = probabilityInputs(shape);
    gt = { data: d.gt, shape };
    pr = { data: d.pr, shape };
  } else {
    const d = logitInputs(shape);
    const first = p.inputs === 'logits-first';
    const s = first ? w.shape_nchw! : shape;
    gt = { data: first ? toFirst(d.gt, shape) : d.gt, shape: s };
    pr = { data: first ? toFirst(d.logits, shape) : d.logits, shape: s };
  }
  setWasm(p.wasm);
  const out = new Float32Array(pr.data.length);
  const checked = p.make({ checkInputs: true });
  const unchecked = p.make({ checkInputs: false });
  const runs = Math.max(11, w.runs);
  const cpu: [number[], number[]] = [[], []];
  const wall: [number[], number[]] = [[], []];
  for (let r = 0; r < runs + w.warmup; r++) {
    // Alternate the order each run so neither setting always follows the other.
    for (const k of r % 2 ? [1, 0] : [0, 1]) {
      const loss = k === 0 ? checked : unchecked;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      loss.valueAndGrad(gt, pr, { out });
      const t1 = performance.now();
      const c = process.cpuUsage(c0);
      if (r >= w.warmup) {
        cpu[k].push((c.user + c.system) / 1000);
        wall[k].push(t1 - t0);
      }
    }
  }
  const cost = median(cpu[0]) / median(cpu[1]);
  for (const k of [0, 1]) {
    const t = {
      median_ms: median(wall[k]),
      min_ms: Math.min(...wall[k]),
      max_ms: Math.max(...wall[k]),
      runs,
    };
    emit(p.workload, k === 0 ? 'segkit_out_checked' : 'segkit_out_unchecked', w.elements, t, {
      path: p.path,
      cpu_median_ms: Math.round(median(cpu[k]) * 1000) / 1000,
      check_cost: Math.round(cost * 1000) / 1000,
    });
  }
}
setWasm(true);
