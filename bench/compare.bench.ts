/**
 * `segkit compare` statistics with regions and lesions (issue 14): `compareResults` of two models over 2,000
 * images, 4 metrics × 3 classes (plus the foreground mean), then the same with 3 regions and `--lesions` (3 lesion
 * measures × 6 lesion rows) — 16 + 12 + 18 = 46 rows instead of 16. The ratio of the two is measured in the same
 * run (the machine is shared; absolute times are noisy). One JSON line per result, medians.
 */
import { compareResults } from '../src/cli/compare/stats.js';
import type { ModelValues } from '../src/cli/compare/stats.js';
import type { LesionCounts } from '../src/core/evaluation/components.js';
import type { EvalResult } from '../src/cli/eval/schema.js';
import { emit, time, xorshift32 } from './harness.js';

const images = 2000;
const metrics = ['dice', 'iou', 'precision', 'recall'];
const u = xorshift32(7);
const score = (shift: number) => Math.min(1, Math.max(0, 0.7 + shift + 0.3 * (u() - 0.5)));

/** A synthetic evaluation: per image 3 class values and 3 region values per metric, 6 lesion-count rows. */
function model(shift: number, sections: boolean): ModelValues {
  const regions = ['WT', 'TC', 'ET'].map((name) => ({ name, labels: [1] }));
  const per = () => Object.fromEntries(metrics.map((m) => [m, [score(shift), score(shift), score(shift)]]));
  const counts = (): LesionCounts => {
    const g = 1 + Math.floor(u() * 4);
    const tp = Math.floor(u() * (g + 1));
    const p = tp + Math.floor(u() * 3);
    return { gtLesions: g, tp, fn: g - tp, predLesions: p, tpPred: tp, fp: p - tp, lesionDiceSum: tp * u() };
  };
  const result = {
    settings: { metrics, numClasses: 4, percentile: 95 },
    classes: [1, 2, 3].map((index) => ({ index, name: String(index) })),
    images: Array.from({ length: images }, (_, i) => ({ id: `i${i}`, metrics: per() })),
    regions: sections ? { regions, images: Array.from({ length: images }, per), summary: {} } : null,
    lesions: sections
      ? {
          results: [
            ...[1, 2, 3].map((index) => ({ index, name: String(index) })),
            ...regions.map((r) => ({ index: null, name: r.name })),
          ],
        }
      : null,
  } as unknown as EvalResult;
  return {
    result,
    lesions: sections ? Array.from({ length: images }, () => Array.from({ length: 6 }, counts)) : null,
  };
}

const ci = { level: 0.95, resamples: 2000, seed: 0, method: 'bca' as const };
const plain = [model(0, false), model(0.01, false)];
const full = [model(0, true), model(0.01, true)];
// Interleaved (one call of each per round), so that both see the same load.
const samples: [number[], number[]] = [[], []];
for (let r = 0; r < 7; r++) {
  for (const [k, m] of [plain, full].entries()) {
    const t = await time(() => compareResults(m, ci), r === 0 ? 1 : 0, 1);
    samples[k].push(t.median_ms);
  }
}
const timing = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median_ms: s[s.length >> 1], min_ms: s[0], max_ms: s[s.length - 1], runs: s.length };
};
const [tp, tf] = samples.map(timing);
const rows = (m: ModelValues[]) => compareResults(m, { ...ci, resamples: 10 })[0].rows.length;
emit('compare_2k_images', 'segkit_classes', images * rows(plain), tp, {
  rows: rows(plain),
  note: 'compareResults, 2 models, 2,000 images, 4 metrics × (3 classes + foreground mean), BCa 2,000 resamples',
});
emit('compare_2k_images', 'segkit_classes_regions_lesions', images * rows(full), tf, {
  rows: rows(full),
  ratio_to_classes: Number((tf.median_ms / tp.median_ms).toFixed(3)),
  note: 'the same with 3 regions × 4 metrics and 3 lesion measures × 6 lesion rows (ratio: same run)',
});
