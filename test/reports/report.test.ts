/**
 * The report builders without a browser: the size limit, the finite statistics of infinite distances, the
 * class names on the axes and the escaping of the inlined library.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Script } from 'node:vm';
import { buildDemoReport } from '../../src/cli/demo/report.js';
import { buildReport, classNames, finiteStat, INFINITY_POLICY } from '../../src/cli/eval/report.js';
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
