/**
 * Helpers shared by the self-contained HTML reports of `segkit eval` and `segkit demo`: the inlined chart
 * library (Chart.js with its box-plot, error-bar and matrix modules, about 0.25 MB in all) and one page-side
 * function, `segkitChart`, through which every chart of a report is drawn, so that every chart gets a visible
 * title, axis titles and categorical class axes the same way.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The browser builds (UMD, minified) inlined into a report, in load order: Chart.js first, then its modules,
 * which register on the global `Chart`. Each entry is the package and the build's path beside its `require`
 * entry point (the packages' `exports` maps do not export the UMD files themselves).
 */
const CHART_BUILDS: readonly (readonly [string, string])[] = [
  ['chart.js', 'chart.umd.min.js'],
  ['chartjs-chart-error-bars', 'index.umd.min.js'],
  ['@sgratzl/chartjs-chart-boxplot', 'index.umd.min.js'],
  ['chartjs-chart-matrix', 'chartjs-chart-matrix.min.js'],
];

let chartSource: string | undefined;

/**
 * Makes JavaScript safe to inline in a `<script>` element: `</script` inside the code would end the element
 * early and `<!--` would change how the HTML parser reads it; inside JS strings and regular expressions
 * `<\/script` and `\x3C!--` mean the same.
 * @example inlineScript('a = "</script>"') // 'a = "<\\/script>"'
 */
export const inlineScript = (code: string): string =>
  code.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '\\x3C!--');

/**
 * The chart library (Chart.js 4 with chartjs-chart-error-bars, @sgratzl/chartjs-chart-boxplot and
 * chartjs-chart-matrix), read once from the installed packages and made safe to inline, followed by the
 * page-side `segkitChart` helper ({@link CHART_RUNTIME}).
 * @example `<script>${chartScript()}</script>` // about 245 kB of JavaScript, no `</script` inside
 */
export function chartScript(): string {
  if (chartSource === undefined) {
    const require = createRequire(import.meta.url);
    const parts = CHART_BUILDS.map(([pkg, file]) => {
      const build = readFileSync(join(dirname(require.resolve(pkg)), file), 'utf8');
      return build.startsWith('/*!') ? build : licenceBanner(pkg, dirname(require.resolve(pkg))) + build;
    });
    chartSource = inlineScript([...parts, CHART_RUNTIME].join('\n;\n'));
  }
  return chartSource;
}

/**
 * The MIT notice that a minified build without its own `/*!` banner must still carry when it is copied into a
 * report: the package's name and version and the copyright line of its LICENSE, found by walking up from the
 * build's folder to the package's root.
 * @example licenceBanner('chartjs-chart-error-bars', dir) // '/*! chartjs-chart-error-bars 4.4.5 | Copyright (c) 2019-2023 Samuel Gratzl | MIT License *\/\n'
 */
function licenceBanner(pkg: string, from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || readJson(join(dir, 'package.json')).name !== pkg) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`segkit: cannot find the package root of ${pkg} above ${from}`);
    dir = up;
  }
  const { version, license } = readJson(join(dir, 'package.json'));
  const licenceFile = join(dir, 'LICENSE');
  const copyright = existsSync(licenceFile)
    ? (readFileSync(licenceFile, 'utf8')
        .match(/^.*Copyright.*$/im)?.[0]
        .trim() ?? '')
    : '';
  return `/*! ${pkg} ${String(version)} | ${copyright} | ${String(license)} License */\n`;
}

const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

/**
 * Page-side code (plain ES5, inlined after Chart.js): `segkitChart(canvasId, spec)` draws one chart.
 * `spec` = `{ type, title, subtitle?, x, y, labels, datasets, legend?, options?, plugins? }`: `title` is shown above the
 * chart, `x` and `y` are the axis titles; `labels` are the category labels of the x axis (class names stay
 * text: a category axis never reads "1" or "0 0" as a number). A dataset may carry `infinite`: one count per
 * category, drawn as "∞ ×n" above the category so that values left out of a bar or box are not left out
 * silently. Animations are off so that a report looks the same at every load (and in screenshots). Every
 * chart is also kept in `window.segkitCharts` for inspection.
 * @example segkitChart('bars', { type: 'bar', title: 'Dice', x: 'class', y: 'Dice', labels: ['1', '2'], datasets: [{ label: 'dice', data: [0.9, 0.8] }] })
 */
export const CHART_RUNTIME = `
(function () {
  Chart.register(ChartErrorBars.BarWithErrorBarsController, ChartErrorBars.BarWithErrorBar,
    ChartBoxPlot.BoxPlotController, ChartBoxPlot.BoxAndWiskers);
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  var infinityMarks = {
    id: 'segkitInfinity',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      chart.data.datasets.forEach(function (ds, i) {
        if (!ds.infinite) return;
        var meta = chart.getDatasetMeta(i);
        if (meta.hidden) return;
        ctx.save();
        ctx.fillStyle = '#b00020';
        ctx.font = 'bold 12px system-ui, sans-serif';
        ctx.textAlign = 'center';
        ds.infinite.forEach(function (n, k) {
          if (!n || !meta.data[k]) return;
          var x = meta.data[k].x;
          ctx.fillText('\\u221e \\u00d7' + n, x, chart.chartArea.top + 12);
        });
        ctx.restore();
      });
    }
  };
  window.segkitCharts = [];
  window.segkitChart = function (id, spec) {
    var o = spec.options || {};
    o.responsive = true;
    o.plugins = o.plugins || {};
    o.plugins.title = { display: true, text: spec.title, font: { size: 15, weight: 'bold' } };
    if (spec.subtitle) o.plugins.subtitle = { display: true, text: spec.subtitle, color: '#555', padding: { bottom: 8 } };
    o.plugins.legend = spec.legend === false ? { display: false } : { display: true, position: 'bottom' };
    o.scales = o.scales || {};
    ['x', 'y'].forEach(function (axis) {
      var s = o.scales[axis] = o.scales[axis] || {};
      s.title = { display: true, text: spec[axis], font: { size: 13 } };
    });
    o.scales.x.type = o.scales.x.type || 'category';
    // Room above the highest bar or box for the infinity marks.
    if (o.scales.y.grace === undefined && o.scales.y.max === undefined) o.scales.y.grace = '8%';
    var chart = new Chart(document.getElementById(id), {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: o,
      plugins: [infinityMarks].concat(spec.plugins || [])
    });
    window.segkitCharts.push(chart);
    return chart;
  };
})();
`;

/** The style rules every evaluation report shares (page width, tables, plot boxes, notes). */
export const REPORT_CSS = `body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.plot { position: relative; width: 100%; height: 420px; margin: 1em 0; }
.note { color: #555; font-size: 0.85em; }`;

/**
 * The start of a report page up to `<body>`: the title, {@link REPORT_CSS} followed by `css`, and the inlined
 * chart library.
 * @example reportHead('segkit comparison') // '<!doctype html>\n<html lang="en">\n<head>…<body>\n'
 */
export function reportHead(title: string, css = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
${REPORT_CSS}${css ? `\n${css}` : ''}
</style>
<script>${chartScript()}</script>
</head>
<body>
`;
}

/**
 * Escapes text for HTML element content and attribute values.
 * @example escapeHtml('a < "b"') // 'a &lt; &quot;b&quot;'
 */
export const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/**
 * JSON safe inside a `<script>` element.
 * @example scriptJson({ a: '</script>' }) // '{"a":"\\u003c/script>"}'
 */
export const scriptJson = (x: unknown): string => JSON.stringify(x).replace(/</g, '\\u003c');

/** Colours of the data series of a report (colour-blind safe, Okabe–Ito). */
export const SERIES_COLORS: readonly string[] = [
  '#0072b2',
  '#d55e00',
  '#009e73',
  '#cc79a7',
  '#e69f00',
  '#56b4e9',
];
