#!/usr/bin/env node
// Builds the browser demo (examples/browser-demo) into packages/cli/dist/browser-demo (it ships with the CLI
// package): index.html and one bundled, minified demo.js (TF.js core, layers and the webgl backend, Chart.js,
// segkit's core and segkit/tfjs). Part of `npm run build` (and so of `npm ci`); `segkit demo --browser` serves it.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'packages/cli/dist/browser-demo');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'examples/browser-demo/main.ts')],
  outfile: join(out, 'demo.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(root, 'examples/browser-demo/index.html'), join(out, 'index.html'));
