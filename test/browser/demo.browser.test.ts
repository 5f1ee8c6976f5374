/**
 * The browser demo (`segkit demo --browser`) in headless Chromium on TF.js's `webgl` backend (software GL): the page
 * served by the CLI's own server trains the demo's U-Net for two short epochs with the Dice loss, the loss falls,
 * the per-class held-out Dice chart gets a point per epoch, the prediction grid appears, and the console stays
 * free of errors. The screenshot is kept in `test-artifacts/browser-demo/` (git-ignored). Needs /usr/bin/chromium
 * and the built page (packages/cli/dist/browser-demo, made by `npm run build`); skipped, with a message, without them.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveBrowserDemo } from '../../src/cli/demo/serve.js';
import type { DemoState } from '../../examples/browser-demo/main.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = '/usr/bin/chromium';
const built = existsSync(join(root, 'packages/cli/dist/browser-demo/demo.js'));
const skip = !existsSync(CHROMIUM) || !built;
if (skip) {
  console.warn(
    `browser demo test skipped: ${existsSync(CHROMIUM) ? 'packages/cli/dist/browser-demo is not built (npm run build)' : `${CHROMIUM} not found (apt-get install chromium)`}`,
  );
}

describe.skipIf(skip)('browser demo (webgl, headless Chromium)', () => {
  let browser: Browser;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await serveBrowserDemo(0, join(root, 'packages/cli/dist/browser-demo')));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('trains two short epochs with the Dice loss: the loss falls, the charts and the grid fill, no console error', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${url}?epochs=2&samples=16&size=16&losses=dice`, {
      waitUntil: 'domcontentloaded',
      timeout: 120_000,
    });
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { segkitDemo?: DemoState }).segkitDemo;
        return Boolean(s && (s.done || s.error));
      },
      null,
      { timeout: 400_000 },
    );
    const state = (await page.evaluate(
      () => (window as unknown as { segkitDemo: DemoState }).segkitDemo,
    )) as DemoState;
    mkdirSync(join(root, 'test-artifacts/browser-demo'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-artifacts/browser-demo/demo.png'), fullPage: true });
    expect(state.error).toBeUndefined();
    expect(state.backend).toBe('webgl');
    expect(errors).toEqual([]);
    const losses = state.losses.dice;
    expect(losses).toHaveLength(2);
    expect(losses[1]).toBeLessThan(losses[0]);
    expect(state.valDice.dice).toHaveLength(2);
    for (const epoch of state.valDice.dice) expect(epoch).toHaveLength(4);
    expect(state.dice.dice.every((d) => d >= 0 && d <= 1)).toBe(true);
    // One loss chart and one Dice chart, each with a drawn point per epoch; the grid: 2 header cells per column.
    const charts = await page.evaluate(() => document.querySelectorAll('#charts canvas').length);
    expect(charts).toBe(2);
    const cells = await page.evaluate(() => document.querySelectorAll('#grid canvas').length);
    expect(cells).toBe(4 * 3); // held-out images (4 of 16) × (image, ground truth, one prediction)
    await page.close();
  }, 600_000);
});
