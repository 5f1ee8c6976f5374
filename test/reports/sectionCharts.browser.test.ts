/**
 * The charts of the optional sections in Chromium (`file://`, offline): the eval report of `--regions
 * --lesions --panoptic --ci` (region bars whose error bars are the JSON's intervals, region box plots of the
 * per-image values, lesion-wise TP/FP/FN and scores, PQ/SQ/RQ per class), and the compare report of models
 * evaluated with regions and lesions (difference bars per region and lesion measure, error bars = the JSON's
 * intervals). No console error, no request, every chart titled with axis titles; each section chart is kept as
 * its own screenshot in `test-artifacts/reports/` (git-ignored). Needs `/usr/bin/chromium`; skipped, with a
 * message, where it is missing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCompareOptions } from '../../src/cli/compare/command.js';
import { runCompare } from '../../src/cli/compare/run.js';
import type { CompareResult } from '../../src/cli/compare/types.js';
import { boxStats } from '../../src/cli/eval/report.js';
import { parseEvalOptions } from '../../src/cli/eval/options.js';
import { runEval } from '../../src/cli/eval/run.js';
import { fromJsonNumber } from '../../src/cli/eval/schema.js';
import type { EvalResult } from '../../src/cli/eval/schema.js';
import { blocks, grayPng, put, tempDir } from '../io/fixtures.js';
import { ARTIFACTS, CHROMIUM, chartFacts, hasChromium, reportBrowser } from './browser.js';
import type { ChartFacts } from './browser.js';

if (!hasChromium) console.warn(`section charts browser test skipped: ${CHROMIUM} not found`);

const tmp = tempDir('segkit-section-charts-');
afterAll(tmp.cleanup);
const d = tmp.dir;
const REGIONS = '{"WT":[1,2,3],"TC":[2,3],"ET":[3]}';
const io = (err: string[]) => ({
  stdout: () => undefined,
  stderr: (t: string) => void err.push(t),
  isTTY: false,
});
/** 6-significant-digit rounding of the chart data. */
const short = (v: number) => Number(v.toPrecision(6));

beforeAll(() => {
  // 16×16 images of 4 blocks (classes 0–3); prediction A shifts the blocks by i % 4, B by (i + 1) % 4 except
  // on the last images, where it equals the ground truth.
  for (let i = 0; i < 6; i++) {
    put(join(d, 'gt', `c${i}.png`), grayPng(Array.from(blocks(16, 16, 4, 0)), 16, 16));
    put(join(d, 'a', `c${i}.png`), grayPng(Array.from(blocks(16, 16, 4, i % 4)), 16, 16));
    put(join(d, 'b', `c${i}.png`), grayPng(Array.from(blocks(16, 16, 4, i > 3 ? 0 : (i + 1) % 4)), 16, 16));
  }
});

function readable(charts: ChartFacts[]): void {
  for (const c of charts) {
    expect(c.title.length, c.id).toBeGreaterThan(10);
    for (const a of c.axes) expect(a.title.length, `${c.id} ${a.id}`).toBeGreaterThan(0);
  }
}

describe.skipIf(!hasChromium)('section charts in Chromium', () => {
  const { open } = reportBrowser();

  it('eval --regions --lesions --panoptic --ci: region bars with the intervals, box plots, lesion and PQ bars', async () => {
    const err: string[] = [];
    const code = await runEval(
      parseEvalOptions({
        gt: join(d, 'gt'),
        pred: join(d, 'a'),
        numClasses: '4',
        metrics: 'dice,hd95',
        regions: REGIONS,
        lesions: true,
        panoptic: true,
        ci: '0.9',
        bootstrap: '400',
        json: join(d, 'e.json'),
        report: join(d, 'e.html'),
        workers: '0',
      }),
      io(err),
    );
    expect(code, err.join('')).toBe(0);
    const json = JSON.parse(readFileSync(join(d, 'e.json'), 'utf8')) as EvalResult;
    const { page, charts, errors, requests } = await open(
      join(d, 'e.html'),
      'eval-section-charts',
      chartFacts,
    );
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    readable(charts);
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    expect(charts.map((c) => `${c.id}:${c.type}`)).toEqual([
      'bars:barWithErrorBars',
      'distbars:barWithErrorBars',
      'dist-dice:boxplot',
      'dist-hd95:boxplot',
      'region-bars:barWithErrorBars',
      'region-distbars:barWithErrorBars',
      'region-dist-dice:boxplot',
      'region-dist-hd95:boxplot',
      'lesion-counts:bar',
      'lesion-scores:barWithErrorBars',
      'panoptic-quality:bar',
      'confusion:matrix',
    ]);

    // Regions: names on the axis, bars = the JSON means, error bars = the JSON intervals (--ci).
    const sec = json.regions!;
    const bars = byId['region-bars'];
    expect(bars.labels).toEqual(['WT', 'TC', 'ET']);
    expect(bars.title).toMatch(
      /Per-region scores: mean over images \(error bars: 90% BCa bootstrap interval\)/,
    );
    sec.regions.forEach((r, k) => {
      const s = r.metrics.dice!;
      expect(bars.data[0][k].y).toBe(short(fromJsonNumber(s.mean)));
      const [lo, hi] = s.ci!.map(fromJsonNumber);
      if (Number.isFinite(lo)) expect(bars.data[0][k].yMin).toBe(short(lo));
      if (Number.isFinite(hi)) expect(bars.data[0][k].yMax).toBe(short(hi));
    });
    // The box plot of region Dice holds the per-image values of the JSON.
    sec.regions.forEach((_, k) => {
      const values = sec.images.map((img) => fromJsonNumber(img.dice![k])).filter(Number.isFinite);
      expect(byId['region-dist-dice'].data[0][k].median).toBe(boxStats(values)!.median);
    });

    // Lesions: TP/FP/FN bars = the JSON counts; the mean-per-image lesion Dice with its interval.
    const les = json.lesions!.results;
    const counts = byId['lesion-counts'];
    expect(counts.labels).toEqual(['1', '2', '3', 'region WT', 'region TC', 'region ET']);
    expect(counts.series).toEqual(['TP', 'FP', 'FN']);
    expect(counts.data).toEqual([les.map((r) => r.tp), les.map((r) => r.fp), les.map((r) => r.fn)]);
    const scores = byId['lesion-scores'];
    expect(scores.series).toEqual([
      'sensitivity',
      'precision',
      'F1',
      'lesion Dice',
      'lesion Dice, mean per image',
    ]);
    les.forEach((r, k) => {
      const v = fromJsonNumber(r.lesionDice);
      expect(scores.data[3][k].y).toBe(Number.isFinite(v) ? short(v) : null);
      const [lo, hi] = r.lesionDiceMean.ci!.map(fromJsonNumber);
      if (Number.isFinite(lo)) expect(scores.data[4][k].yMin).toBe(short(lo));
      if (Number.isFinite(hi)) expect(scores.data[4][k].yMax).toBe(short(hi));
    });

    // Panoptic: PQ, SQ, RQ per class, then the mean over classes.
    const p = json.panoptic!;
    const pq = byId['panoptic-quality'];
    expect(pq.labels).toEqual([...p.classes.map((c) => c.name), 'mean over classes']);
    const want = (key: 'pq' | 'sq' | 'rq') =>
      [...p.classes.map((c) => c[key]), p[key]].map((v) => short(fromJsonNumber(v)));
    expect(pq.data).toEqual([want('pq'), want('sq'), want('rq')]);

    for (const id of [
      'region-bars',
      'region-dist-dice',
      'lesion-counts',
      'lesion-scores',
      'panoptic-quality',
    ]) {
      await page.locator(`#${id}`).screenshot({ path: join(ARTIFACTS, `eval-section-${id}.png`) });
    }
    await page.close();
  }, 60_000);

  it('compare with regions and lesions: difference bars per region and lesion measure = the JSON', async () => {
    const raw = {
      gt: join(d, 'gt'),
      pred: [join(d, 'a'), join(d, 'b')],
      numClasses: '4',
      metrics: 'dice,hd95',
      regions: REGIONS,
      lesions: true,
      workers: '0',
      ci: '0.95',
      bootstrap: '400',
      json: join(d, 'c.json'),
      report: join(d, 'c.html'),
    };
    const err: string[] = [];
    const code = await runCompare(parseCompareOptions(raw), { ...raw, pred: undefined }, io(err));
    expect(code, err.join('')).toBe(0);
    const json = JSON.parse(readFileSync(join(d, 'c.json'), 'utf8')) as CompareResult;
    const { page, charts, errors, requests } = await open(join(d, 'c.html'), 'compare-sections', chartFacts);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    readable(charts);
    expect(charts.map((c) => c.id)).toEqual([
      'diff-0-scores',
      'diff-0-distances',
      'diff-0-region-scores',
      'diff-0-region-distances',
      'diff-0-lesion-dice',
      'diff-0-lesion-counts',
      'paired-0',
      'paired-0-region',
      'paired-0-lesion',
      'sorted-0',
    ]);
    const rows = json.comparisons[0].rows;
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    const check = (id: string, pick: (k: number, series: number) => (typeof rows)[number]) => {
      byId[id].data.forEach((series, s) =>
        series.forEach((bar, k) => {
          const r = pick(k, s);
          const [y, lo, hi] = [r.meanDiff, ...r.ci].map(fromJsonNumber);
          expect(bar.y, `${id} ${r.metric} ${r.name}`).toBe(Number.isFinite(y) ? short(y) : null);
          if (Number.isFinite(y) && Number.isFinite(lo)) expect(bar.yMin).toBe(short(lo));
          if (Number.isFinite(y) && Number.isFinite(hi)) expect(bar.yMax).toBe(short(hi));
        }),
      );
    };
    const region = rows.filter((r) => r.section === 'region');
    expect(byId['diff-0-region-scores'].labels).toEqual(['region WT', 'region TC', 'region ET']);
    check('diff-0-region-scores', (k) => region.filter((r) => r.metric === 'dice')[k]);
    check('diff-0-region-distances', (k) => region.filter((r) => r.metric === 'hd95')[k]);
    const lesion = rows.filter((r) => r.section === 'lesion');
    expect(byId['diff-0-lesion-counts'].series).toEqual(['lesion FN', 'lesion FP']);
    check('diff-0-lesion-dice', (k) => lesion.filter((r) => r.metric === 'lesionDice')[k]);
    check(
      'diff-0-lesion-counts',
      (k, s) => lesion.filter((r) => r.metric === ['lesionFn', 'lesionFp'][s])[k],
    );
    // Paired plots: one series per region (lesion row) with the JSON's finite pairs, then the diagonal.
    for (const sec of json.comparisons[0].sections!) {
      const chart = byId[`paired-0-${sec.section}`];
      expect(chart.series).toEqual([...sec.names, 'no change']);
      sec.names.forEach((_, k) => {
        const want = sec.a.flatMap((row, i) => {
          const [x, y] = [fromJsonNumber(row[k]), fromJsonNumber(sec.b[i][k])];
          return Number.isFinite(x) && Number.isFinite(y) ? [{ x: short(x), y: short(y) }] : [];
        });
        expect(chart.data[k].map((p) => ({ x: p.x, y: p.y }))).toEqual(want);
      });
    }
    const shownSections = await page.$$eval('#rows-0 tr', (trs) =>
      trs.slice(1).map((tr) => tr.getAttribute('data-section')),
    );
    expect(shownSections).toEqual(rows.map((r) => r.section));
    for (const id of [
      'diff-0-region-scores',
      'diff-0-lesion-dice',
      'diff-0-lesion-counts',
      'paired-0-region',
    ]) {
      await page.locator(`#${id}`).screenshot({ path: join(ARTIFACTS, `compare-section-${id}.png`) });
    }
    await page.close();
  }, 120_000);
});
