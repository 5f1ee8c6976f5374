/**
 * The terminal table of `segkit compare`: one block per comparison, one row per metric and class.
 * @module
 */
import { formatInterval, formatNumber } from '../eval/format.js';
import { fromJsonNumber } from '../eval/schema.js';
import type { JsonNumber } from '../eval/schema.js';
import { formatAs, measureLabel, rowName } from './stats.js';

export { rowName } from './stats.js';
import type { CompareResult } from './types.js';

/** A p-value: 4 significant digits, or `<1e-16`-style exponents. */
export function formatP(p: JsonNumber): string {
  const v = fromJsonNumber(p);
  if (Number.isNaN(v)) return 'nan';
  return v >= 1e-4 ? v.toFixed(4) : v.toExponential(2);
}

/**
 * The table: per comparison a heading `B vs A (baseline): <paths>`, then per metric and class the means of A and
 * B, the mean difference B − A with its interval, the Wilcoxon p-value and variant, the Holm-adjusted p-value
 * and which model is better at the chosen alpha.
 * @example formatCompareTable(result).split('\n')[0] // 'B vs A: pred_b vs pred_a (74 images)'
 */
export function formatCompareTable(result: CompareResult): string {
  const { percentile } = result.settings;
  const { ci, alpha } = result.statistics;
  const out: string[] = [];
  for (const cmp of result.comparisons) {
    const [a, b] = [result.models[cmp.against], result.models[cmp.model]];
    out.push(`${b.name} vs ${a.name}: ${b.path} vs ${a.path} (${result.images} images)`);
    const head = [
      'metric',
      cmp.rows.some((r) => r.region !== null) ? 'class / region' : 'class',
      'n',
      'mean A',
      'mean B',
      `B − A [${ci.level * 100}% CI]`,
      'p',
      'test',
      'p Holm',
      'better',
    ];
    const rows = cmp.rows.map((r) => [
      measureLabel(r.metric, percentile),
      rowName(r),
      String(r.n),
      formatNumber(r.meanA, formatAs(r.metric)),
      formatNumber(r.meanB, formatAs(r.metric)),
      formatNumber(r.meanDiff, formatAs(r.metric)) + formatInterval(r.ci, formatAs(r.metric)),
      formatP(r.wilcoxon.pvalue),
      Number.isNaN(fromJsonNumber(r.wilcoxon.pvalue)) ? '-' : r.wilcoxon.method,
      formatP(r.pHolm),
      r.better ?? '-',
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => (i < 2 || i === 7 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
        .join('  ')
        .trimEnd();
    out.push(line(head), ...rows.map(line), '');
  }
  out.push(
    `Wilcoxon signed-rank, two-sided, zeros dropped (zero_method='wilcox'), no continuity correction; exact for n ≤ ${result.statistics.test.exactMaxN} without zeros or ties, else normal approximation with tie correction. ` +
      `Holm over all rows of each comparison (classes, regions and lesion measures together); better: Holm p ≤ ${alpha} (higher scores and lesion Dice; fewer missed/false lesions; lower distances). ` +
      `[lower, upper]: ${ci.method === 'bca' ? 'BCa' : 'percentile'} paired bootstrap over images (${ci.resamples} resamples, seed ${ci.seed}).`,
  );
  return out.join('\n') + '\n';
}
