/**
 * Wall-time A/B of the sigmoid region losses from logits (MONAI DiceLoss(sigmoid=True), plain and squared_pred):
 * this tree's `src/` against a copy of another tree's `src/` (e.g. `git archive ceb1985 | tar -x -C /tmp/old`,
 * with node_modules linked), imported side by side in ONE process, paired call by call (order alternating):
 * `old` and `new`. With `--fused`, this tree only: the per-image fused form (family/denseFused.ts; the plain form
 * only: the squared one always runs its passes apart, so both of its sides are the same code) against its passes apart. Prints one JSON line per form: the medians and minima of both
 * sides in ms and the median of the per-pair ratios. A null run (the same code on both sides, two copies) gave
 * 0.996 and 0.999 here (docs/bench/2026-12-05-s8-fusedsig-oldold-null.jsonl): no bias of the order of import.
 * Usage: `npx tsx bench/ab/fusedSigmoid.ab.ts /tmp/old [N,C,D,H,W] [channelsFirst|channelsLast] [pairs]` or
 * `npx tsx bench/ab/fusedSigmoid.ab.ts --fused [shape] [layout] [pairs]`.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { diceLoss } from '../../src/core/losses/index.js';
import { denseFused } from '../../src/core/family/denseFused.js';

const [base, shapeArg, layoutArg, pairsArg] = process.argv.slice(2);
const fused = base === '--fused';
const shape = (shapeArg ?? '2,3,128,128,128').split(',').map(Number);
const layout = (layoutArg ?? 'channelsFirst') as 'channelsFirst' | 'channelsLast';
const pairs = Number(pairsArg ?? 21);
const n = shape.reduce((a, b) => a * b, 1);
let seed = 7;
const r = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const x = new Float32Array(n);
const g = new Float32Array(n);
for (let i = 0; i < n; i++) {
  x[i] = 4 * (r() + r() + r() - 1.5);
  g[i] = r() < 0.3 ? 1 : 0;
}
const out = new Float32Array(n);
type Loss = { valueAndGrad(gt: unknown, pr: unknown, o?: { out: Float32Array }): { value: number } };
const oldDice = fused
  ? undefined
  : (
      (await import(pathToFileURL(path.resolve(base, 'src/core/losses/index.ts')).href)) as {
        diceLoss: (o: object) => Loss;
      }
    ).diceLoss;
const med = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1];
for (const squared of [true, false]) {
  const o = {
    preset: 'monai',
    squared,
    smoothNr: 0,
    smoothDr: 1e-5,
    layout,
    fromLogits: true,
    activation: 'sigmoid',
  };
  const mine = diceLoss(o as Parameters<typeof diceLoss>[0]);
  const time = (side: 'a' | 'b') => {
    const loss = !fused && side === 'a' ? oldDice!(o) : mine;
    if (fused) denseFused.enabled = side === 'b';
    denseFused.minImage = 0;
    const t = performance.now();
    loss.valueAndGrad({ data: g, shape }, { data: x, shape }, { out });
    return performance.now() - t;
  };
  for (let i = 0; i < 3; i++) {
    time('a');
    time('b');
  }
  const [ta, tb, ratios] = [[], [], []] as number[][];
  for (let i = 0; i < pairs; i++) {
    let a: number;
    let b: number;
    if (i % 2) {
      a = time('a');
      b = time('b');
    } else {
      b = time('b');
      a = time('a');
    }
    ta.push(a);
    tb.push(b);
    ratios.push(a / b);
  }
  const [an, bn] = fused ? ['apart', 'fused'] : ['old', 'new'];
  console.log(
    JSON.stringify({
      shape: shape.join('x'),
      layout,
      squared,
      pairs,
      [`${an}_median_ms`]: +med(ta).toFixed(2),
      [`${bn}_median_ms`]: +med(tb).toFixed(2),
      [`${an}_min`]: +Math.min(...ta).toFixed(2),
      [`${bn}_min`]: +Math.min(...tb).toFixed(2),
      [`median_${an}_over_${bn}`]: +med(ratios).toFixed(3),
    }),
  );
}
