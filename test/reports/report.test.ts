/**
 * The report builders without a browser: the size limit, the finite statistics of infinite distances, the
 * class names on the axes and the escaping of the inlined library.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Script } from 'node:vm';
import { buildDemoReport } from '../../src/cli/demo/report.js';
import {
  BOX_POINTS_MAX,
  boxStats,
  buildReport,
  classNames,
  finiteStat,
  INFINITY_POLICY,
} from '../../src/cli/eval/report.js';
import { chartScript, escapeHtml, inlineScript } from '../../src/cli/html.js';
import { tempDir } from '../io/fixtures.js';
import { demoResults, EVAL_CASES, evalCase } from './fixtures.js';

const tmp = tempDir('segkit-report-');
afterAll(tmp.cleanup);

describe('finiteStat(values)', () => {
  it('takes mean and population std over the finite values and counts the infinite ones', () => {
    expect(finiteStat([1, 3, Infinity, NaN])).toEqual({ mean: 2, std: 1, infinite: 1 });
    expect(finiteStat([Infinity, -Infinity])).toEqual({ mean: NaN, std: NaN, infinite: 2 });
    const s = finiteStat([2, 4, 9]);
    expect(s.mean).toBe((2 + 4 + 9) / 3);
    expect(s.std).toBeCloseTo(Math.sqrt(((2 - 5) ** 2 + (4 - 5) ** 2 + (9 - 5) ** 2) / 3), 12);
  });

  it('equals the statistics of the finite values alone (property, seeded)', () => {
    const value = fc.oneof(
      fc.double({ min: 0, max: 100, noNaN: true }),
      fc.constant(Infinity),
      fc.constant(NaN),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 30 }), (vs) => {
        const fin = vs.filter(Number.isFinite);
        const s = finiteStat(vs);
        expect(s.infinite).toBe(vs.filter((v) => v === Infinity).length);
        if (fin.length === 0) expect(s.mean).toBeNaN();
        else expect(s.mean).toBeCloseTo(fin.reduce((a, b) => a + b, 0) / fin.length, 9);
      }),
      { seed: 13, numRuns: 200 },
    );
  });
});

describe('boxStats(values)', () => {
  it("gives numpy's linear quartiles, Tukey's whiskers and the outliers", () => {
    expect(boxStats([1, 2, 3, 4, 5, 6, 7, 8, 9])).toMatchObject({
      min: 1,
      q1: 3,
      median: 5,
      q3: 7,
      max: 9,
      mean: 5,
      outliers: [],
    });
    // q1 = 2, q3 = 4, IQR = 2: the upper fence is 4 + 1.5·2 = 7, so 100 is an outlier and the whisker ends at 4.
    expect(boxStats([1, 2, 3, 4, 100])).toEqual({
      min: 1,
      q1: 2,
      median: 3,
      q3: 4,
      max: 4,
      mean: (1 + 2 + 3 + 4 + 100) / 5,
      outliers: [100],
      items: [1, 2, 3, 4, 100],
    });
    expect(boxStats([])).toBeNull();
  });

  it('keeps the points only up to BOX_POINTS_MAX values', () => {
    const many = Array.from({ length: BOX_POINTS_MAX + 1 }, (_, i) => i);
    expect(boxStats(many)!.items).toBeUndefined();
    expect(boxStats(many.slice(1))!.items).toHaveLength(BOX_POINTS_MAX);
  });
});

describe('classNames(labels)', () => {
  it('keeps the names, numbers-as-text included, and prefixes the index only when two names collide', () => {
    expect(classNames(['0', '1', '2'])).toEqual(['0', '1', '2']);
    expect(classNames(['1', '2', '4'])).toEqual(['1', '2', '4']);
    expect(classNames(['bg', 'a', 'a'])).toEqual(['0 bg', '1 a', '2 a']);
  });
});

describe('inlineScript(code)', () => {
  it('keeps a script element closed only by its own end tag, with the same meaning', () => {
    const code = 'var a = "</script><!--"; var b = /<\\/script>/;';
    const safe = inlineScript(code);
    expect(safe).not.toMatch(/<\/script|<!--/i);
    expect(new Script(`${safe}; [a, b.source]`).runInNewContext()).toEqual(
      new Script(`${code}; [a, b.source]`).runInNewContext(),
    );
  });

  it('leaves the inlined chart library parseable and free of end tags', () => {
    const js = chartScript();
    expect(js).not.toMatch(/<\/script/i);
    expect(() => new Script(js)).not.toThrow();
    expect(js.length).toBeLessThan(400_000);
  });

  it('carries the MIT notice of each inlined library (banners the minified builds lack are added)', () => {
    const banners = chartScript().match(/\/\*![^]*?\*\//g) ?? [];
    for (const [name, holder] of [
      ['Chart.js', 'Chart.js Contributors'],
      ['chartjs-chart-error-bars', 'Samuel Gratzl'],
      ['@sgratzl/chartjs-chart-boxplot', 'datavisyn GmbH'],
      ['chartjs-chart-matrix', 'Jukka Kurkela'],
    ]) {
      const banner = banners.find((b) => b.includes(`${name} v`) || b.includes(`${name} `));
      expect(banner, name).toBeDefined();
      expect(banner).toContain(holder);
      expect(banner).toMatch(/MIT licen[cs]e/i);
    }
  });
});

describe('report size and content', () => {
  it('every eval report and the demo report is under 1 MB and self-contained', async () => {
    for (const c of EVAL_CASES) {
      const { json, html } = await evalCase(`${tmp.dir}/${c.name}`, c);
      expect(html.length).toBeLessThan(1_000_000);
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|src="http/);
      expect(html).toContain(escapeHtml(INFINITY_POLICY));
      // The same JSON gives the same report (nothing depends on time or machine).
      expect(buildReport(json)).toBe(buildReport(JSON.parse(JSON.stringify(json))));
    }
    const { results, rows } = demoResults();
    const html = buildDemoReport(results, rows);
    expect(html.length).toBeLessThan(1_000_000);
    expect(html).not.toMatch(/<script[^>]+src=|src="http/);
  });

  it('stays under 1 MB with 10,000 images (box plots carry their statistics, not every value)', async () => {
    const { json } = await evalCase(`${tmp.dir}/many`, EVAL_CASES[0]);
    const images = Array.from({ length: 10_000 }, (_, i) => {
      const img = json.images[i % json.images.length];
      const scale = (v: number | string) => (typeof v === 'number' ? v * (1 + i / 1e4) : v);
      return {
        ...img,
        id: `case_${String(i).padStart(5, '0')}`,
        metrics: Object.fromEntries(Object.entries(img.metrics).map(([m, vs]) => [m, vs!.map(scale)])),
      };
    });
    const html = buildReport({ ...json, images } as typeof json);
    expect(html.length).toBeLessThan(1_000_000);
    expect(html).toContain('case_');
  });

  it('a report without distance metrics says nothing about infinite distances', async () => {
    const c = EVAL_CASES[0];
    const { json } = await evalCase(`${tmp.dir}/nodist`, c);
    const scoresOnly = {
      ...json,
      settings: { ...json.settings, metrics: json.settings.metrics.filter((m) => m === 'dice') },
    };
    const html = buildReport(scoresOnly);
    expect(html).not.toContain(escapeHtml(INFINITY_POLICY));
    expect(html).not.toContain('id="distbars"');
  });
});
