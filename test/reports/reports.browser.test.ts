/**
 * Every report opened in headless Chromium as a reader opens it (a `file://` page, no network): the demo
 * report and the eval report, 2-D and 3-D, with and without `--labels` (names that look like numbers
 * included), with images where a class is missing from one mask (infinite distances). Checks: no console
 * errors; every chart has a drawn title and axis titles, with the legend clear of them; the class axes show
 * exactly the class names; the tables' numbers equal the JSON; infinite values are counted on the charts.
 * Screenshots are kept in `test-artifacts/reports/` (git-ignored). Needs `/usr/bin/chromium`; skipped, with
 * a message, where it is missing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDemoReport } from '../../src/cli/demo/report.js';
import { finiteStat } from '../../src/cli/eval/report.js';
import { fromJsonNumber } from '../../src/cli/eval/schema.js';
import { tempDir } from '../io/fixtures.js';
import { ARTIFACTS, CHROMIUM, hasChromium, reportBrowser, tableCells } from './browser.js';
import { demoResults, EVAL_CASES, evalCase } from './fixtures.js';

if (!hasChromium)
  console.warn(`report browser tests skipped: ${CHROMIUM} not found (apt-get install chromium)`);

const tmp = tempDir('segkit-reports-');
afterAll(tmp.cleanup);

/** What the page says about one chart, read from the drawn Chart.js instance. */
interface ChartFacts {
  id: string;
  type: string;
  title: string;
  titleShown: boolean;
  titleBox: { top: number; bottom: number };
  legendBox: { top: number; bottom: number; shown: boolean };
  axes: {
    id: string;
    title: string;
    shown: boolean;
    top: number;
    bottom: number;
    ticks: string[];
    pixels: number[];
  }[];
  datasets: { label: string; infinite: number[] | null }[];
  subtitle: string;
}

/** Runs in the page: the facts of every chart. */
function chartFacts(): ChartFacts[] {
  type AnyChart = {
    canvas: HTMLCanvasElement;
    config: { type: string };
    options: { plugins: { title: { display: boolean; text: string }; subtitle?: { text?: string } } };
    titleBlock: { top: number; bottom: number; height: number };
    legend: { top: number; bottom: number; options: { display: boolean } };
    scales: Record<
      string,
      {
        id: string;
        top: number;
        bottom: number;
        options: { title: { display: boolean; text: string } };
        ticks: { value: number }[];
        getLabelForValue(v: number): string;
        getPixelForValue(v: number): number;
      }
    >;
    data: { datasets: { label: string; infinite?: number[] }[] };
  };
  const charts = (window as unknown as { segkitCharts: AnyChart[] }).segkitCharts;
  return charts.map((c) => ({
    id: c.canvas.id,
    type: c.config.type,
    title: c.options.plugins.title.text,
    titleShown: c.options.plugins.title.display && c.titleBlock.height > 0,
    titleBox: { top: c.titleBlock.top, bottom: c.titleBlock.bottom },
    legendBox: { top: c.legend.top, bottom: c.legend.bottom, shown: c.legend.options.display },
    axes: Object.values(c.scales).map((s) => ({
      id: s.id,
      title: s.options.title.text,
      shown: s.options.title.display,
      top: s.top,
      bottom: s.bottom,
      ticks: s.ticks.map((t) => String(s.getLabelForValue(t.value))),
      pixels: s.ticks.map((t) => s.getPixelForValue(t.value)),
    })),
    datasets: c.data.datasets.map((d) => ({ label: d.label, infinite: d.infinite ?? null })),
    subtitle: String(c.options.plugins.subtitle?.text ?? ''),
  }));
}

/** Runs in the page: each confusion cell's row share and the relative luminance of its drawn colour. */
function confusionColours(): { v: number | null; luminance: number }[] {
  type Cell = { v: number | null };
  type Matrix = {
    canvas: HTMLCanvasElement;
    data: { datasets: { data: Cell[] }[] };
    getDatasetMeta(i: number): { data: { options: { backgroundColor: string } }[] };
  };
  const c = (window as unknown as { segkitCharts: Matrix[] }).segkitCharts.find(
    (x) => x.canvas.id === 'confusion',
  )!;
  return c.getDatasetMeta(0).data.map((el, i) => {
    const [r, g, b] = (el.options.backgroundColor.match(/[\d.]+/g) ?? []).map(Number);
    const lin = (u: number) => ((u /= 255) <= 0.03928 ? u / 12.92 : ((u + 0.055) / 1.055) ** 2.4);
    return {
      v: c.data.datasets[0].data[i].v,
      luminance: 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b),
    };
  });
}

describe.skipIf(!hasChromium)('the HTML reports in Chromium', () => {
  const { open: openReport } = reportBrowser();
  /** Opens a report file offline; returns its chart facts and console errors, keeps a full-page screenshot. */
  const open = (file: string, shot: string) => openReport(file, shot, chartFacts);

  /** Every chart: a drawn title, titled axes, and a legend that is clear of the title and of the axes. */
  function expectReadable(charts: ChartFacts[]): void {
    expect(charts.length).toBeGreaterThan(0);
    for (const c of charts) {
      expect(c.titleShown, `${c.id}: title`).toBe(true);
      expect(c.title.length, `${c.id}: title text`).toBeGreaterThan(3);
      for (const a of c.axes.filter((x) => x.id === 'x' || x.id === 'y')) {
        expect(a.shown, `${c.id}: ${a.id} axis title`).toBe(true);
        expect(a.title.length, `${c.id}: ${a.id} axis title text`).toBeGreaterThan(0);
      }
      expect(c.axes.map((a) => a.id).sort()).toEqual(['x', 'y']);
      if (c.legendBox.shown) {
        // The legend sits below the x axis (its title included), never over the title or the plot.
        const x = c.axes.find((a) => a.id === 'x')!;
        expect(c.legendBox.top, `${c.id}: legend below the x axis`).toBeGreaterThanOrEqual(x.bottom);
        expect(c.legendBox.top).toBeGreaterThanOrEqual(c.titleBox.bottom);
      }
    }
  }

  for (const c of EVAL_CASES) {
    it(`eval report, ${c.dims}-D, ${c.labels ? `--labels ${c.labels}` : 'no --labels'}, with empty masks`, async () => {
      const dir = join(tmp.dir, c.name);
      const { json, html } = await evalCase(dir, c);
      writeFileSync(join(ARTIFACTS, `${c.name}.json`), JSON.stringify(json));
      const { page, charts, errors, requests } = await open(join(dir, 'out.html'), `eval-${c.name}`);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(html.length).toBeLessThan(1_000_000);
      expectReadable(charts);
      const names = json.classes.map((k) => k.name);
      expect(names).toEqual(
        c.labels ? c.labels.split(',').slice(1) : ['1', '2', '3'].slice(0, c.numClasses - 1),
      );
      const all = json.settings.labels;
      // Class axes: exactly the class names, as text, in order.
      const byId = Object.fromEntries(charts.map((f) => [f.id, f]));
      expect(Object.keys(byId).sort()).toEqual(
        ['assd', 'dice', 'hd95', 'iou']
          .map((m) => `dist-${m}`)
          .concat(['bars', 'confusion', 'distbars'])
          .sort(),
      );
      for (const f of charts) {
        const x = f.axes.find((a) => a.id === 'x')!;
        if (f.id === 'confusion') {
          expect(x.ticks).toEqual(all);
          const y = f.axes.find((a) => a.id === 'y')!;
          expect(y.ticks).toEqual(all);
          // Reading order: the first class in the top row and the left column.
          expect(y.pixels).toEqual([...y.pixels].sort((a, b) => a - b));
          expect(x.pixels).toEqual([...x.pixels].sort((a, b) => a - b));
        } else expect(x.ticks, f.id).toEqual(names);
      }
      // Infinite distances: counted per class on the bars and the boxes, as the JSON's per-image values say.
      const infinite = (m: 'hd95' | 'assd') =>
        json.classes.map((_, k) => json.images.filter((img) => img.metrics[m]![k] === 'Infinity').length);
      const last = names.length - 1;
      expect(infinite('hd95')[last]).toBe(2); // e0 (pred lacks the class) and e1 (gt lacks it)
      for (const m of ['hd95', 'assd'] as const) {
        expect(byId[`dist-${m}`].datasets[0].infinite).toEqual(infinite(m));
        expect(byId.distbars.datasets.find((d) => d.label === m)!.infinite).toEqual(infinite(m));
        expect(byId[`dist-${m}`].subtitle).toContain(`${m} ${names[last]}: 2`);
      }
      expect(byId.distbars.subtitle).toContain(`hd95 ${names[last]}: 2`);
      // Summary table = JSON (data-value exact, the text its rounding); finite columns by arithmetic.
      const summary = await page.evaluate(tableCells, 'summary');
      expect(summary).toHaveLength(json.settings.metrics.length);
      json.settings.metrics.forEach((m, i) => {
        const row = summary[i];
        expect(row[0].text).toBe(m);
        expect(fromJsonNumber(Number(row[1].value))).toBe(fromJsonNumber(json.foregroundMean[m]!));
        expect(Number(row[2].value)).toBe(fromJsonNumber(json.summary[m]!.value));
        if (m === 'hd95' || m === 'assd') {
          expect(row[1].text).toBe('inf');
          const per = json.classes.map((_, k) =>
            finiteStat(json.images.map((img) => fromJsonNumber(img.metrics[m]![k]))),
          );
          const finiteMeans = per.map((p) => p.mean);
          expect(Number(row[4].value)).toBeCloseTo(
            finiteMeans.reduce((a, b) => a + b, 0) / finiteMeans.length,
            12,
          );
          expect(Number(row[5].value)).toBe(infinite(m).reduce((a, b) => a + b, 0));
        } else {
          expect(Number(row[1].text)).toBeCloseTo(fromJsonNumber(json.foregroundMean[m]!), 4);
        }
      });
      // Per-class table = JSON's per-class mean and std.
      const classes = await page.evaluate(tableCells, 'classes');
      expect(classes.map((r) => r[0].text)).toEqual(names);
      classes.forEach((row, k) => {
        const cells = row.slice(1);
        let j = 0;
        for (const m of json.settings.metrics) {
          const s = json.classes[k].metrics[m]!;
          expect(Number(cells[j++].value)).toBe(fromJsonNumber(s.mean));
          expect(Number(cells[j++].value)).toBe(fromJsonNumber(s.std));
          if (m === 'hd95' || m === 'assd') {
            const f = finiteStat(json.images.map((img) => fromJsonNumber(img.metrics[m]![k])));
            expect(Number(cells[j++].value)).toBe(f.mean);
            expect(Number(cells[j++].value)).toBe(infinite(m)[k]);
          }
        }
        expect(j).toBe(cells.length);
      });
      // Confusion colours: the larger the share, the darker the cell; a share near 1 is dark, not white.
      const colours = (await page.evaluate(confusionColours)).filter((c) => c.v !== null);
      expect(colours).toHaveLength(c.numClasses ** 2);
      const sorted = [...colours].sort((a, b) => a.v! - b.v!);
      for (let i = 1; i < sorted.length; i++)
        expect(sorted[i].luminance).toBeLessThanOrEqual(sorted[i - 1].luminance + 1e-12);
      expect(sorted[sorted.length - 1].v!).toBeGreaterThan(0.5);
      // Linear in RGB from #f7fbff (share 0, luminance 0.96) to #08306b (share 1, luminance 0.03).
      expect(sorted[sorted.length - 1].luminance).toBeLessThan(1 - 0.9 * sorted[sorted.length - 1].v!);
      expect(sorted[0].luminance).toBeGreaterThan(0.5);
      // Settings table: every setting as in the JSON, then the spacing the files used.
      const settings = await page.evaluate(tableCells, 'settings');
      expect(settings.map((r) => [r[0].text, r[1].text])).toEqual([
        ...Object.entries(json.settings).map(([k, v]) => [k, JSON.stringify(v)]),
        ['spacing used', `[${json.images[0].spacing.join(', ')}] (5 files)`],
      ]);
      expect(json.images[0].spacing).toEqual(c.dims === 3 ? [2, 1, 1] : [1, 1]);
      await page.close();
    }, 120_000);
  }

  it('demo report: titled loss, F1, Dice and IoU charts; class names on the class axes', async () => {
    const { results, rows } = demoResults();
    const file = join(tmp.dir, 'demo.html');
    const html = buildDemoReport(results, rows);
    writeFileSync(file, html);
    expect(html.length).toBeLessThan(1_000_000);
    const { page, charts, errors, requests } = await open(file, 'demo');
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expectReadable(charts);
    expect(charts.map((c) => c.id)).toEqual([
      'loss-cce',
      'loss-dice',
      'loss-dice_focal',
      'f1',
      'dice',
      'iou',
    ]);
    expect(charts.map((c) => c.title)).toEqual([
      'Training loss: cross-entropy',
      'Training loss: Dice',
      'Training loss: weighted Dice + focal',
      'Held-out soft F1 per epoch (sm f1-score, all classes)',
      'Per-class Dice on the held-out images (arg-max prediction)',
      'Per-class IoU on the held-out images (arg-max prediction)',
    ]);
    for (const c of charts.slice(4)) expect(c.axes.find((a) => a.id === 'x')!.ticks).toEqual(results.classes);
    for (const c of charts.slice(0, 4))
      expect(c.axes.find((a) => a.id === 'x')!.ticks).toEqual(['1', '2', '3', '4']);
    // The legend of the F1 chart names the three runs.
    expect(charts[3].datasets.map((d) => d.label)).toEqual(results.runs.map((r) => r.label));
    await page.close();
  }, 120_000);
});
