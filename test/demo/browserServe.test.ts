/**
 * `segkit demo --browser` as a user runs it: the built binary serves the page on 127.0.0.1, prints the URL (with the
 * training flags in its query) on stdout, serves index.html and demo.js and nothing else. The page itself is tested
 * in Chromium by test/browser/demo.browser.test.ts.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, ensureBuilt, root } from '../cli/helpers.js';

describe('segkit demo --browser', () => {
  let child: ReturnType<typeof spawn>;
  let url = '';
  beforeAll(async () => {
    ensureBuilt();
    child = spawn(
      process.execPath,
      [bin, 'demo', '--browser', '--port', '0', '--epochs', '3', '--size', '32'],
      {
        cwd: root,
      },
    );
    url = await new Promise<string>((resolveUrl, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolveUrl(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`segkit demo --browser exited with ${code}`)));
    });
  }, 120_000);
  afterAll(() => {
    child?.kill();
  });

  it('prints the page URL on 127.0.0.1 with the training flags', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?epochs=3&samples=160&size=32&seed=1$/);
  });

  it('serves the page and its bundle, and nothing else', async () => {
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<script src="./demo.js"></script>');
    const js = await fetch(new URL('/demo.js', url));
    expect(js.status).toBe(200);
    expect((await js.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    expect((await fetch(new URL('/../package.json', url))).status).toBe(404);
    expect((await fetch(new URL('/src/cli/main.ts', url))).status).toBe(404);
  });
});
