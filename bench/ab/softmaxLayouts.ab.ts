/**
 * Wall-time A/B of the fused softmax region path from logits (MONAI `diceLoss({ fromLogits: true })`,
 * `valueAndGrad(…, { out })`): this tree's `src/` against a copy of another commit's `src/`, imported side by side
 * in ONE process and interleaved call by call (order rotating, bench/harness.ts's timeInterleaved), in
 * channels-first (both sides) and channels-last (this tree) on the same transposed data.
 * Not a `*.bench.ts` (it needs the copy):
 *   git archive <commit> src | tar -x -C /tmp/base && npx tsx bench/ab/softmaxLayouts.ab.ts /tmp/base/src [N,H,W,C] [runs]
 * Prints one JSON line per row: median and min ms, the loss value. Give the same commit twice (this tree's own
 * `src/` as the copy) for an A/A run: the rows `base_nchw` and `new_nchw` then differ by the noise and by any bias
 * of the order of import (docs/notes/issue-10-planar8.md: within 2 % there).
 */
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { logitInputs, timeInterleaved } from '../harness.js';
import { diceLoss } from '../../src/core/losses/index.js';

type Loss = { valueAndGrad(gt: unknown, pr: unknown, o?: { out: Float32Array }): { value: number } };

const base = process.argv[2] ?? '/tmp/base/src';
const [N, H, W, C] = (process.argv[3] ?? '16,512,512,8').split(',').map(Number);
const runs = Number(process.argv[4] ?? 11);
const old = (await import(pathToFileURL(path.join(base, 'core/losses/index.ts')).href)) as {
  diceLoss: (o: object) => Loss;
};

const shape = [N, H, W, C];
const { logits, gt } = logitInputs(shape);
/** Channels-last [N, …, C] data as channels-first [N, C, …]. */
function toNchw(a: Float32Array): Float32Array {
  const P = a.length / (N * C);
  const t = new Float32Array(a.length);
  for (let b = 0; b < N; b++)
    for (let s = 0; s < P; s++) for (let c = 0; c < C; c++) t[(b * C + c) * P + s] = a[(b * P + s) * C + c];
  return t;
}
const first = {
  pr: { data: toNchw(logits), shape: [N, C, H, W] },
  gt: { data: toNchw(gt), shape: [N, C, H, W] },
};
const last = { pr: { data: logits, shape }, gt: { data: gt, shape } };
const out = new Float32Array(logits.length);
const options = (layout: string) => ({ preset: 'monai', fromLogits: true, layout });
const rows: Record<string, [Loss, typeof first]> = {
  base_nchw: [old.diceLoss(options('channelsFirst')), first],
  new_nchw: [diceLoss(options('channelsFirst') as never) as Loss, first],
  new_nhwc: [diceLoss(options('channelsLast') as never) as Loss, last],
};
const values: Record<string, number> = {};
const fns = Object.fromEntries(
  Object.entries(rows).map(([k, [loss, d]]) => [
    k,
    () => (values[k] = loss.valueAndGrad(d.gt, d.pr, { out }).value),
  ]),
);
const times = await timeInterleaved(fns, 2, runs);
for (const [k, t] of Object.entries(times)) {
  console.log(
    JSON.stringify({
      row: k,
      shape,
      runs,
      median_ms: +t.median_ms.toFixed(2),
      min_ms: +t.min_ms.toFixed(2),
      value: values[k],
    }),
  );
}
