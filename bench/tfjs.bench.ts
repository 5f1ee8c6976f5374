/**
 * `npm run bench -- tfjs`: segkit/tfjs's losses on the `*_prob_*` workloads (sm's losses on probabilities)
 * and on `dice_fb_small` (MONAI's Dice from logits, `diceLoss({ preset: 'monai', fromLogits: true })`) of
 * bench/reference/workloads.json (inputs as baseline.md builds them), on the `wasm` and `cpu` backends.
 * Implementations, interleaved run by run so their ratios see the same machine state:
 * - `segkit_tfjs`: the factory as a user gets it (on cpu and wasm: the core's kernels on the tensors' data);
 * - `segkit_tfjs_ops`: the same loss forced onto its TF.js-op path (what `webgl` runs; for `dice_fb` the
 *   loss family's op path: softmax by ops, the statistics custom op);
 * - `tfjs_composition`: the same formula as plain TF.js ops differentiated by `tf.valueAndGrad`;
 * - `segkit_core`: the core on the same Float32Arrays, no tensors (the target's yardstick).
 * Each TF.js run computes the value and the full gradient and reads both back (`dataSync`), as
 * workloads.json's timing asks. The `segkit_tfjs` line carries `vs_core` (segkit_tfjs ÷ segkit_core; the
 * issue-11 target is ≤ 3 on wasm for dice_prob_small, focal_prob_small, dice_fb_small) and `speedup`
 * (composition ÷ segkit_tfjs). The `cpu` backend runs the small workloads only: the composition takes
 * seconds per run there. Benchmarks report, they never assert.
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type NodeBackend } from '../src/cli/demo/backend.js';
import * as core from '../src/core/losses/index.js';
import type { Loss } from '../src/core/loss.js';
import { setComputePath } from '../src/tfjs/fromCore.js';
import {
  categoricalCrossentropy,
  categoricalFocalLoss,
  diceLoss,
  jaccardLoss,
  type TfLoss,
} from '../src/tfjs/index.js';
import {
  categoricalCeComposition,
  categoricalFocalComposition,
  diceComposition,
  jaccardComposition,
} from '../test/tfjs/composition.js';
import { emit, loadWorkloads, logitInputs, probabilityInputs, timeInterleaved } from './harness.js';

type Composition = (gt: tf.Tensor, pr: tf.Tensor) => tf.Scalar;

const monaiDice = { preset: 'monai', fromLogits: true, layout: 'channelsLast' } as const;

/** workload kind → [segkit/tfjs loss, op composition, core loss, has an op path, inputs are logits]. */
const IMPLS: Record<string, [TfLoss, Composition, Loss, boolean, boolean]> = {
  sm_dice_prob: [diceLoss, diceComposition, core.diceLoss, true, false],
  sm_jaccard_prob: [jaccardLoss, jaccardComposition, core.jaccardLoss, true, false],
  sm_focal_prob: [categoricalFocalLoss, categoricalFocalComposition, core.categoricalFocalLoss, true, false],
  sm_cce_prob: [categoricalCrossentropy, categoricalCeComposition, core.categoricalCrossentropy, true, false],
  // MONAI DiceLoss(softmax=True): per image and class, mean over both = sm's per-image Dice of the softmax.
  dice_fb: [
    diceLoss(monaiDice),
    (gt, x) => diceComposition(gt, tf.softmax(x), { perImage: true }),
    core.diceLoss(monaiDice),
    true, // the family's op path (issue 11, round 2): what webgl runs
    true,
  ],
};

/** The cpu backend runs these only (see the module comment). */
const CPU_WORKLOADS = new Set([
  'dice_prob_small',
  'jaccard_prob_small',
  'focal_prob_small',
  'cce_prob_small',
  'dice_fb_small',
]);

/** One timed call: value and gradient, both read back; returns the value. */
function run(loss: (gt: tf.Tensor, pr: tf.Tensor) => tf.Scalar, gt: tf.Tensor, pr: tf.Tensor): number {
  const { value, grad } = tf.valueAndGrad((p: tf.Tensor) => loss(gt, p))(pr);
  const v = value.dataSync()[0];
  grad.dataSync();
  tf.dispose([value, grad]);
  return v;
}

/** `run` with the factories forced onto their TF.js-op path. */
function runOps(loss: TfLoss, gt: tf.Tensor, pr: tf.Tensor): number {
  setComputePath('ops');
  try {
    return run(loss, gt, pr);
  } finally {
    setComputePath('auto');
  }
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

async function main(): Promise<void> {
  const workloads = loadWorkloads();
  const filter = process.argv.slice(2);
  const names = Object.keys(workloads).filter(
    (w) =>
      (w.includes('_prob_') || w === 'dice_fb_small') &&
      (filter.length === 0 || filter.some((f) => w.includes(f))),
  );
  for (const backend of ['wasm', 'cpu'] as NodeBackend[]) {
    await useBackend(backend);
    for (const name of names) {
      if (backend === 'cpu' && !CPU_WORKLOADS.has(name)) continue;
      const w = workloads[name];
      const impl = IMPLS[w.kind];
      if (!impl) throw new Error(`bench: no TF.js loss for workload ${name} (${w.kind})`);
      const [fused, composition, coreLoss, hasOps, logits] = impl;
      const shape = w.shape_nhwc as number[];
      const inputs = logits
        ? (({ logits: pr, gt }) => ({ pr, gt }))(logitInputs(shape))
        : probabilityInputs(shape);
      const gt = tf.tensor(inputs.gt, shape);
      const pr = tf.tensor(inputs.pr, shape);
      const nd = { gt: { data: inputs.gt, shape }, pr: { data: inputs.pr, shape } };
      const values: Record<string, number> = {};
      const fns: Record<string, () => unknown> = {
        segkit_tfjs: () => (values.segkit_tfjs = run(fused, gt, pr)),
        tfjs_composition: () => (values.tfjs_composition = run(composition, gt, pr)),
        segkit_core: () => (values.segkit_core = coreLoss.valueAndGrad(nd.gt, nd.pr).value),
      };
      if (hasOps) fns.segkit_tfjs_ops = () => (values.segkit_tfjs_ops = runOps(fused, gt, pr));
      const t = await timeInterleaved(fns, w.warmup, w.runs);
      tf.dispose([gt, pr]);
      const ms = (k: string) => t[k].median_ms;
      const vsCore = ratio(ms('segkit_tfjs'), ms('segkit_core'));
      const speedup = ratio(ms('tfjs_composition'), ms('segkit_tfjs'));
      const extra = { backend, layout: 'NHWC' };
      emit(name, 'segkit_tfjs', w.elements, t.segkit_tfjs, {
        ...extra,
        value: values.segkit_tfjs,
        vs_core: vsCore,
        speedup,
        note: `segkit_tfjs ÷ segkit_core = ${vsCore}×; composition ÷ segkit_tfjs = ${speedup}×`,
      });
      if (hasOps) {
        const opsSpeedup = ratio(ms('tfjs_composition'), ms('segkit_tfjs_ops'));
        emit(name, 'segkit_tfjs_ops', w.elements, t.segkit_tfjs_ops, {
          ...extra,
          value: values.segkit_tfjs_ops,
          speedup: opsSpeedup,
          note: `composition ÷ ops path = ${opsSpeedup}×`,
        });
      }
      emit(name, 'tfjs_composition', w.elements, t.tfjs_composition, {
        ...extra,
        lib: 'tfjs',
        value: values.tfjs_composition,
      });
      emit(name, 'segkit_core', w.elements, t.segkit_core, { value: values.segkit_core, layout: 'NHWC' });
    }
  }
}

await main();
