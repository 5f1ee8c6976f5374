/**
 * The terminal table of `segkit compare`: one block per comparison, one row per metric and class.
 * @module
 */
import { formatInterval, formatNumber, metricLabel } from '../eval/format.js';
import { fromJsonNumber } from '../eval/schema.js';
import type { JsonNumber } from '../eval/schema.js';
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
      'class',
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
      metricLabel(r.metric, percentile),
      r.name,
      String(r.n),
      formatNumber(r.meanA, r.metric),
      formatNumber(r.meanB, r.metric),
      formatNumber(r.meanDiff, r.metric) + formatInterval(r.ci, r.metric),
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
      `Holm over each comparison's rows; better: Holm p ≤ ${alpha}. ` +
      `[lower, upper]: ${ci.method === 'bca' ? 'BCa' : 'percentile'} paired bootstrap over images (${ci.resamples} resamples, seed ${ci.seed}).`,
  );
  return out.join('\n') + '\n';
}
