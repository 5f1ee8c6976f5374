/**
 * Loads the reference vectors vendored in test/vectors (format: test/vectors/README.md), gzipped copies of the
 * public vectors that `npm run vectors:sync` refreshes from ../shared/vectors. A missing file fails loudly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Absolute path of the vendored reference vectors (test/vectors). */
export const VECTORS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../vectors');

/** The names (without `.json`) of the vector files in one folder of test/vectors, sorted. */
export function vectorFileNames(folder: VectorFolder): string[] {
  return Object.keys(manifest())
    .filter((p) => p.startsWith(`test/vectors/${folder}/`) && p.endsWith('.json.gz'))
    .map((p) => p.slice(`test/vectors/${folder}/`.length, -'.json.gz'.length))
    .sort();
}

/** The folders of test/vectors, one per reference library. */
export type VectorFolder = 'sm' | 'monai' | 'smp' | 'surface_distance';

/** One entry of test/vectors/MANIFEST.json: the upstream file and the SHA-256 of its (uncompressed) bytes. */
export interface ManifestEntry {
  upstream: string;
  bytes: number;
  sha256: string;
}

/** test/vectors/MANIFEST.json, keyed by the vendored path relative to the repository. */
export function manifest(): Record<string, ManifestEntry> {
  const raw = JSON.parse(readFileSync(join(VECTORS_DIR, 'MANIFEST.json'), 'utf8')) as {
    files: Record<string, ManifestEntry>;
  };
  return raw.files;
}

/** The uncompressed bytes of a vendored vector file, e.g. `vectorBytes('sm/f_score.json')`. */
export function vectorBytes(rel: string): Buffer {
  const path = join(VECTORS_DIR, `${rel}.gz`);
  if (!existsSync(path)) {
    throw new Error(
      `Reference vectors: ${path} not found. Run 'npm run vectors:sync' with ../shared beside the repository.`,
    );
  }
  return gunzipSync(readFileSync(path));
}

/** A tensor object as stored, resolved: values rounded to float32 as the README asks, RLE expanded. */
export interface VectorTensor {
  shape: number[];
  layout: 'NHWC' | 'NCHW' | 'labels' | 'flat';
  dtype: 'float32' | 'int32';
  torch_dtype?: string;
  /** float64 copy of the exact float32 inputs (or integers). */
  data: Float64Array;
}

/** One case, with `gt` and `pr` resolved. */
export interface VectorCase {
  id: string;
  options: Record<string, unknown>;
  gt: VectorTensor;
  pr: VectorTensor;
  expected: Record<string, unknown> & {
    value?: unknown;
    grad_pr?: (number | string)[];
    error?: string;
    message?: string;
  };
  source: string;
  tags?: string[];
  note?: string;
  warnings?: string[];
  backend?: { image_data_format: 'channels_last' | 'channels_first' };
  call_kwargs?: Record<string, unknown>;
  aggregate_kwargs?: Record<string, unknown>;
  option_types?: Record<string, string>;
  extra_inputs?: Record<string, VectorTensor>;
  input_format?: string;
}

/** One vector file. */
export interface VectorFile {
  library: string;
  function: string;
  reference: string;
  compute_dtype: string;
  notes: string[];
  case_count: number;
  cases: VectorCase[];
}

/** Parses a stored number: `"nan"`, `"inf"`, `"-inf"` or a number. */
export function num(x: unknown): number {
  if (x === 'nan') return NaN;
  if (x === 'inf') return Infinity;
  if (x === '-inf') return -Infinity;
  if (typeof x !== 'number') throw new TypeError(`vectors: expected a number, got ${JSON.stringify(x)}`);
  return x;
}

/** Recursively converts nested lists of stored numbers. */
export function nums(x: unknown): unknown {
  return Array.isArray(x) ? x.map(nums) : num(x);
}

function resolveTensor(
  raw: Record<string, unknown>,
  inputs: Record<string, Record<string, unknown>>,
): VectorTensor {
  if (typeof raw.ref === 'string') {
    const target = inputs[raw.ref];
    if (!target) throw new Error(`vectors: unknown input ref '${raw.ref}'`);
    return resolveTensor(target, inputs);
  }
  const values = raw.data as (number | string)[];
  let flat: number[];
  if (raw.encoding === 'rle') {
    flat = [];
    for (let i = 0; i < values.length; i += 2) {
      const v = num(values[i]);
      const n = values[i + 1] as number;
      for (let k = 0; k < n; k++) flat.push(v);
    }
  } else {
    flat = values.map(num);
  }
  const data = new Float64Array(flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = raw.dtype === 'float32' ? Math.fround(flat[i]) : flat[i];
  return {
    shape: raw.shape as number[],
    layout: raw.layout as VectorTensor['layout'],
    dtype: raw.dtype as VectorTensor['dtype'],
    torch_dtype: raw.torch_dtype as string | undefined,
    data,
  };
}

const cache = new Map<string, VectorFile>();

/** Loads the vendored `test/vectors/<folder>/<name>.json.gz`, e.g. `loadVectors('sm', 'f_score')`. */
export function loadVectors(folder: VectorFolder, name: string): VectorFile {
  const path = `${folder}/${name}.json`;
  const hit = cache.get(path);
  if (hit) return hit;
  const raw = JSON.parse(vectorBytes(path).toString('utf8')) as Record<string, unknown>;
  const inputs = (raw.inputs ?? {}) as Record<string, Record<string, unknown>>;
  const cases = (raw.cases as Record<string, unknown>[]).map((c) => {
    const extra = c.extra_inputs as Record<string, Record<string, unknown>> | undefined;
    return {
      ...c,
      gt: resolveTensor(c.gt as Record<string, unknown>, inputs),
      pr: resolveTensor(c.pr as Record<string, unknown>, inputs),
      extra_inputs: extra
        ? Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, resolveTensor(v, inputs)]))
        : undefined,
    } as VectorCase;
  });
  const file = { ...(raw as unknown as VectorFile), cases };
  if (file.cases.length !== file.case_count)
    throw new Error(`vectors: ${path} has ${cases.length} cases, header says ${file.case_count}`);
  cache.set(path, file);
  return file;
}

/** Relative closeness as the issues define it: |a − b| ≤ atol + rtol·|b|, NaN equals NaN, ±Infinity must match. */
export function close(actual: number, expected: number, rtol = 1e-5, atol = 1e-6): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
}

/**
 * Gradient closeness: every |a_i − e_i| ≤ tol · max(1, max_j |e_j|) (the issues' "within 1e-5 of the largest
 * gradient magnitude"). Returns the index of the first failure, or -1.
 */
export function gradMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): number {
  if (actual.length !== expected.length) return 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (Number.isNaN(e) ? !Number.isNaN(a) : !(Math.abs(a - e) <= tol * scale)) return i;
  }
  return -1;
}
