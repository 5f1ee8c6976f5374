/**
 * `npm run bench -- tfjs`: segkit/tfjs's fused losses (`tf.customGrad`, closed-form gradient) against the
 * same sm formula as a plain TF.js op composition differentiated by `tf.valueAndGrad`, on the `*_prob_*`
 * workloads of bench/reference/workloads.json (inputs as baseline.md builds them), on the `wasm` and `cpu`
 * backends. Each timed run computes the value and the full gradient and reads both back (`dataSync`), as
 * workloads.json's timing asks; the two implementations are interleaved run by run. One JSON line per
 * (workload, impl, backend): `segkit_tfjs_fused` or `tfjs_composition`, plus `speedup` (composition ÷
 * fused, on the fused line). The `cpu` backend (plain JavaScript) runs the small workloads only: the
 * composition takes seconds per run there and the large ones would take minutes.
 * Benchmarks report, they never assert.
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type NodeBackend } from '../src/cli/demo/backend.js';
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
import { emit, loadWorkloads, probabilityInputs, timeInterleaved } from './harness.js';

type Composition = (gt: tf.Tensor, pr: tf.Tensor) => tf.Scalar;

const IMPLS: Record<string, [TfLoss, Composition]> = {
  sm_dice_prob: [diceLoss, diceComposition],
  sm_jaccard_prob: [jaccardLoss, jaccardComposition],
  sm_focal_prob: [categoricalFocalLoss, categoricalFocalComposition],
  sm_cce_prob: [categoricalCrossentropy, categoricalCeComposition],
};

/** The cpu backend runs these only (see the module comment). */
const CPU_WORKLOADS = new Set([
  'dice_prob_small',
  'jaccard_prob_small',
  'focal_prob_small',
  'cce_prob_small',
]);

/** One timed call: value and gradient, both read back; returns the value. */
function run(loss: (gt: tf.Tensor, pr: tf.Tensor) => tf.Scalar, gt: tf.Tensor, pr: tf.Tensor): number {
  const { value, grad } = tf.valueAndGrad((p: tf.Tensor) => loss(gt, p))(pr);
  const v = value.dataSync()[0];
  grad.dataSync();
  tf.dispose([value, grad]);
  return v;
}

async function main(): Promise<void> {
  const workloads = loadWorkloads();
  const filter = process.argv.slice(2);
  const names = Object.keys(workloads).filter(
    (w) => w.includes('_prob_') && (filter.length === 0 || filter.some((f) => w.includes(f))),
  );
  for (const backend of ['wasm', 'cpu'] as NodeBackend[]) {
    await useBackend(backend);
    for (const name of names) {
      if (backend === 'cpu' && !CPU_WORKLOADS.has(name)) continue;
      const w = workloads[name];
      const [fused, composition] = IMPLS[w.kind] ?? [];
      if (!fused || !composition) throw new Error(`bench: no TF.js loss for workload ${name} (${w.kind})`);
      const shape = w.shape_nhwc as number[];
      const inputs = probabilityInputs(shape);
      const gt = tf.tensor(inputs.gt, shape);
      const pr = tf.tensor(inputs.pr, shape);
      const values: Record<string, number> = {};
      const t = await timeInterleaved(
        {
          segkit_tfjs_fused: () => (values.fused = run(fused, gt, pr)),
          tfjs_composition: () => (values.composition = run(composition, gt, pr)),
        },
        w.warmup,
        w.runs,
      );
      tf.dispose([gt, pr]);
      const speedup = Math.round((t.tfjs_composition.median_ms / t.segkit_tfjs_fused.median_ms) * 100) / 100;
      const extra = { lib: 'segkit', backend, layout: 'NHWC' };
      emit(name, 'segkit_tfjs_fused', w.elements, t.segkit_tfjs_fused, {
        ...extra,
        value: values.fused,
        speedup,
        note: `composition ÷ fused = ${speedup}×`,
      });
      emit(name, 'tfjs_composition', w.elements, t.tfjs_composition, {
        ...extra,
        lib: 'tfjs',
        value: values.composition,
      });
    }
  }
}

await main();
