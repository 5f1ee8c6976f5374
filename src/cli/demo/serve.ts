/**
 * `segkit demo --browser`: serves the built browser demo (dist/browser-demo: index.html and demo.js) on the loopback
 * interface, so the U-Net trains live in the user's browser on TF.js's `webgl` backend. No TensorFlow.js is needed
 * in Node: the page carries its own bundle.
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '/': 'text/html; charset=utf-8',
  '/index.html': 'text/html; charset=utf-8',
  '/demo.js': 'text/javascript; charset=utf-8',
};

/**
 * The folder of the built page: `dist/browser-demo` of the installed `@segkit/cli` package, or, when running from
 * the sources (tsx), the repository's packages/cli/dist/browser-demo.
 */
export function browserDemoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/<chunk>.js of the CLI package when built; src/cli/demo/serve.ts under tsx.
  for (const candidate of [
    join(here, 'browser-demo'),
    join(here, '../../../packages/cli/dist/browser-demo'),
  ]) {
    if (existsSync(join(candidate, 'demo.js'))) return candidate;
  }
  throw new Error(
    'the browser demo is not built (packages/cli/dist/browser-demo/demo.js is missing); run `npm run build` in the repository',
  );
}

/**
 * Starts the server on 127.0.0.1 (`port` 0 picks a free one) and resolves with it and the page's URL. Only the
 * page's two files are served; anything else is a 404.
 * @example const { url, server } = await serveBrowserDemo(8080); // url 'http://127.0.0.1:8080/'
 */
export async function serveBrowserDemo(
  port: number,
  root = browserDemoRoot(),
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const type = TYPES[path];
    if (!type || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    readFile(join(root, path === '/' ? 'index.html' : path.slice(1))).then(
      (body) => res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return { server, url: `http://127.0.0.1:${actual}/` };
}
