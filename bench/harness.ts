/**
 * Shared benchmark helpers: workloads from bench/reference/workloads.json (vendored from ../shared/bench), timing with medians, the memory-bound
 * time measured in the same process, seeded inputs as in bench/reference/baseline.md, and one JSON line per result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The vendored copy of ../shared/bench (workloads.json, baseline.md), refreshed by `npm run vectors:sync`. */
export const REFERENCE_BENCH = resolve(dirname(fileURLToPath(import.meta.url)), 'reference');

export interface Workload {
  kind: string;
  desc: string;
  shape_nhwc?: number[];
  shape_nchw?: number[];
  shape?: number[];
  layout?: string;
  dtype: string;
  elements: number;
  min_bytes?: { read: number; write: number };
  num_classes?: number;
  ignore_index?: number;
  files?: Record<string, string>;
  warmup: number;
  runs: number;
}

/** All workloads of bench/reference/workloads.json (the vendored bench/reference/workloads.json), by name. */
export function loadWorkloads(): Record<string, Workload> {
  const path = resolve(REFERENCE_BENCH, 'workloads.json');
  if (!existsSync(path)) throw new Error(`bench: ${path} not found; run 'npm run vectors:sync'`);
  return (JSON.parse(readFileSync(path, 'utf8')) as { workloads: Record<string, Workload> }).workloads;
}

export interface Timing {
  median_ms: number;
  min_ms: number;
  max_ms: number;
  runs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times `fn` after `warmup` untimed calls; returns median, min and max of `runs` timed calls. */
export async function time(
  fn: () => unknown | Promise<unknown>,
  warmup: number,
  runs: number,
): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return { median_ms: median(times), min_ms: Math.min(...times), max_ms: Math.max(...times), runs };
}

/**
 * Interleaves several implementations run by run (run r of each before run r+1 of any, order rotating), as
 * baseline.md does, so their ratios see the same machine state.
 */
export async function timeInterleaved(
  fns: Record<string, () => unknown | Promise<unknown>>,
  warmup: number,
  runs: number,
): Promise<Record<string, Timing>> {
  const names = Object.keys(fns);
  for (let i = 0; i < warmup; i++) for (const n of names) await fns[n]();
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(k + r) % names.length];
      const t0 = performance.now();
      await fns[n]();
      times[n].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(
    names.map((n) => [
      n,
      { median_ms: median(times[n]), min_ms: Math.min(...times[n]), max_ms: Math.max(...times[n]), runs },
    ]),
  );
}

/** Prints one result line in the format of workloads.json → result_line_fields. */
export function emit(
  workload: string,
  impl: string,
  elements: number,
  t: Timing,
  extra: Record<string, unknown> = {},
): void {
  const line = {
    workload,
    impl,
    threads: 1,
    median_ms: round(t.median_ms),
    min_ms: round(t.min_ms),
    max_ms: round(t.max_ms),
    runs: t.runs,
    elements,
    elements_per_s: Math.round(elements / (t.median_ms / 1000)),
    lang: 'ts',
    lib: 'segkit',
    ...extra,
  };
  console.log(JSON.stringify(line));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export interface Bandwidth {
  /** ms per byte read by a JS 8-accumulator Float32Array sum. */
  readMsPerByte: number;
  /** ms per byte copied by TypedArray.prototype.set (counting the read and the write as one byte each side). */
  copyMsPerByte: number;
}

/** The JS read primitive of the memory bound: a sum over a Float32Array with 8 accumulators. */
export function readAll(a: Float32Array): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0,
    s5 = 0,
    s6 = 0,
    s7 = 0;
  const n = a.length - (a.length % 8);
  for (let i = 0; i < n; i += 8) {
    s0 += a[i];
    s1 += a[i + 1];
    s2 += a[i + 2];
    s3 += a[i + 3];
    s4 += a[i + 4];
    s5 += a[i + 5];
    s6 += a[i + 6];
    s7 += a[i + 7];
  }
  return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
}

let bandwidth: Bandwidth | undefined;

/**
 * Measures the single-core read and copy bandwidth on 256 MiB arrays (2 warm-ups + 9 runs, medians; the copy
 * in both directions, the faster counts), once per process.
 */
export async function measureBandwidth(): Promise<Bandwidth> {
  if (bandwidth) return bandwidth;
  const bytes = 256 * 1024 * 1024;
  const a = new Float32Array(bytes / 4);
  const b = new Float32Array(bytes / 4);
  for (let i = 0; i < a.length; i += 1024) a[i] = i;
  let sink = 0;
  const read = await time(
    () => {
      sink += readAll(a);
    },
    2,
    9,
  );
  // Both directions, and the faster one: glibc's memmove runs several times slower when the destination sits
  // a few bytes past the source modulo 4096, which two back-to-back heap arrays can do (with keepmem malloc
  // b.set(a) took 62 ms here and a.set(b) 21 ms). The bound is the machine's copy speed, not that accident.
  const forward = await time(() => b.set(a), 2, 9);
  const backward = await time(() => a.set(b), 2, 9);
  const copy = Math.min(forward.median_ms, backward.median_ms);
  if (sink === 42) console.error('');
  bandwidth = { readMsPerByte: read.median_ms / bytes, copyMsPerByte: copy / bytes };
  return bandwidth;
}

/** Memory-bound time (ms) of a kernel that reads `read` bytes and writes `write` bytes once (workloads.json → memory_bound). */
export async function memoryBoundMs(read: number, write: number): Promise<number> {
  const bw = await measureBandwidth();
  return (read - write) * bw.readMsPerByte + write * bw.copyMsPerByte;
}

/** xorshift32 (13, 17, 5) from state 1234, returning u in [0, 1): the generator of baseline.md's JS rows. */
export function xorshift32(seed = 1234): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/**
 * Inputs of the probability workloads (`*_prob_*`, channels-last), exactly as baseline.md builds them:
 * softmax of Box–Muller normals pixel by pixel (float64, stored as float32), then one uniform label per pixel.
 */
export function probabilityInputs(shape: readonly number[]): { pr: Float32Array; gt: Float32Array } {
  const C = shape[shape.length - 1];
  const n = shape.reduce((a, b) => a * b, 1);
  const pixels = n / C;
  const rand = xorshift32();
  const pr = new Float32Array(n);
  const z = new Float64Array(C);
  let spare: number | undefined;
  const normal = (): number => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u1 = rand();
    const u2 = rand();
    const r = Math.sqrt(-2 * Math.log(1 - u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
  for (let p = 0; p < pixels; p++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) {
      z[c] = normal();
      if (z[c] > max) max = z[c];
    }
    let sum = 0;
    for (let c = 0; c < C; c++) {
      z[c] = Math.exp(z[c] - max);
      sum += z[c];
    }
    for (let c = 0; c < C; c++) pr[p * C + c] = z[c] / sum;
  }
  const gt = new Float32Array(n);
  for (let p = 0; p < pixels; p++) gt[p * C + Math.floor(rand() * C)] = 1;
  return { pr, gt };
}

/**
 * Inputs of the from-logits workloads (`*_fb*`, channels-last), as baseline.md builds them: E draws of 6u − 3,
 * then one label per pixel.
 */
export function logitInputs(shape: readonly number[]): { logits: Float32Array; gt: Float32Array } {
  const C = shape[shape.length - 1];
  const n = shape.reduce((a, b) => a * b, 1);
  const rand = xorshift32();
  const logits = new Float32Array(n);
  for (let i = 0; i < n; i++) logits[i] = 6 * rand() - 3;
  const gt = new Float32Array(n);
  for (let p = 0; p < n / C; p++) gt[p * C + Math.floor(rand() * C)] = 1;
  return { logits, gt };
}

/** A switch of a benchmark row: `set` before the row's call, `reset` after it (also when it throws). */
export type RowSwitch = [set: () => void, reset: () => void];

/**
 * Times `call` (returning the loss value) interleaved under each row's switch (`timeInterleaved`, 3 warm-ups and
 * 15 runs per row; an empty switch `[]` runs it as it is); returns the timings and each row's last value.
 */
export async function timeSwitchedRows(
  call: () => number,
  rows: Record<string, RowSwitch | []>,
): Promise<{ times: Record<string, Timing>; values: Record<string, number> }> {
  const values: Record<string, number> = {};
  const fns: Record<string, () => void> = {};
  for (const [name, sw] of Object.entries(rows)) {
    fns[name] = () => {
      sw[0]?.();
      try {
        values[name] = call();
      } finally {
        sw[1]?.();
      }
    };
  }
  return { times: await timeInterleaved(fns, 3, 15), values };
}
