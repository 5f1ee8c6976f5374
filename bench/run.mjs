#!/usr/bin/env node
// `npm run bench [-- name ...]`: runs every bench/*.bench.ts (or those whose name contains an argument) in its
// own Node process, one after another, so one benchmark's heap does not disturb the next. Each prints one JSON
// line per result on stdout (format: bench/reference/workloads.json → result_line_fields).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`bench: no benchmark matches ${filters.join(' ')}`);
  process.exit(2);
}
// Node 20 has relaxed SIMD behind a flag (on by default from Node 22): the benchmarks time the relaxed-SIMD modules
// in their segkit_relaxed_out rows and keep every other row on the SIMD128 bytes (bench/relaxed.ts).
const relaxedFlag =
  Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
let failed = 0;
for (const f of files) {
  console.error(`# ${f}`);
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=16384', ...relaxedFlag, '--import', 'tsx', join(here, f)],
    {
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
