/**
 * The squared (V-Net) form of Dice, MONAI DiceLoss(squared_pred=True) = `diceLoss({ preset: 'monai', squared: true,
 * smoothNr: 0, smoothDr: 1e-5 })` (the BraTS tutorial's options), valueAndGrad into { out }, from probabilities and
 * from float32 logits with a sigmoid (`sigmoid=True`) or a softmax (`softmax=True`). segkit's own workloads (not in workloads.json), seeded:
 *   squared_dice_prob_nhwc      8×256×256×4 channels-last probabilities (uniform) and a 0/1 mask (30 % ones)
 *   squared_dice_sigmoid_nhwc   the same shape from logits (a bell on (−6, 6): a sum of three uniforms)
 *   squared_dice_brats_nchw     2×3×128×128×128 channels-first logits (BraTS-like: 3 sigmoid regions of a volume)
 *   squared_dice_brats_prob_nchw  the same volume from probabilities (uniform)
 *   dice_sigmoid_brats_nchw     the same logits, the plain form (MONAI DiceLoss(sigmoid=True))
 *   squared_dice_softmax_nchw   8×4×256×256 channels-first logits with a softmax (MONAI softmax=True)
 * Rows, interleaved call by call in one run: `segkit_out` (the squared form on the dense stage of denseStats.ts,
 * WebAssembly; per image fused where it applies: family/denseFused.ts), `segkit_apart_out` (the fused form off:
 * the two passes apart, p stored in `out`), `segkit_js_out` (WebAssembly off: the stage's JS kernels), `segkit_general_out` (the stage off:
 * the general JS loops of region.ts, what main ran before), and PyTorch 1.13's CPU autograd of the same loss on
 * the same inputs (bench/torch/squaredDice.py, 1 thread) timed right after in the same process tree.
 * Usage: `npm run bench -- squared` (or `node --expose-gc --import tsx bench/squared.bench.ts [name ...]`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diceLoss } from '../src/core/losses/index.js';
import { denseSigmoid, denseSquared } from '../src/core/family/denseStats.js';
import { denseFused } from '../src/core/family/denseFused.js';
import { setRegionWasmEnabled } from '../src/core/kernels/regionWasm.js';
import { emit, memoryBoundMs, timeSwitchedRows, xorshift32 } from './harness.js';
import { torchTimings } from './torch.js';

interface Workload {
  name: string;
  shape: number[];
  layout: 'channelsLast' | 'channelsFirst';
  /** From probabilities (none), or from float32 logits through a sigmoid or a softmax. */
  activation: 'none' | 'sigmoid' | 'softmax';
  /** The plain form instead of the squared one (MONAI squared_pred=False). @default false */
  plain?: boolean;
}

const WORKLOADS: Workload[] = [
  { name: 'squared_dice_prob_nhwc', shape: [8, 256, 256, 4], layout: 'channelsLast', activation: 'none' },
  {
    name: 'squared_dice_sigmoid_nhwc',
    shape: [8, 256, 256, 4],
    layout: 'channelsLast',
    activation: 'sigmoid',
  },
  {
    name: 'squared_dice_brats_nchw',
    shape: [2, 3, 128, 128, 128],
    layout: 'channelsFirst',
    activation: 'sigmoid',
  },
  {
    name: 'squared_dice_brats_prob_nchw',
    shape: [2, 3, 128, 128, 128],
    layout: 'channelsFirst',
    activation: 'none',
  },
  {
    name: 'dice_sigmoid_brats_nchw',
    shape: [2, 3, 128, 128, 128],
    layout: 'channelsFirst',
    activation: 'sigmoid',
    plain: true,
  },
  {
    name: 'squared_dice_softmax_nchw',
    shape: [8, 4, 256, 256],
    layout: 'channelsFirst',
    activation: 'softmax',
  },
];

const only = process.argv.slice(2);
const script = resolve(dirname(fileURLToPath(import.meta.url)), 'torch/squaredDice.py');
// The inputs go to files that the PyTorch script reads (SEGKIT_SQUARED_INPUTS), so both time the same numbers.
const dir = mkdtempSync(join(tmpdir(), 'segkit-squared-'));
process.env.SEGKIT_SQUARED_INPUTS = dir;

function inputs(w: Workload): { x: Float32Array; g: Float32Array } {
  const n = w.shape.reduce((a, b) => a * b, 1);
  const r = xorshift32(7);
  const x = new Float32Array(n);
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = w.activation !== 'none' ? 4 * (r() + r() + r() - 1.5) : r();
    g[i] = r() < 0.3 ? 1 : 0;
  }
  return { x, g };
}

async function bench(w: Workload): Promise<void> {
  const { x, g } = inputs(w);
  const n = x.length;
  writeFileSync(
    join(dir, `${w.name}.json`),
    JSON.stringify({ shape: w.shape, layout: w.layout, activation: w.activation, squared: !w.plain }),
  );
  writeFileSync(join(dir, `${w.name}.x.f32`), x);
  writeFileSync(join(dir, `${w.name}.g.f32`), g);
  const loss = diceLoss({
    preset: 'monai',
    squared: !w.plain,
    smoothNr: 0,
    smoothDr: 1e-5,
    layout: w.layout,
    ...(w.activation !== 'none' ? { fromLogits: true, activation: w.activation } : {}),
  });
  const pr = { data: x, shape: w.shape };
  const gt = { data: g, shape: w.shape };
  const out = new Float32Array(n);
  const { times, values } = await timeSwitchedRows(() => loss.valueAndGrad(gt, pr, { out }).value, {
    segkit_out: [],
    segkit_apart_out: [() => (denseFused.enabled = false), () => (denseFused.enabled = true)],
    segkit_js_out: [() => setRegionWasmEnabled(false), () => setRegionWasmEnabled(true)],
    segkit_general_out: [
      () => (denseSquared.enabled = denseSigmoid.enabled = false),
      () => (denseSquared.enabled = denseSigmoid.enabled = true),
    ],
  });
  const torch = torchTimings([w.name], script)?.[w.name];
  const general = times.segkit_general_out.median_ms;
  const bound = await memoryBoundMs(8 * n, 4 * n);
  for (const [impl, t] of Object.entries(times)) {
    emit(w.name, impl, n, t, {
      layout: w.layout === 'channelsLast' ? 'NHWC' : 'NCHW',
      value: values[impl],
      ...(torch ? { vs_torch: Number((t.median_ms / torch.median_ms).toFixed(3)) } : {}),
      note:
        `${loss.name} ${w.plain ? 'plain' : 'squared (V-Net)'} from ${w.activation === 'none' ? 'probabilities' : `float32 logits with a ${w.activation}`}, ` +
        `valueAndGrad into { out }; ${(general / t.median_ms).toFixed(1)}× faster than segkit_general_out in this ` +
        `run; ${(t.median_ms / bound).toFixed(1)}× memory bound (${bound.toFixed(2)} ms)` +
        (torch ? `; torch ${torch.median_ms} ms (value ${torch.value})` : ''),
    });
  }
}

try {
  for (const w of WORKLOADS) {
    if (only.length > 0 && !only.some((o) => w.name.includes(o))) continue;
    await bench(w);
    if (globalThis.gc) globalThis.gc();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
