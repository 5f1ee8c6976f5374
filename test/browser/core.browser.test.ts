/**
 * The core runs unchanged in a browser: the built `dist/index.js`, loaded as an ES module by headless Chromium
 * from a loopback server, instantiates its WebAssembly SIMD kernels on the page's main thread and gives the
 * same bits as the same bundle in Node; in a worker, the larger from-logits modules take their relaxed-SIMD bytes
 * (Chromium has relaxed SIMD) and agree with Node's SIMD128 ones to float32 rounding. Needs `/usr/bin/chromium` (`.ci/run` installs it); skipped, with a
 * message, where it is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`browser test skipped: ${CHROMIUM} not found (apt-get install chromium)`);

interface Spec {
  shape: number[];
  soft: boolean;
  seed: number;
  /** Also run the from-logits focal and Dice losses (logits 6·pr − 3), whose modules have relaxed variants. */
  logits?: boolean;
}

interface Outcome {
  backend: string;
  value: number;
  gradBits: number[];
  iou: number[];
  /** With `spec.logits`: kernelBackend('modules') and the two losses' values and gradients. */
  fromLogits?: { modules: Record<string, string>; values: number[]; grads: number[][] };
}

type Segkit = typeof import('../../src/index.js');

/**
 * One scenario, self-contained so that Playwright can send its source to the page: takes the bundle from
 * `globalThis.segkit`, builds seeded float32 inputs, returns the Dice loss with its gradient's bits and the
 * per-class IoU.
 */
function scenario(spec: Spec): Outcome {
  const m = (globalThis as unknown as { segkit: Segkit }).segkit;
  const C = spec.shape[spec.shape.length - 1];
  const n = spec.shape.reduce((a, b) => a * b, 1);
  // xorshift32 as bench/harness.ts, repeated here because this function is sent to the page as source.
  let x = spec.seed >>> 0;
  const rand = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
  const gt = new Float32Array(n);
  const pr = new Float32Array(n);
  for (let p = 0; p < n / C; p++) {
    if (spec.soft) for (let c = 0; c < C; c++) gt[p * C + c] = rand();
    else gt[p * C + Math.floor(rand() * C)] = 1;
    for (let c = 0; c < C; c++) pr[p * C + c] = rand();
  }
  const g = { data: gt, shape: spec.shape };
  const q = { data: pr, shape: spec.shape };
  const { value, grad } = m.diceLoss.valueAndGrad(g, q);
  let fromLogits: Outcome['fromLogits'];
  if (spec.logits) {
    const z = { data: pr.map((v) => 6 * v - 3), shape: spec.shape };
    const losses = [
      m.focalLoss({ preset: 'monai', activation: 'softmax', gamma: 2, layout: 'channelsLast' }),
      m.diceLoss({ preset: 'monai', fromLogits: true, layout: 'channelsLast' }),
    ].map((loss) => loss.valueAndGrad(g, z));
    fromLogits = {
      modules: { ...m.kernelBackend('modules') },
      values: losses.map((r) => r.value),
      grads: losses.map((r) => Array.from(r.grad)),
    };
  }
  return {
    backend: m.kernelBackend(),
    value,
    gradBits: Array.from(new Uint32Array(grad.buffer)),
    iou: m.iouScore.perClass(g, q),
    fromLogits,
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.html': 'text/html',
  '.map': 'application/json',
};

describe.skipIf(!hasChromium)('the core in Chromium (dist/index.js as an ES module)', () => {
  let server: Server;
  let browser: Browser;
  let base = '';

  beforeAll(async () => {
    // dist/ is built by `npm ci` (prepare); build it here too when a developer runs the tests on a fresh tree.
    if (!existsSync(resolve(root, 'dist/index.js'))) {
      execFileSync(process.execPath, [resolve(root, 'node_modules/tsup/dist/cli-default.js')], { cwd: root });
    }
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const file = path === '/' ? null : join(root, 'dist', path.replace(/^\/dist\//, ''));
      if (path === '/csp') {
        // A content security policy without 'wasm-unsafe-eval': WebAssembly compilation is refused.
        res.writeHead(200, {
          'content-type': 'text/html',
          'content-security-policy': "script-src 'self' 'unsafe-inline'",
        });
        res.end('<!doctype html><title>segkit, strict CSP</title>');
      } else if (file === null) {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>segkit</title>');
      } else if (file.startsWith(join(root, 'dist')) && existsSync(file)) {
        res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(readFileSync(file));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((ok) => server?.close(ok));
  });

  /** Runs one scenario in a fresh page at `path` and in Node, on the same bundle; collects page errors. */
  async function inBrowserAndNode(
    path: string,
    spec: Spec,
  ): Promise<{ inBrowser: Outcome; inNode: Outcome; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}${path}`);
    await page.addScriptTag({
      type: 'module',
      content: `import * as segkit from '${base}/dist/index.js'; globalThis.segkit = segkit;`,
    });
    await page.waitForFunction(() => 'segkit' in globalThis);
    const inBrowser = await page.evaluate(scenario, spec);
    await page.close();
    const bundle = pathToFileURL(resolve(root, 'dist/index.js')).href;
    (globalThis as unknown as { segkit: Segkit }).segkit = (await import(
      /* @vite-ignore */ bundle
    )) as Segkit;
    return { inBrowser, inNode: scenario(spec), errors };
  }

  const cases: [string, number[], boolean][] = [
    ['one-hot, C = 4 (masks in pass 2)', [4, 64, 64, 4], false],
    ['soft labels, C = 8 (affine pass 2)', [2, 48, 48, 8], true],
    ['one-hot 3-D, C = 3', [1, 24, 24, 24, 3], false],
  ];
  for (const [label, shape, soft] of cases) {
    it(`${label}: WebAssembly SIMD on the main thread, the same bits as in Node`, async () => {
      const { inBrowser, inNode, errors } = await inBrowserAndNode('/', { shape, soft, seed: 7 });
      expect(errors).toEqual([]);
      expect(inBrowser.backend).toBe('wasm-simd');
      expect(inNode.backend).toBe('wasm-simd');
      expect(inBrowser.value).toBe(inNode.value);
      expect(inBrowser.iou).toEqual(inNode.iou);
      expect(inBrowser.gradBits).toEqual(inNode.gradBits);
    }, 60_000);
  }

  it('in a worker, the from-logits kernels run relaxed SIMD and agree with the SIMD128 ones in Node to float32 rounding', async () => {
    // Chromium compiles at most 4 KiB synchronously on the main thread, so the larger modules need a worker.
    const spec: Spec = { shape: [2, 32, 32, 4], soft: false, seed: 11, logits: true };
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}/`);
    const source =
      `import * as segkit from '${base}/dist/index.js'; globalThis.segkit = segkit;` +
      `onmessage = (e) => postMessage((${scenario.toString()})(e.data));`;
    const inWorker = await page.evaluate(
      ({ source, spec }) =>
        new Promise<Outcome>((ok, fail) => {
          const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
          const worker = new Worker(url, { type: 'module' });
          worker.onmessage = (e) => ok(e.data as Outcome);
          worker.onerror = (e) => fail(new Error(e.message));
          worker.postMessage(spec);
        }),
      { source, spec },
    );
    await page.close();
    const bundle = pathToFileURL(resolve(root, 'dist/index.js')).href;
    (globalThis as unknown as { segkit: Segkit }).segkit = (await import(
      /* @vite-ignore */ bundle
    )) as Segkit;
    const inNode = scenario(spec); // the default vitest project runs the SIMD128 modules
    expect(errors).toEqual([]);
    expect(inWorker.fromLogits!.modules).toMatchObject({
      softmaxRegion: 'wasm-relaxed-simd',
      elementwise: 'wasm-relaxed-simd',
      binary: 'wasm-relaxed-simd',
      region: 'wasm-simd',
    });
    expect(inNode.fromLogits!.modules.elementwise).toBe('wasm-simd');
    expect(inNode.fromLogits!.modules.softmaxRegion).toBe('wasm-simd');
    inWorker.fromLogits!.values.forEach((v, k) => {
      const ref = inNode.fromLogits!.values[k];
      expect(Math.abs(v - ref)).toBeLessThanOrEqual(2e-6 * Math.abs(ref));
    });
    inWorker.fromLogits!.grads.forEach((g, k) => {
      const ref = inNode.fromLogits!.grads[k];
      const scale = Math.max(...ref.map(Math.abs));
      g.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThanOrEqual(2e-6 * scale));
    });
    // sm's Dice (region module, never relaxed) keeps the same bits in the worker.
    expect(inWorker.gradBits).toEqual(inNode.gradBits);
  }, 60_000);

  it('under a CSP that forbids WebAssembly the JS kernels run, with the same numbers', async () => {
    const spec = { shape: [4, 64, 64, 4], soft: false, seed: 7 };
    const { inBrowser, inNode } = await inBrowserAndNode('/csp', spec);
    expect(inBrowser.backend).toBe('js');
    expect(Math.abs(inBrowser.value - inNode.value)).toBeLessThan(1e-12);
    inBrowser.iou.forEach((v, k) => expect(Math.abs(v - inNode.iou[k])).toBeLessThan(1e-12));
  }, 60_000);
});
