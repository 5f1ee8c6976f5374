/**
 * Benchmark of `segkit eval` (the built binary, packages/cli/dist/main.js): images per second with 1 and 2 worker
 * threads, overlap metrics alone and with HD95, on
 * - 200 pairs of 512 × 512 8-bit PNG label maps with 21 classes (the confusion_labels maps of
 *   bench/reference/baseline.md, from bench/datasets.ts; gt 255 = ignored), and
 * - 20 pairs of 128³ `.nii.gz` volumes with 3 classes (two blob masks of the hd95_3d kind combined, shifted
 *   cyclically per volume; the prediction misaligned by 0–4 voxels along y and x, so scores vary).
 * The files are written once to bench/data/cli/ (gitignored). One JSON line per (workload, workers), as the
 * other benchmarks; `images_per_s` and `speedup` (2 workers over 1) are extra fields.
 *
 * Flags (`npx tsx bench/cli.bench.ts ...`, or `SEGKIT_CLI_BENCH="--hd-png 200" npm run bench -- cli`):
 *   --png N      PNG pairs for the overlap runs (default 200)
 *   --hd-png N   PNG pairs for the HD95 runs (default 40: HD95 over 20 classes costs ~0.3 CPU-s per 512² image,
 *                so all 200 take ~1 min of CPU per run, ~6 min for the 2 × 3 runs; 200 = the full workload)
 *   --nifti N    NIfTI pairs (default 20)
 *   --runs N     timed runs per row (default 3; median reported)
 *   --data-only  write the data files and stop
 *   --scale-only run only the scale rows below (--scale-sizes 1e4,1e6 picks the sizes)
 *   --scale-data-only  write the tiny-pair folders of the scale rows and stop
 *   --classes-only run only the many-classes rows below
 *   --merge-only run only the merge row below
 *
 * Scale (`cli_eval_scale`): peak RSS (`/usr/bin/time -f %M`) and wall time of one `segkit eval --workers 2
 * --json --csv` run over 10⁴ and 10⁵ pairs of 4 × 4 PNGs (3 classes; 16 distinct pairs cycled), written once to
 * bench/data/cli/tiny<N>/. 10⁶ pairs (2·10⁶ files, several minutes to write) only with SEGKIT_CLI_SCALE_1E6=1.
 *
 * Many classes (`cli_eval_classes`): peak RSS and wall time of `segkit eval --workers 0 --json --csv` on one
 * pair of 16 × 16 16-bit PNGs (256 distinct labels spread over [0, C), 1 pixel in 5 mislabelled) with
 * `--num-classes` 21 (labels mod 21), 8000 and 65536, one run each; `ratio_to_21` is measured in the same run.
 * Before the sparse counts (issue 12), 8000 classes took 3.75 GB and 50 s and 65,536 ran out of heap.
 *
 * Baseline (`SEGKIT_CLI_BASELINE_BIN=…/main.js`, e.g. a copy of packages/cli/dist of an earlier commit kept
 * under node_modules/ so that its dependencies resolve): the scale rows up to SEGKIT_CLI_BASELINE_MAX pairs
 * (default 10⁵) and the merge row run it too, just before, on the same files, and add `baseline_*` and the
 * ratios of the same run. `SEGKIT_CLI_BIN` runs a frozen copy of the build instead of packages/cli/dist (a
 * 10⁶-pair run takes ~20 min on a shared machine; a rebuild meanwhile would swap its lazily loaded chunks).
 *
 * Merge (`cli_merge_shards`): peak RSS and wall time of one `segkit merge --json --csv` of 1,000 shard states
 * (SEGKIT_CLI_MERGE_SHARDS) of 2,000 tiny pairs (SEGKIT_CLI_MERGE_PAIRS), the states written once to
 * bench/data/cli/merge<shards>x<pairs>/ by `runEval` in this process (one `--shard k/n` run each, 0 workers).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { encode } from 'fast-png';
import { runEval } from '../src/cli/eval/run.js';
import { parseEvalOptions } from '../src/cli/eval/options.js';
import { encodeNifti } from '../src/io/index.js';
import { DATA_DIR, labelMaps, makeBlobs } from './datasets.js';
import { emit } from './harness.js';

// Flags come from the command line or, through `npm run bench -- cli` (which passes none), from SEGKIT_CLI_BENCH.
const args = [...process.argv.slice(2), ...(process.env.SEGKIT_CLI_BENCH ?? '').split(/\s+/).filter(Boolean)];
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const PNG = flag('png', 200);
const HD_PNG = Math.min(PNG, flag('hd-png', 40));
const NIFTI = flag('nifti', 20);
const RUNS = flag('runs', 3);
const ROOT = resolve(DATA_DIR, '..', '..');
// SEGKIT_CLI_BIN: a frozen copy of the build (so that a long run survives a rebuild of dist/ meanwhile).
const BIN = process.env.SEGKIT_CLI_BIN ?? join(ROOT, 'packages/cli/dist/main.js');
const OUT = join(DATA_DIR, 'cli');
const TIME = existsSync('/usr/bin/time');

function ensureBuilt(): void {
  if (existsSync(BIN) && existsSync(join(ROOT, 'packages/cli/dist/eval-worker.js'))) return;
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/tsup/dist/cli-default.js')], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  } catch (err) {
    if (!existsSync(BIN)) throw err;
  }
}

/** Writes the PNG pairs (once); returns the folder. */
function pngData(count: number): string {
  const dir = join(OUT, `png${count}`);
  if (existsSync(join(dir, 'done'))) return dir;
  const size = 512;
  const { gt, pred } = labelMaps(200, size);
  for (const [name, maps] of [
    ['gt', gt],
    ['pred', pred],
  ] as const) {
    mkdirSync(join(dir, name), { recursive: true });
    for (let n = 0; n < count; n++) {
      const data = maps.subarray(n * size * size, (n + 1) * size * size);
      writeFileSync(
        join(dir, name, `case_${String(n).padStart(3, '0')}.png`),
        encode({ width: size, height: size, data, channels: 1, depth: 8 }),
      );
    }
  }
  writeFileSync(join(dir, 'done'), '');
  return dir;
}

/** Writes the NIfTI pairs (once); returns the folder. */
function niftiData(count: number): string {
  const dir = join(OUT, `nifti${count}v2`);
  if (existsSync(join(dir, 'done'))) return dir;
  const shape = [128, 128, 128];
  const [a1, b1] = makeBlobs(shape, 6, [4, -3, -3], 13);
  const [a2, b2] = makeBlobs(shape, 6, [4, -3, -3], 31);
  const n = a1.length;
  const combine = (x: Uint8Array, y: Uint8Array, shift: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const j = (i + shift) % n;
      out[i] = x[j] ? 1 : y[j] ? 2 : 0;
    }
    return out;
  };
  for (const name of ['gt', 'pred']) mkdirSync(join(dir, name), { recursive: true });
  for (let k = 0; k < count; k++) {
    const shift = k * 128 * 129 + 7 * k; // a different (z, y, x) offset per volume
    const spacing = [2, 0.8, 0.8];
    writeFileSync(
      join(dir, 'gt', `vol_${k}.nii.gz`),
      encodeNifti({ data: combine(a1, a2, shift), shape, spacing }, { gzip: true }),
    );
    writeFileSync(
      join(dir, 'pred', `vol_${k}.nii.gz`),
      encodeNifti({ data: combine(b1, b2, shift + (k % 5) * (128 + 1)), shape, spacing }, { gzip: true }),
    );
  }
  writeFileSync(join(dir, 'done'), '');
  return dir;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times whole `segkit eval` runs (process start included) with 1 and 2 workers, interleaved run by run. */
function bench(workload: string, dir: string, images: number, pixels: number, extra: string[]): void {
  const times: Record<number, number[]> = { 1: [], 2: [] };
  const cpu: Record<number, number[]> = { 1: [], 2: [] };
  const load = loadavg()[0];
  for (let r = 0; r < RUNS; r++) {
    for (const workers of r % 2 ? [2, 1] : [1, 2]) {
      const t0 = performance.now();
      // /usr/bin/time (when present) adds the CPU seconds of the whole process, workers included.
      const argv = [BIN, 'eval', '--gt', 'gt', '--pred', 'pred', '--workers', String(workers), ...extra];
      const res = spawnSync(
        TIME ? '/usr/bin/time' : process.execPath,
        TIME ? ['-f', 'cpu %U %S', process.execPath, ...argv] : argv,
        { cwd: dir, encoding: 'utf8' },
      );
      const ms = performance.now() - t0;
      if (res.status !== 0) throw new Error(`segkit eval failed (${res.status}): ${res.stderr}`);
      times[workers].push(ms);
      const cpuLine = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(res.stderr);
      if (cpuLine) cpu[workers].push(Number(cpuLine[1]) + Number(cpuLine[2]));
    }
  }
  const m1 = median(times[1]);
  for (const workers of [1, 2]) {
    const t = times[workers];
    const med = median(t);
    emit(
      workload,
      'segkit_cli',
      images * pixels,
      { median_ms: med, min_ms: Math.min(...t), max_ms: Math.max(...t), runs: t.length },
      {
        threads: workers,
        images,
        images_per_s: Math.round((images / (med / 1000)) * 100) / 100,
        speedup: Math.round((m1 / med) * 100) / 100,
        // The machine is shared: a load average above the core count means the 2-worker figure is not a speed-up.
        load_avg_1min: Math.round(load * 100) / 100,
        ...(cpu[workers].length ? { cpu_s: Math.round(median(cpu[workers]) * 100) / 100 } : {}),
        note: `segkit eval ${extra.join(' ')} --workers ${workers}; wall time of the whole process`,
      },
    );
  }
}

/** Writes `count` pairs of 4 × 4 PNGs (once) in folders of 1000 files; returns the folder. */
function tinyData(count: number): string {
  const dir = join(OUT, `tiny${count}`);
  if (existsSync(join(dir, 'done'))) return dir;
  const png = (seed: number): Uint8Array =>
    encode({
      width: 4,
      height: 4,
      channels: 1,
      depth: 8,
      data: Uint8Array.from({ length: 16 }, (_, k) => ((k >> 2) + (k & 3) + seed) % 3),
    });
  const gts = Array.from({ length: 16 }, (_, s) => png(s));
  const preds = Array.from({ length: 16 }, (_, s) => png(s + (s % 3 === 0 ? 1 : 0)));
  for (let n = 0; n < count; n++) {
    const sub = `d${String(Math.floor(n / 1000)).padStart(4, '0')}`;
    if (n % 1000 === 0)
      for (const side of ['gt', 'pred']) mkdirSync(join(dir, side, sub), { recursive: true });
    const name = `${sub}/c${String(n).padStart(7, '0')}.png`;
    writeFileSync(join(dir, 'gt', name), gts[n % 16]);
    writeFileSync(join(dir, 'pred', name), preds[n % 16]);
  }
  writeFileSync(join(dir, 'done'), '');
  return dir;
}

/** Runs `segkit` once under `/usr/bin/time` in `cwd`: wall time, peak RSS and CPU seconds. */
function measured(
  cwd: string,
  argv: string[],
  bin = BIN,
): { ms: number; peakMib: number | null; cpu: number | null } {
  const t0 = performance.now();
  const res = spawnSync('/usr/bin/time', ['-f', 'peak_kb %M cpu %U %S', process.execPath, bin, ...argv], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const ms = performance.now() - t0;
  if (res.status !== 0) throw new Error(`segkit failed (${res.status}): ${res.stderr.slice(-2000)}`);
  const m = /peak_kb (\d+) cpu ([\d.]+) ([\d.]+)\s*$/.exec(res.stderr);
  return {
    ms,
    peakMib: m ? Math.round(Number(m[1]) / 1024) : null,
    cpu: m ? Math.round((Number(m[2]) + Number(m[3])) * 100) / 100 : null,
  };
}

/**
 * Another build to compare with in the same run (`SEGKIT_CLI_BASELINE_BIN=path/to/main.js`, e.g. a copy of
 * packages/cli/dist of the commit before a change, kept where its dependencies resolve): the scale and merge
 * rows then also run it on the same workload, just before, and report `baseline_*` and the ratios.
 */
const BASELINE = process.env.SEGKIT_CLI_BASELINE_BIN;

/** The baseline's figures and the ratios of this build to it (empty without a baseline). */
function againstBaseline(
  cwd: string,
  argv: string[],
  limit: number,
): (r: ReturnType<typeof measured>) => Record<string, number | null> {
  if (!BASELINE || limit > Number(process.env.SEGKIT_CLI_BASELINE_MAX ?? 1e5)) return () => ({});
  const b = measured(cwd, argv, BASELINE);
  const ratio = (x: number | null, y: number | null) =>
    x === null || y === null ? null : Math.round((x / y) * 100) / 100;
  return (r) => ({
    baseline_ms: Math.round(b.ms),
    baseline_peak_rss_mib: b.peakMib,
    baseline_cpu_s: b.cpu,
    ratio_ms_to_baseline: ratio(r.ms, b.ms),
    ratio_rss_to_baseline: ratio(r.peakMib, b.peakMib),
  });
}

/** One `segkit eval` run over `count` tiny pairs: peak RSS and wall time. */
function scale(count: number): void {
  const dir = tinyData(count);
  const load = loadavg()[0];
  const argv = ['eval', '--gt', 'gt', '--pred', 'pred', '--num-classes', '3', '--workers', '2'];
  const outs = ['--json', join(OUT, 'scale.json'), '--csv', join(OUT, 'scale.csv')];
  const baseline = againstBaseline(dir, [...argv, ...outs], count);
  const r = measured(dir, [...argv, ...outs]);
  emit(
    'cli_eval_scale',
    'segkit_cli',
    count * 16,
    { median_ms: r.ms, min_ms: r.ms, max_ms: r.ms, runs: 1 },
    {
      threads: 2,
      images: count,
      peak_rss_mib: r.peakMib,
      cpu_s: r.cpu,
      load_avg_1min: Math.round(load * 100) / 100,
      load_avg_1min_after: Math.round(loadavg()[0] * 100) / 100,
      ...baseline(r),
      note: 'segkit eval --workers 2 --json --csv over 4×4 PNG pairs; one run (wall time of the whole process)',
    },
  );
}

/** One pair of 16 × 16 16-bit PNGs with labels below `C` (written once); returns its folder. */
function classesData(C: number): string {
  const dir = join(OUT, `classes${C}`);
  const gt = Uint16Array.from({ length: 256 }, (_, i) => (i * 257 + 3) % C);
  const pred = gt.map((v, i) => (i % 5 === 0 ? (v + 1) % C : v));
  for (const [side, data] of [
    ['gt', gt],
    ['pred', pred],
  ] as const) {
    mkdirSync(join(dir, side), { recursive: true });
    writeFileSync(join(dir, side, 'a.png'), encode({ width: 16, height: 16, channels: 1, depth: 16, data }));
  }
  return dir;
}

/** `--num-classes` 21, 8000 and 65536 on one small pair: peak RSS, wall time, ratio to 21 classes. */
function manyClasses(): void {
  let base = NaN;
  for (const C of [21, 8000, 65536]) {
    const dir = classesData(C);
    const load = loadavg()[0];
    const argv = ['eval', '--gt', 'gt', '--pred', 'pred', '--num-classes', String(C), '--workers', '0'];
    const r = measured(dir, [...argv, '--json', join(dir, 'r.json'), '--csv', join(dir, 'r.csv')]);
    if (C === 21) base = r.ms;
    emit(
      'cli_eval_classes',
      'segkit_cli',
      256,
      { median_ms: r.ms, min_ms: r.ms, max_ms: r.ms, runs: 1 },
      {
        threads: 1,
        classes: C,
        peak_rss_mib: r.peakMib,
        cpu_s: r.cpu,
        ratio_to_21: Math.round((r.ms / base) * 100) / 100,
        load_avg_1min: Math.round(load * 100) / 100,
        note: `segkit eval --num-classes ${C} --workers 0 --json --csv on one 16×16 pair; one run (whole process)`,
      },
    );
  }
}

/** `segkit merge` of many shard states: peak RSS and wall time. */
async function mergeShards(): Promise<void> {
  const shards = Number(process.env.SEGKIT_CLI_MERGE_SHARDS ?? 1000);
  const pairs = Number(process.env.SEGKIT_CLI_MERGE_PAIRS ?? 2000);
  const data = tinyData(pairs);
  const dir = join(OUT, `merge${shards}x${pairs}`);
  const files = Array.from({ length: shards }, (_, k) =>
    join(dir, `s${String(k + 1).padStart(5, '0')}.json`),
  );
  if (!existsSync(join(dir, 'done'))) {
    mkdirSync(dir, { recursive: true });
    const quiet = { stdout: () => undefined, stderr: () => undefined, isTTY: false, quiet: true };
    for (let k = 1; k <= shards; k++) {
      const raw = { gt: join(data, 'gt'), pred: join(data, 'pred'), numClasses: '3', workers: '0' };
      const opts = parseEvalOptions({ ...raw, shard: `${k}/${shards}`, state: files[k - 1] });
      await runEval(opts, quiet);
    }
    writeFileSync(join(dir, 'done'), '');
  }
  const load = loadavg()[0];
  const outs = ['--json', join(dir, 'merged.json'), '--csv', join(dir, 'merged.csv')];
  const baseline = againstBaseline(dir, ['merge', ...files, ...outs], 0);
  const r = measured(dir, ['merge', ...files, ...outs]);
  emit(
    'cli_merge_shards',
    'segkit_cli',
    pairs,
    { median_ms: r.ms, min_ms: r.ms, max_ms: r.ms, runs: 1 },
    {
      threads: 1,
      shards,
      images: pairs,
      peak_rss_mib: r.peakMib,
      cpu_s: r.cpu,
      load_avg_1min: Math.round(load * 100) / 100,
      ...baseline(r),
      note: `segkit merge of ${shards} states (${pairs} 4×4 PNG pairs) --json --csv; one run (whole process)`,
    },
  );
}

ensureBuilt();
if (args.includes('--merge-only')) {
  if (!TIME) throw new Error('bench: the merge row needs /usr/bin/time (Debian package time).');
  await mergeShards();
  process.exit(0);
}
if (args.includes('--classes-only')) {
  if (!TIME) throw new Error('bench: the many-classes rows need /usr/bin/time (Debian package time).');
  manyClasses();
  process.exit(0);
}
if (args.includes('--scale-data-only')) {
  for (const n of [1e4, 1e5, ...(process.env.SEGKIT_CLI_SCALE_1E6 === '1' ? [1e6] : [])]) tinyData(n);
  process.exit(0);
}
if (args.includes('--scale-only')) {
  if (!TIME) throw new Error('bench: the scale rows need /usr/bin/time (Debian package time).');
  // --scale-sizes 1e4,1e6 picks the sizes (default 10⁴ and 10⁵, and 10⁶ with SEGKIT_CLI_SCALE_1E6=1).
  const i = args.indexOf('--scale-sizes');
  const sizes =
    i >= 0
      ? args[i + 1].split(',').map(Number)
      : [1e4, 1e5, ...(process.env.SEGKIT_CLI_SCALE_1E6 === '1' ? [1e6] : [])];
  for (const n of sizes) scale(n);
  process.exit(0);
}
const png = pngData(PNG);
const nifti = niftiData(NIFTI);
if (args.includes('--data-only')) {
  console.error(`bench: data in ${png} and ${nifti}`);
  process.exit(0);
}
const pngArgs = ['--num-classes', '21', '--ignore-index', '255'];
bench('cli_eval_png_overlap', png, PNG, 512 * 512, pngArgs);
if (HD_PNG === PNG)
  bench('cli_eval_png_hd95', png, PNG, 512 * 512, [...pngArgs, '--metrics', 'dice,iou,hd95']);
else
  bench('cli_eval_png_hd95', pngData(HD_PNG), HD_PNG, 512 * 512, [...pngArgs, '--metrics', 'dice,iou,hd95']);
const niftiArgs = ['--num-classes', '3'];
bench('cli_eval_nifti_overlap', nifti, NIFTI, 128 ** 3, niftiArgs);
bench('cli_eval_nifti_hd95', nifti, NIFTI, 128 ** 3, [...niftiArgs, '--metrics', 'dice,iou,hd95']);
if (TIME) for (const n of [1e4, 1e5, ...(process.env.SEGKIT_CLI_SCALE_1E6 === '1' ? [1e6] : [])]) scale(n);
if (TIME) manyClasses();
if (TIME) await mergeShards();
