/**
 * The reports of `segkit compare` and of `segkit eval --ci` opened in headless Chromium (`file://`, offline):
 * no console error, every chart drawn with a title and axis titles, the paired plot holds one point per image,
 * the error bars of the difference chart are the JSON's intervals, and the tables show the JSON's numbers.
 * Screenshots go to `test-artifacts/reports/` (git-ignored). Needs `/usr/bin/chromium`; skipped, with a
 * message, where it is missing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareResult } from '../../src/cli/compare/types.js';
import type { EvalResult } from '../../src/cli/eval/schema.js';
import { grayPng, put, tempDir } from '../io/fixtures.js';
import { CHROMIUM, chartFacts as facts, hasChromium, reportBrowser } from '../reports/browser.js';
import { ensureBuilt, segkit } from './helpers.js';

if (!hasChromium) console.warn(`compare report browser tests skipped: ${CHROMIUM} not found`);
const tmp = tempDir('segkit-compare-report-');
afterAll(tmp.cleanup);
const d = tmp.dir;

const N = 15;
beforeAll(() => {
  ensureBuilt();
  // 1×30 strips: class 1 on 0–14, class 2 on 15–24. A misses (i % 5) + 1 pixels of class 1, B one fewer
  // (or one more on every fifth image), and both miss pixel 15 of class 2 on odd images.
  for (let i = 0; i < N; i++) {
    const miss = (i % 5) + 1;
    const make = (e: number, hole: boolean) =>
      Array.from({ length: 30 }, (_, p) =>
        p < 15 ? (p < e ? 0 : 1) : p < 25 ? (p === 15 && hole ? 0 : 2) : 0,
      );
    const name = `case${String(i).padStart(2, '0')}.png`;
    put(join(d, 'gt', name), grayPng(make(0, false), 30, 1));
    put(join(d, 'a', name), grayPng(make(miss, i % 2 === 1), 30, 1));
    put(join(d, 'b', name), grayPng(make(i % 5 === 4 ? miss + 2 : miss - 1, i % 2 === 1), 30, 1));
  }
});

describe.skipIf(!hasChromium)('compare and eval --ci reports in Chromium', () => {
  const { open: openReport } = reportBrowser();
  const open = (file: string, shot: string) => openReport(file, shot, facts);

  it('segkit compare --report: paired plots drawn, error bars = the JSON intervals, tables = the JSON', async () => {
    const args = [
      'compare',
      '--gt',
      'gt',
      '--pred',
      'a',
      '--pred',
      'b',
      '--num-classes',
      '3',
      '--metrics',
      'dice,hd',
    ];
    const r = segkit([...args, '--workers', '1', '--json', 'c.json', '--report', 'c.html'], d);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(d, 'c.json'), 'utf8')) as CompareResult;
    const { page, charts, errors, requests } = await open(join(d, 'c.html'), 'compare');
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(charts.map((c) => `${c.id}:${c.type}`)).toEqual([
      'diff-0-scores:barWithErrorBars',
      'diff-0-distances:barWithErrorBars',
      'paired-0:scatter',
      'sorted-0:bar',
    ]);
    for (const c of charts) {
      expect(c.title.length, c.id).toBeGreaterThan(10);
      for (const a of c.axes) expect(a.title.length, `${c.id} ${a.id}`).toBeGreaterThan(0);
    }
    const rows = json.comparisons[0].rows;
    const dice = charts[0].data[0];
    ['1', '2', 'foreground mean'].forEach((_, k) => {
      const row = rows.filter((x) => x.metric === 'dice')[k];
      if (typeof row.ci[0] === 'number') expect(dice[k].yMin).toBeCloseTo(row.ci[0], 5);
      if (typeof row.ci[1] === 'number') expect(dice[k].yMax).toBeCloseTo(row.ci[1], 5);
    });
    expect(charts[2].data[0]).toHaveLength(N);
    // One range on both axes of the paired plot, holding every point: the diagonal runs corner to corner.
    const [px, py] = charts[2].axes;
    expect([px.min, px.max]).toEqual([py.min, py.max]);
    for (const p of charts[2].data[0]) {
      expect(p.x!).toBeGreaterThanOrEqual(px.min);
      expect(p.x!).toBeLessThanOrEqual(px.max);
    }
    const worstIds = await page.$$eval('#worst-0 tr td:first-child', (tds) => tds.map((t) => t.textContent));
    expect(worstIds).toEqual(json.comparisons[0].worst.map((p) => p.id));
    expect(worstIds.length).toBe(3);
    const pvalues = await page.$$eval('#rows-0 tr', (trs) =>
      trs.slice(1).map((tr) => tr.querySelectorAll('td')[7].getAttribute('data-value')),
    );
    expect(pvalues).toEqual(rows.map((x) => String(x.wilcoxon.pvalue)));
    await page.close();
  });

  it('segkit eval --ci --report: the bars’ error bars are the intervals, the tables list them', async () => {
    const r = segkit(
      [
        'eval',
        '--gt',
        'gt',
        '--pred',
        'b',
        '--num-classes',
        '3',
        '--ci',
        '0.95',
        '--json',
        'e.json',
        '--report',
        'e.html',
      ],
      d,
    );
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(d, 'e.json'), 'utf8')) as EvalResult;
    const { page, charts, errors } = await open(join(d, 'e.html'), 'eval-ci');
    expect(errors).toEqual([]);
    const bars = charts.find((c) => c.id === 'bars')!;
    expect(bars.title).toMatch(/95% BCa bootstrap interval/);
    json.classes.forEach((c, k) => {
      expect(bars.data[0][k].yMin).toBeCloseTo(c.metrics.dice!.ci![0] as number, 5);
      expect(bars.data[0][k].yMax).toBeCloseTo(c.metrics.dice!.ci![1] as number, 5);
    });
    const shown = await page.$$eval('#summary td.ci', (tds) => tds.map((t) => t.getAttribute('data-lower')));
    expect(shown[0]).toBe(String(json.foregroundMeanCi!.dice![0]));
    await page.close();
  });
});
