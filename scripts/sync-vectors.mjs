#!/usr/bin/env node
// Refreshes the vendored copies of the public reference vectors and benchmark workloads from ../shared:
//   ../shared/vectors/**     → test/vectors/** (JSON files gzipped, other files as they are)
//   ../shared/bench/*        → bench/reference/*
// and writes test/vectors/MANIFEST.json: the SHA-256 and size of every upstream file, so that a clone alone can
// check its copy and the sync test can compare the copy with ../shared file for file.
// Usage: npm run vectors:sync [-- --check]   (--check changes nothing and exits 1 when the copy is stale)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(root, '../shared');
const check = process.argv.includes('--check');

/** The folders that are copied, and how a file's vendored name follows from its upstream name. */
export const COPIES = [
  { from: join(shared, 'vectors'), to: join(root, 'test/vectors'), gzip: (name) => name.endsWith('.json') },
  { from: join(shared, 'bench'), to: join(root, 'bench/reference'), gzip: () => false },
];

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else if (entry.isFile()) out.push(p);
  }
  return out.sort();
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

let stale = 0;
const manifest = {};
for (const { from, to, gzip } of COPIES) {
  if (!existsSync(from)) {
    console.error(`vectors:sync: ${from} does not exist; nothing to copy from.`);
    process.exit(1);
  }
  const wanted = new Set();
  for (const file of walk(from)) {
    const rel = relative(from, file);
    const bytes = readFileSync(file);
    const zipped = gzip(rel);
    const dest = join(to, zipped ? `${rel}.gz` : rel);
    wanted.add(dest);
    manifest[relative(root, dest)] = {
      upstream: relative(shared, file),
      bytes: bytes.length,
      sha256: sha256(bytes),
    };
    // gzip output carries no timestamp or name from Node's zlib, so a re-sync of unchanged data writes the same bytes.
    const content = zipped ? gzipSync(bytes, { level: 9 }) : bytes;
    const current = existsSync(dest) ? readFileSync(dest) : undefined;
    const same =
      current !== undefined && (zipped ? sha256(current) === sha256(content) : current.equals(content));
    if (same) continue;
    stale++;
    if (check) console.error(`stale: ${relative(root, dest)}`);
    else {
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, content);
      console.log(`wrote ${relative(root, dest)}`);
    }
  }
  if (existsSync(to)) {
    for (const file of walk(to)) {
      if (file === join(root, 'test/vectors/MANIFEST.json') || wanted.has(file)) continue;
      stale++;
      if (check) console.error(`not upstream: ${relative(root, file)}`);
      else {
        rmSync(file);
        console.log(`removed ${relative(root, file)}`);
      }
    }
  }
}
const manifestPath = join(root, 'test/vectors/MANIFEST.json');
const manifestText = `${JSON.stringify({ source: '../shared (vectors/, bench/)', files: manifest }, null, 2)}\n`;
if (!existsSync(manifestPath) || readFileSync(manifestPath, 'utf8') !== manifestText) {
  stale++;
  if (check) console.error('stale: test/vectors/MANIFEST.json');
  else writeFileSync(manifestPath, manifestText);
}
if (check && stale > 0) {
  console.error(`vectors:sync --check: ${stale} file(s) differ from ../shared; run npm run vectors:sync.`);
  process.exit(1);
}
console.log(
  check
    ? 'vectors:sync --check: the vendored copy equals ../shared.'
    : `vectors:sync: ${stale} file(s) updated.`,
);
