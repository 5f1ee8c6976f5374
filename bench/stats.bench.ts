/**
 * Statistics of `segkit eval --ci` and `segkit compare` (issue 14): a BCa and a percentile bootstrap of 2,000
 * resamples over 10,000 images × 10 classes (target: under 2 s), and the Wilcoxon signed-rank test with Holm's
 * correction over 10 classes × 4 metrics of 10,000 paired images; connected components of a 256×256×128 volume.
 * One JSON line per result, medians.
 */
import { connectedComponents } from '../src/core/evaluation/components.js';
import { bootstrapMeans } from '../src/core/evaluation/stats/bootstrap.js';
import { holm, wilcoxonSignedRank } from '../src/core/evaluation/stats/wilcoxon.js';
import { emit, time, xorshift32 } from './harness.js';

const images = 10_000;
const classes = 10;
const u = xorshift32(99);
// Per-image Dice-like scores in [0, 1] with 5 % undefined (NaN) entries, as an eval with empty classes gives.
const columns = Array.from({ length: classes }, () =>
  Float64Array.from({ length: images }, () =>
    u() < 0.05 ? NaN : Math.min(1, Math.max(0, 0.7 + 0.3 * (u() - 0.5))),
  ),
);
/** Median CPU time (user + system, ms) of `runs` calls: on a loaded machine the wall time includes waiting for a core. */
function cpuMedian(fn: () => unknown, runs: number): number {
  const xs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    xs.push((c.user + c.system) / 1000);
  }
  xs.sort((a, b) => a - b);
  return xs[runs >> 1];
}

for (const method of ['bca', 'percentile'] as const) {
  const call = () => bootstrapMeans(columns, { resamples: 2000, seed: 1, method });
  const t = await time(call, 1, 5);
  emit('bootstrap_10k_images_10_classes', `segkit_${method}`, images * classes, t, {
    cpu_ms: Math.round(cpuMedian(call, 3)),
    note: `bootstrapMeans, 2,000 resamples, ${images} images × ${classes} columns (target < 2,000 ms)`,
  });
}
// As `segkit eval --ci` runs it: the 10 class columns plus the foreground mean (classes 1–9) and the
// macro-imagewise summary (all 10) as groups, from their own replicates. Ratio to the plain run: same process.
{
  const groups = [{ columns: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, { columns: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }];
  const plain = () => bootstrapMeans(columns, { resamples: 2000, seed: 1 });
  const withGroups = () => bootstrapMeans(columns, { resamples: 2000, seed: 1 }, groups);
  const [cp, cg] = [cpuMedian(plain, 3), cpuMedian(withGroups, 3)];
  const t = await time(withGroups, 1, 5);
  emit('bootstrap_10k_images_10_classes', 'segkit_bca_with_2_groups', images * classes, t, {
    cpu_ms: Math.round(cg),
    cpu_ratio_to_plain: Number((cg / cp).toFixed(3)),
    note: 'bootstrapMeans with the foreground-mean and summary groups of eval --ci (CPU ratio to no groups, same run)',
  });
}
const other = columns.map((c) => c.map((v) => (Number.isNaN(v) ? v : Math.min(1, v + 0.02 * (u() - 0.3)))));
const t = await time(
  () => {
    const p: number[] = [];
    for (let m = 0; m < 4; m++)
      for (let c = 0; c < classes; c++) {
        const a: number[] = [];
        const b: number[] = [];
        for (let i = 0; i < images; i++)
          if (!Number.isNaN(columns[c][i]) && !Number.isNaN(other[c][i])) {
            a.push(columns[c][i]);
            b.push(other[c][i]);
          }
        p.push(wilcoxonSignedRank(a, b).pvalue);
      }
    return holm(p);
  },
  1,
  5,
);
emit('wilcoxon_holm_10k_pairs_40_tests', 'segkit', images * classes * 4, t, {
  note: 'wilcoxonSignedRank on 10,000 pairs for 10 classes × 4 metrics, then holm over the 40 p-values',
});

// Connected components of a 256×256×128 volume of smooth random blobs (target < 200 ms), 26- and 6-connectivity.
{
  const [D, H, W] = [128, 256, 256];
  const mask = new Uint8Array(D * H * W);
  const r = xorshift32(5);
  const centres = Array.from({ length: 300 }, () => [r() * D, r() * H, r() * W, 2 + r() * 10]);
  for (const [cz, cy, cx, rad] of centres)
    for (let z = Math.max(0, Math.floor(cz - rad)); z < Math.min(D, cz + rad); z++)
      for (let y = Math.max(0, Math.floor(cy - rad)); y < Math.min(H, cy + rad); y++)
        for (let x = Math.max(0, Math.floor(cx - rad)); x < Math.min(W, cx + rad); x++)
          if ((z - cz) ** 2 + (y - cy) ** 2 + (x - cx) ** 2 < rad * rad) mask[(z * H + y) * W + x] = 1;
  for (const connectivity of [26, 6] as const) {
    let count = 0;
    const t = await time(
      () => (count = connectedComponents({ data: mask, shape: [D, H, W] }, { connectivity }).count),
      2,
      9,
    );
    const call = () => connectedComponents({ data: mask, shape: [D, H, W] }, { connectivity });
    emit('components_256x256x128', `segkit_c${connectivity}`, D * H * W, t, {
      cpu_ms: Math.round(cpuMedian(call, 5)),
      note: `connectedComponents, ${count} components of 300 random balls (target < 200 ms)`,
    });
  }
}
