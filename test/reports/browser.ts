/**
 * What the Chromium tests of the HTML reports share: Debian's Chromium (the tests skip without it), the folder
 * of kept screenshots, a browser launched for a describe block, and the opening of a report file offline with
 * its console errors, its outside requests and a full-page screenshot.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
/** Screenshots kept by the report tests (git-ignored). */
export const ARTIFACTS = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '../..'),
  'test-artifacts/reports',
);

/** Runs in the page: the cells of a table as `{ text, value }` rows (value from `data-value`), header row left out. */
export function tableCells(id: string): { text: string; value: string | null }[][] {
  return Array.from(document.querySelectorAll(`#${id} tr`))
    .slice(1)
    .map((r) =>
      Array.from(r.querySelectorAll('td')).map((td) => ({
        text: td.textContent ?? '',
        value: td.getAttribute('data-value'),
      })),
    );
}

/** What the page says about a chart: canvas id, type, title, axis titles and the datasets' data. */
export interface ChartFacts {
  id: string;
  type: string;
  title: string;
  /** Each axis: its title and the range Chart.js drew. */
  axes: { id: string; title: string; min: number; max: number }[];
  /** The category labels of the x axis, and the datasets' labels. */
  labels: string[];
  series: string[];
  data: { yMin?: number; yMax?: number; y?: number | null; x?: number; median?: number }[][];
}

/** Runs in the page: the {@link ChartFacts} of every chart drawn (`window.segkitCharts`). */
export function chartFacts(): ChartFacts[] {
  type AnyChart = {
    canvas: HTMLCanvasElement;
    config: { type: string };
    options: { plugins: { title: { text: string } } };
    scales: Record<
      string,
      { id: string; min: number; max: number; options: { title: { display: boolean; text: string } } }
    >;
    data: { labels?: unknown[]; datasets: { label: string; data: unknown[] }[] };
  };
  return (window as unknown as { segkitCharts: AnyChart[] }).segkitCharts.map((c) => ({
    id: c.canvas.id,
    type: c.config.type,
    title: c.options.plugins.title.text,
    axes: Object.values(c.scales).map((s) => ({
      id: s.id,
      title: s.options.title.display ? s.options.title.text : '',
      min: s.min,
      max: s.max,
    })),
    labels: (c.data.labels ?? []).map(String),
    series: c.data.datasets.map((ds) => ds.label),
    data: c.data.datasets.map((ds) => ds.data as ChartFacts['data'][number]),
  }));
}

/** An opened report: the page, what `facts` returned in it, its console errors and any request off the file. */
export interface OpenedReport<F> {
  page: Page;
  charts: F;
  errors: string[];
  requests: string[];
}

/**
 * Launches Chromium before the tests of the calling describe block and closes it after them; `open(file,
 * shot, facts)` loads a report offline, waits for its charts, runs `facts` in the page and keeps the
 * screenshot `ARTIFACTS/<shot>.png`.
 */
export function reportBrowser(): {
  open<F>(file: string, shot: string, facts: () => F): Promise<OpenedReport<F>>;
} {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async open<F>(file: string, shot: string, facts: () => F): Promise<OpenedReport<F>> {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
      page.on('pageerror', (e) => void errors.push(String(e)));
      // Offline: any request other than the file itself is recorded (the tests require none).
      page.on(
        'request',
        (r) => void (r.url().startsWith('file:') || r.url().startsWith('data:') || requests.push(r.url())),
      );
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction(() => 'segkitCharts' in window);
      const charts = (await page.evaluate(facts)) as F;
      await page.screenshot({ path: join(ARTIFACTS, `${shot}.png`), fullPage: true });
      return { page, charts, errors, requests };
    },
  };
}
