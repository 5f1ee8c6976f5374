#!/usr/bin/env node
// What the published packages weigh, file by file: `node scripts/pkg-size.mjs [dir]` (dir = the repository root,
// the library `segkit`, by default; `packages/cli` for `@segkit/cli`) runs `npm pack --dry-run` there on the
// built dist/ and prints, per file, its bytes, how many of them are WebAssembly kernel bytes (the long string
// literals of src/core/kernels/*.bytes.ts, as they end up in a bundle) and, for a source map, how many are
// `sourcesContent` (and of those, the generated *.bytes.ts sources). test/package/size.test.ts holds the
// package to its budget with the same measurements.
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm pack --dry-run --json` of the package in `dir` (its build scripts not run: dist/ must be built):
 * `{ size, unpackedSize, files: [{ path, size }] }`, sizes in bytes (`size` = the gzipped tarball).
 */
export function packInfo(dir) {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`pkg-size: npm pack --dry-run in ${dir} failed:\n${r.stderr}`);
  const [info] = JSON.parse(r.stdout);
  return { size: info.size, unpackedSize: info.unpackedSize, files: info.files };
}

/** String literals of 96 or more hex or base64 characters: the kernel bytes, as a bundle carries them (the hex
 * modules of earlier builds had lines of 96 digits; the base64 alphabet itself, 64 characters, is no kernel). */
const KERNEL_LITERAL = /(["'`])[0-9A-Za-z+/]{96,}={0,2}\1/g;

/** Bytes of the kernel-byte string literals in JavaScript text (after esbuild folded each `'…' + '…'` chain). */
export function kernelLiteralBytes(text) {
  let n = 0;
  for (const m of text.matchAll(KERNEL_LITERAL)) n += m[0].length;
  return n;
}

/** Of a source map's text: the bytes of its `sourcesContent`, and of those the *.bytes.ts sources' share. */
export function sourcesContentBytes(mapText) {
  const map = JSON.parse(mapText);
  let all = 0;
  let kernels = 0;
  (map.sourcesContent ?? []).forEach((content, i) => {
    const n = content === null ? 0 : Buffer.byteLength(JSON.stringify(content));
    all += n;
    if (/\.bytes\.ts$/.test(map.sources[i])) kernels += n;
  });
  return { all, kernels };
}

/** Per packed file of `dir`: path, bytes, kernel literal bytes (.js/.cjs), sourcesContent bytes (.map). */
export function measure(dir) {
  const info = packInfo(dir);
  const rows = info.files
    .map(({ path, size }) => {
      const text = /\.(c?js|map)$/.test(path) ? readFileSync(join(dir, path), 'utf8') : '';
      const row = { path, size, kernels: 0, sourcesContent: 0, kernelSources: 0 };
      if (/\.c?js$/.test(path)) row.kernels = kernelLiteralBytes(text);
      if (path.endsWith('.map')) {
        const s = sourcesContentBytes(text);
        row.sourcesContent = s.all;
        row.kernelSources = s.kernels;
      }
      return row;
    })
    .sort((a, b) => b.size - a.size);
  return { size: info.size, unpackedSize: info.unpackedSize, rows };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? '.');
  const { size, unpackedSize, rows } = measure(dir);
  const kb = (n) => (n / 1024).toFixed(1);
  console.log(`| file | KiB | kernel literals KiB | sourcesContent KiB (of it *.bytes.ts) |`);
  console.log(`|---|---:|---:|---:|`);
  for (const r of rows) {
    const sc = r.path.endsWith('.map') ? `${kb(r.sourcesContent)} (${kb(r.kernelSources)})` : '';
    console.log(`| ${r.path} | ${kb(r.size)} | ${r.kernels ? kb(r.kernels) : ''} | ${sc} |`);
  }
  const sum = (k) => rows.reduce((a, r) => a + r[k], 0);
  console.log(
    `| **total** (${rows.length} files) | ${kb(unpackedSize)} | ${kb(sum('kernels'))} | ${kb(sum('sourcesContent'))} (${kb(sum('kernelSources'))}) |`,
  );
  const mb = (n) => (n / 1e6).toFixed(2);
  console.log(
    `\npacked (gzipped tarball): ${mb(size)} MB; unpacked: ${mb(unpackedSize)} MB (${rows.length} files)`,
  );
}
