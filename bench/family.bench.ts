/**
 * From-logits Dice and focal forward+backward (issue 6) on the `*_fb*` workloads of ../shared/bench/workloads.json:
 * dice = MONAI DiceLoss(softmax=True) = `diceLoss({ preset: 'monai', fromLogits: true })`, focal = MONAI
 * FocalLoss(use_softmax=True, gamma=2) = `focalLoss({ preset: 'monai', activation: 'softmax', gamma: 2 })`.
 * Inputs: `logitInputs` (channels-last, baseline.md's generator), so the values compare with baseline.md's.
 * One JSON line per workload, PyTorch 1.13's CPU figures (baseline.md) in `note`.
 */
import { diceLoss, focalLoss } from '../src/core/losses/index.js';
import type { Loss } from '../src/core/loss.js';
import { emit, loadWorkloads, logitInputs, memoryBoundMs, time } from './harness.js';

/** baseline.md: PyTorch 1.13 CPU (1 thread, keepmem) and the reference loss values on the same inputs. */
const BASELINE: Record<string, { torch: string; torchMs: number; monaiMs: number; value: number }> = {
  dice_fb_small: { torch: 'torch_minimal_dice', torchMs: 5.51, monaiMs: 6.04, value: 0.7505311 },
  dice_fb_large: { torch: 'torch_minimal_dice', torchMs: 93.2, monaiMs: 93.0, value: 0.8749447 },
  dice_fb_3d: { torch: 'torch_minimal_dice', torchMs: 29.9, monaiMs: 30.4, value: 0.6667735 },
  focal_fb: { torch: 'torch_minimal_focal', torchMs: 12.8, monaiMs: 13.0, value: 0.4785554 },
};

const dice = diceLoss({ preset: 'monai', fromLogits: true });
const focal = focalLoss({ preset: 'monai', activation: 'softmax', gamma: 2 });

const workloads = loadWorkloads();
const only = process.argv.slice(2);
for (const name of Object.keys(BASELINE)) {
  if (only.length > 0 && !only.some((o) => name.includes(o))) continue;
  const w = workloads[name];
  const shape = w.shape_nhwc!;
  const { logits, gt } = logitInputs(shape);
  const pr = { data: logits, shape };
  const g = { data: gt, shape };
  const loss: Loss = w.kind === 'focal_fb' ? focal : dice;
  let value = NaN;
  const t = await time(
    () => {
      value = loss.valueAndGrad(g, pr).value;
    },
    w.warmup,
    w.runs,
  );
  const b = BASELINE[name];
  const bound = await memoryBoundMs(w.min_bytes!.read, w.min_bytes!.write);
  emit(name, 'segkit', w.elements, t, {
    layout: 'NHWC',
    value,
    note:
      `${loss.name} fwd+bwd from logits (softmax stored once, float64 sums); reference value ${b.value} ` +
      `(|Δ| ${Math.abs(value - b.value).toExponential(2)}); PyTorch 1.13 CPU 1 thread: ${b.torch} ${b.torchMs} ms, ` +
      `MONAI ${b.monaiMs} ms (${(t.median_ms / b.torchMs).toFixed(2)}× torch); memory-bound ${bound.toFixed(2)} ms ` +
      `(${(t.median_ms / bound).toFixed(1)}× bound)`,
  });
  if (globalThis.gc) globalThis.gc();
}
