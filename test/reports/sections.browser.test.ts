/**
 * The report's regions, lesion-wise and panoptic tables opened in headless Chromium (a `file://` page, no
 * network): no console errors, the charts still drawn, and every number of the three tables equal to the JSON
 * (the cell's `data-value`). The case is a 2-D PNG dataset with 4 classes and the regions
 * {"WT":[1,2,3],"TC":[2,3],"ET":[3]}, evaluated in-process. Needs `/usr/bin/chromium`; skipped with a message
 * where it is missing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEvalOptions } from '../../src/cli/eval/options.js';
import { runEval } from '../../src/cli/eval/run.js';
import { fromJsonNumber } from '../../src/cli/eval/schema.js';
import type { EvalResult } from '../../src/cli/eval/schema.js';
import { blocks, grayPng, put, tempDir } from '../io/fixtures.js';
import { CHROMIUM, hasChromium, reportBrowser, tableCells } from './browser.js';

if (!hasChromium) console.warn(`report sections browser test skipped: ${CHROMIUM} not found`);

const tmp = tempDir('segkit-sections-');
afterAll(tmp.cleanup);

// data-value holds the number as text ("NaN", "Infinity" included), which Number() reads back.
const num = (v: string | null) => Number(v);

async function evaluate(dir: string): Promise<EvalResult> {
  for (let i = 0; i < 4; i++) {
    put(join(dir, 'gt', `c${i}.png`), grayPng(Array.from(blocks(16, 16, 4, 0)), 16, 16));
    put(join(dir, 'pred', `c${i}.png`), grayPng(Array.from(blocks(16, 16, 4, i)), 16, 16));
  }
  const err: string[] = [];
  const code = await runEval(
    parseEvalOptions({
      gt: join(dir, 'gt'),
      pred: join(dir, 'pred'),
      numClasses: '4',
      metrics: 'dice,hd95',
      regions: '{"WT":[1,2,3],"TC":[2,3],"ET":[3]}',
      lesions: true,
      panoptic: true,
      json: join(dir, 'out.json'),
      report: join(dir, 'out.html'),
      workers: '0',
    }),
    { stdout: () => undefined, stderr: (t) => void err.push(t), isTTY: false },
  );
  if (code !== 0) throw new Error(`eval failed (${code}): ${err.join('')}`);
  return JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as EvalResult;
}

describe.skipIf(!hasChromium)('the report of --regions --lesions --panoptic in Chromium', () => {
  const { open } = reportBrowser();

  it('opens without console errors, and its three tables hold the JSON numbers', async () => {
    const json = await evaluate(join(tmp.dir, 'case'));
    const { page, charts, errors, requests } = await open(
      join(tmp.dir, 'case/out.html'),
      'eval-sections',
      () => (window as unknown as { segkitCharts: unknown[] }).segkitCharts.length,
    );
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    // Classes: 2 bars + 2 boxes + confusion; regions: 2 bars + 2 boxes; lesions 2; panoptic 1.
    expect(charts).toBe(12);

    const regions = await page.evaluate(tableCells, 'regions');
    const sec = json.regions!;
    expect(regions.map((r) => r[0].text)).toEqual(['WT', 'TC', 'ET', 'mean over regions']);
    sec.regions.forEach((r, k) => {
      expect(regions[k][1].text).toBe(r.labels.join(', '));
      expect(num(regions[k][2].value)).toBe(fromJsonNumber(r.metrics.dice!.mean));
      expect(num(regions[k][4].value)).toBe(fromJsonNumber(r.metrics.hd95!.mean));
    });
    expect(num(regions[3][2].value)).toBe(fromJsonNumber(sec.summary.dice!.value));

    const lesions = await page.evaluate(tableCells, 'lesions');
    expect(lesions.map((r) => r[0].text)).toEqual(['1', '2', '3', 'region WT', 'region TC', 'region ET']);
    json.lesions!.results.forEach((r, k) => {
      expect(lesions[k].slice(1, 6).map((c) => Number(c.value))).toEqual([
        r.gtLesions,
        r.predLesions,
        r.tp,
        r.fp,
        r.fn,
      ]);
      expect(lesions[k].slice(6).map((c) => num(c.value))).toEqual(
        [r.sensitivity, r.precision, r.f1, r.lesionDice, r.lesionDiceMean.mean].map(fromJsonNumber),
      );
    });

    const panoptic = await page.evaluate(tableCells, 'panoptic');
    const p = json.panoptic!;
    expect(panoptic).toHaveLength(p.classes.length + 1);
    p.classes.forEach((c, k) => {
      expect(panoptic[k].slice(1, 4).map((x) => num(x.value))).toEqual(
        [c.pq, c.sq, c.rq].map(fromJsonNumber),
      );
    });
    expect(
      panoptic
        .at(-1)!
        .slice(1, 4)
        .map((x) => num(x.value)),
    ).toEqual([p.pq, p.sq, p.rq].map(fromJsonNumber));
    await page.close();
  }, 60_000);
});
