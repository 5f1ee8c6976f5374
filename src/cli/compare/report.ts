/**
 * The self-contained HTML report of `segkit compare`: per comparison (B against the baseline A) the table of
 * the terminal, the mean paired differences with their bootstrap intervals as error bars, a paired plot of the
 * per-image scores (A on x, B on y, the diagonal = no change), the per-image differences sorted, and the worst
 * regressions. Chart.js and its modules are inlined by {@link chartScript}, as in the evaluation report.
 * @module
 */
import { escapeHtml, reportHead, scriptJson, SERIES_COLORS } from '../html.js';
import { formatInterval, formatNumber, isDistance, metricLabel } from '../eval/format.js';
import { fromJsonNumber } from '../eval/schema.js';
import type { JsonNumber } from '../eval/schema.js';
import type { MetricName } from '../eval/options.js';
import { formatP, rowName } from './format.js';
import { formatAs, lowerIsBetter, measureLabel } from './stats.js';
import type { CompareMetric, CompareRow, CompareSection } from './stats.js';
import type { CompareResult } from './types.js';

const short = (v: number): number => Number(v.toPrecision(6));
const numCell = (x: JsonNumber, m: CompareMetric): string =>
  `<td data-value="${escapeHtml(String(x))}">${formatNumber(x, formatAs(m))}</td>`;

/** A difference bar with its interval as error bars, or a gap (`y: null`) when the mean is not finite. */
function diffBar(r: CompareRow | undefined): { y: number | null; yMin?: number; yMax?: number } {
  if (!r) return { y: null };
  const [y, lo, hi] = [r.meanDiff, ...r.ci].map(fromJsonNumber);
  if (!Number.isFinite(y)) return { y: null };
  return Number.isFinite(lo) && Number.isFinite(hi)
    ? { y: short(y), yMin: short(lo), yMax: short(hi) }
    : { y: short(y) };
}

/** The charts of mean paired differences of one section: one bar chart per kind of measure. */
function sectionDiffCharts(
  rows: readonly CompareRow[],
  section: CompareSection,
  q: number,
  what: { title: string; x: string; label: (m: CompareMetric) => string },
): { id: string; spec: Record<string, unknown> }[] {
  const mine = rows.filter((r) => r.section === section);
  const key = (r: CompareRow) => `${r.class}|${r.region}`;
  const keys = [...new Set(mine.map(key))];
  const names = keys.map((k) => rowName(mine.find((r) => key(r) === k)!));
  const measures = [...new Set(mine.map((r) => r.metric))];
  const kinds: [string, string, CompareMetric[]][] =
    section === 'lesion'
      ? [
          ['dice', 'difference of lesion Dice', measures.filter((m) => m === 'lesionDice')],
          ['counts', 'difference of lesions per image', measures.filter((m) => m !== 'lesionDice')],
        ]
      : [
          ['scores', 'difference of scores', measures.filter((m) => !lowerIsBetter(m))],
          ['distances', 'difference of distances', measures.filter(lowerIsBetter)],
        ];
  return kinds
    .filter(([, , ms]) => ms.length)
    .map(([kind, y, ms]) => ({
      id: section === 'class' ? `diff-${q}-${kind}` : `diff-${q}-${section}-${kind}`,
      spec: {
        type: 'barWithErrorBars',
        title: what.title,
        x: what.x,
        y,
        labels: names,
        datasets: ms.map((m, i) => ({
          label: what.label(m),
          backgroundColor: SERIES_COLORS[i % SERIES_COLORS.length],
          data: keys.map((k) => diffBar(mine.find((r) => r.metric === m && key(r) === k))),
        })),
        options: { scales: { y: { grace: '8%' } } },
      },
    }));
}

/**
 * A paired plot: per image (and series) A's value on x and B's on y, images without a finite value for both
 * left out, and the diagonal (no change), both axes over one range.
 */
function pairedPlot(
  id: string,
  title: string,
  lower: boolean,
  series: { label: string; pairs: [JsonNumber, JsonNumber, string][] }[],
  a: { name: string; path: string },
  b: { name: string; path: string },
): { id: string; spec: Record<string, unknown> } {
  const sets = series.map((s) =>
    s.pairs.flatMap(([u, v, imageId]) => {
      const [x, y] = [fromJsonNumber(u), fromJsonNumber(v)];
      return Number.isFinite(x) && Number.isFinite(y) ? [{ x: short(x), y: short(y), id: imageId }] : [];
    }),
  );
  const all = sets.flat();
  const lo = Math.min(...all.map((p) => Math.min(p.x, p.y)));
  const hi = Math.max(...all.map((p) => Math.max(p.x, p.y)));
  // One range for both axes, so that the diagonal runs corner to corner: from lo to hi widened by 2 % and
  // rounded outwards to a tenth of the span's power of ten.
  const step = 10 ** (Math.floor(Math.log10(hi - lo || Math.abs(hi) || 1)) - 1);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.02;
  const range = all.length
    ? { min: Math.floor((lo - pad) / step) * step, max: Math.ceil((hi + pad) / step) * step }
    : {};
  return {
    id,
    spec: {
      type: 'scatter',
      title,
      subtitle: `Above the diagonal: ${b.name} ${lower ? 'worse' : 'better'}; below: ${lower ? 'better' : 'worse'}.`,
      x: `${a.name} (${a.path})`,
      y: `${b.name} (${b.path})`,
      datasets: [
        ...series.map((s, k) => ({
          label: s.label,
          data: sets[k],
          backgroundColor:
            series.length === 1 ? 'rgba(0,114,178,0.6)' : SERIES_COLORS[k % SERIES_COLORS.length],
          pointRadius: 3,
        })),
        {
          label: 'no change',
          type: 'line',
          data: all.length
            ? [
                { x: lo, y: lo },
                { x: hi, y: hi },
              ]
            : [],
          borderColor: '#888',
          borderDash: [4, 4],
          pointRadius: 0,
        },
      ],
      // No tick at the bounds themselves (0.81 beside 0.80 read as clutter): the round ticks inside them only.
      options: {
        scales: {
          x: { type: 'linear', ...range, ticks: { includeBounds: false } },
          y: { type: 'linear', ...range, ticks: { includeBounds: false } },
        },
      },
    },
  };
}

/**
 * Builds the comparison report (one HTML file, about 0.3 MB with Chart.js inlined).
 * @example writeFileSync('compare.html', buildCompareReport(result))
 */
export function buildCompareReport(result: CompareResult, title = 'segkit comparison'): string {
  const { metrics, percentile } = result.settings;
  const { ci, alpha } = result.statistics;
  const first = metrics[0];
  const label = (m: MetricName) => metricLabel(m, percentile);
  const ciName = `${Math.round(ci.level * 1000) / 10}% ${ci.method === 'bca' ? 'BCa' : 'percentile'} paired bootstrap interval`;
  const charts: { id: string; spec: Record<string, unknown> }[] = [];
  const sections = result.comparisons.map((cmp, q) => {
    const [a, b] = [result.models[cmp.against], result.models[cmp.model]];
    const rows = cmp.rows
      .map(
        (r) =>
          `<tr data-section="${r.section}" data-metric="${r.metric}" data-class="${r.class ?? (r.region === null ? 'foreground' : '')}" data-region="${escapeHtml(r.region ?? '')}"><td>${escapeHtml(measureLabel(r.metric, percentile))}</td><td>${escapeHtml(rowName(r))}</td><td>${r.n}</td>${numCell(r.meanA, r.metric)}${numCell(r.meanB, r.metric)}${numCell(r.meanDiff, r.metric)}<td class="ci" data-lower="${escapeHtml(String(r.ci[0]))}" data-upper="${escapeHtml(String(r.ci[1]))}">${formatInterval(r.ci, formatAs(r.metric)).trim()}</td><td data-value="${escapeHtml(String(r.wilcoxon.pvalue))}">${formatP(r.wilcoxon.pvalue)}</td><td>${Number.isNaN(fromJsonNumber(r.wilcoxon.pvalue)) ? '–' : r.wilcoxon.method}</td><td data-value="${escapeHtml(String(r.pHolm))}">${formatP(r.pHolm)}</td><td>${r.better ?? '–'}</td></tr>`,
      )
      .join('\n');
    const vs = `${b.name} − ${a.name}`;
    charts.push(
      ...sectionDiffCharts(cmp.rows, 'class', q, {
        title: `${vs}: mean paired difference per class (error bars: ${ciName})`,
        x: 'class',
        label: (m) => measureLabel(m, percentile),
      }),
      ...sectionDiffCharts(cmp.rows, 'region', q, {
        title: `${vs}: mean paired difference per region (error bars: ${ciName})`,
        x: 'region',
        label: (m) => measureLabel(m, percentile),
      }),
      ...sectionDiffCharts(cmp.rows, 'lesion', q, {
        title: `${vs}: lesion-wise, mean paired difference per image (error bars: ${ciName})`,
        x: 'class / region',
        label: (m) => measureLabel(m, percentile),
      }),
    );
    const paired = (
      id: string,
      title: string,
      lower: boolean,
      series: { label: string; pairs: [JsonNumber, JsonNumber, string][] }[],
    ) => pairedPlot(id, title, lower, series, a, b);
    charts.push(
      paired(
        `paired-${q}`,
        `Per image: ${label(first)} (foreground mean) of ${b.name} against ${a.name}`,
        isDistance(first),
        [{ label: 'image', pairs: cmp.images.map((p) => [p.a, p.b, p.id]) }],
      ),
      ...(cmp.sections ?? []).map((sec) =>
        paired(
          `paired-${q}-${sec.section}`,
          `Per image: ${measureLabel(sec.metric, percentile)} ${sec.section === 'region' ? 'per region' : 'per class and region'} of ${b.name} against ${a.name}`,
          lowerIsBetter(sec.metric),
          sec.names.map((n, k) => ({
            label: n,
            pairs: cmp.images.map((p, i) => [sec.a[i][k], sec.b[i][k], p.id]),
          })),
        ),
      ),
    );
    const sorted = cmp.images
      .filter((p) => typeof p.diff === 'number')
      .sort((p, r) => (p.diff as number) - (r.diff as number) || (p.id < r.id ? -1 : 1));
    charts.push({
      id: `sorted-${q}`,
      spec: {
        type: 'bar',
        title: `Per-image difference ${b.name} − ${a.name} of ${label(first)} (foreground mean), sorted`,
        subtitle:
          sorted.length === cmp.images.length
            ? `All ${sorted.length} images.`
            : `${cmp.images.length - sorted.length} image(s) without a finite value for both models are not drawn.`,
        x: 'image',
        y: `${label(first)} difference`,
        legend: false,
        labels: sorted.map((p) => p.id),
        datasets: [
          {
            label: `${b.name} − ${a.name}`,
            data: sorted.map((p) => short(p.diff as number)),
            backgroundColor: sorted.map((p) =>
              (p.diff as number) < 0 !== isDistance(first) ? '#d55e00' : '#0072b2',
            ),
          },
        ],
        options: { scales: { x: { ticks: { display: sorted.length <= 60 } } } },
      },
    });
    const worst = cmp.worst
      .map(
        (p) =>
          `<tr><td>${escapeHtml(p.id)}</td>${numCell(p.a, first)}${numCell(p.b, first)}${numCell(p.diff, first)}</tr>`,
      )
      .join('\n');
    const where = `${isDistance(first) ? 'above' : 'below'} ${escapeHtml(a.name)} in ${escapeHtml(label(first))} averaged over the foreground classes`;
    const worstTable = cmp.worst.length
      ? `<p class="note">The ${cmp.worst.length} image(s) where ${escapeHtml(b.name)} is most ${where}.</p>
<table id="worst-${q}"><tr><th>image</th><th>${escapeHtml(a.name)}</th><th>${escapeHtml(b.name)}</th><th>${escapeHtml(b.name)} − ${escapeHtml(a.name)}</th></tr>
${worst}
</table>`
      : `<p class="note" id="worst-${q}">No image where ${escapeHtml(b.name)} is ${where}.</p>`;
    return `<section id="comparison-${q}">
<h2>${escapeHtml(b.name)} against ${escapeHtml(a.name)}</h2>
<table class="cmp" id="rows-${q}"><tr><th>metric</th><th>class</th><th>n</th><th>mean ${escapeHtml(a.name)}</th><th>mean ${escapeHtml(b.name)}</th><th>${escapeHtml(b.name)} − ${escapeHtml(a.name)}</th><th>${Math.round(ci.level * 1000) / 10}% CI</th><th>p</th><th>test</th><th>p Holm</th><th>better</th></tr>
${rows}
</table>
${charts
  .filter((c) => c.id.endsWith(`-${q}`) || c.id.startsWith(`diff-${q}-`) || c.id.startsWith(`paired-${q}-`))
  .map((c) => `<div class="plot"><canvas id="${c.id}"></canvas></div>`)
  .join('\n')}
<h3>Worst regressions</h3>
${worstTable}
</section>`;
  });
  const modelRows = result.models
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.name)}</td><td>${m.source === 'state' ? '--state' : '--pred'}</td><td>${escapeHtml(m.path)}</td><td>${escapeHtml(m.pred)}</td></tr>`,
    )
    .join('\n');
  return `${reportHead(title)}<h1>${escapeHtml(title)}</h1>
<p>${result.images} images evaluated by ${result.models.length} models; segkit ${escapeHtml(result.segkit)}.</p>
<table id="models"><tr><th>model</th><th>from</th><th>path</th><th>predictions</th></tr>
${modelRows}
</table>
<p class="note" id="method">Differences are B − A per image, over the images where both values are finite. Wilcoxon signed-rank test, two-sided, zero differences dropped (scipy zero_method='wilcox'), no continuity correction; exact null distribution for n ≤ ${result.statistics.test.exactMaxN} without zeros or ties, else the normal approximation with the tie correction. p Holm: Holm's step-down adjustment over the rows of one comparison; "better" where it is ≤ ${alpha}. Intervals: ${escapeHtml(ciName)} (${ci.resamples} resamples, seed ${ci.seed}).</p>
${sections.join('\n')}
<script type="application/json" id="data">${scriptJson({ charts })}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('data').textContent);
  d.charts.forEach(function (c) { segkitChart(c.id, c.spec); });
})();
</script>
</body>
</html>
`;
}
