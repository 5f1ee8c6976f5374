/**
 * Separable distance-transform kernels (n-D, anisotropic): exact squared Euclidean (Felzenszwalb & Huttenlocher
 * 2012, lower envelope of parabolas, linear per line), weighted taxicab (two sweeps) and weighted chessboard
 * (pruned scan). Lines along strided axes are gathered in blocks so the inner loops read contiguous memory.
 * No validation.
 * @module
 */

/** Distance kinds of {@link distanceTransformInPlace}. */
export type DtKind = 'euclidean2' | 'taxicab' | 'chessboard';

/** Lines gathered per block along a strided axis. */
const BLOCK = 32;

/** Scratch buffers, grown on demand and reused. */
let bufA = new Float64Array(0);
let bufB = new Float64Array(0);
let envV = new Int32Array(0);
let envZ = new Float64Array(0);

function ensure(n: number, lines: number): void {
  if (bufA.length < n * lines) {
    bufA = new Float64Array(n * lines);
    bufB = new Float64Array(n * lines);
  }
  if (envV.length < n + 1) {
    envV = new Int32Array(n + 1);
    envZ = new Float64Array(n + 1);
  }
}

/**
 * 1-D squared Euclidean transform of f[off..off+n) into g[off..off+n): g(x) = min_y (w(x−y))² + f(y).
 * Infinite sites are skipped; a line without a finite site stays Infinity.
 */
export function edt1d(f: Float64Array, g: Float64Array, off: number, n: number, w: number): void {
  const v = envV;
  const z = envZ;
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[off + q];
    if (fq === Infinity) continue;
    const pq = q * w;
    const hq = fq + pq * pq;
    let s = -Infinity;
    while (k >= 0) {
      const vk = v[k];
      const pv = vk * w;
      s = (hq - (f[off + vk] + pv * pv)) / (2 * (pq - pv));
      if (s <= z[k]) k--;
      else break;
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? -Infinity : s;
  }
  if (k < 0) {
    for (let x = 0; x < n; x++) g[off + x] = Infinity;
    return;
  }
  z[k + 1] = Infinity;
  let j = 0;
  for (let x = 0; x < n; x++) {
    const px = x * w;
    while (z[j + 1] < px) j++;
    const d = px - v[j] * w;
    g[off + x] = d * d + f[off + v[j]];
  }
}

/** 1-D weighted taxicab transform: g(x) = min_y w|x−y| + f(y), two sweeps (in place allowed). */
export function taxicab1d(f: Float64Array, g: Float64Array, off: number, n: number, w: number): void {
  let run = Infinity;
  for (let x = 0; x < n; x++) {
    run = Math.min(run + w, f[off + x]);
    g[off + x] = run;
  }
  run = Infinity;
  for (let x = n - 1; x >= 0; x--) {
    run = Math.min(run + w, g[off + x]);
    g[off + x] = run;
  }
}

/** 1-D weighted chessboard transform: g(x) = min_y max(w|x−y|, f(y)), scanning outwards until w|x−y| ≥ best. */
export function chessboard1d(f: Float64Array, g: Float64Array, off: number, n: number, w: number): void {
  for (let x = 0; x < n; x++) {
    let best = f[off + x];
    for (let r = 1; r * w < best; r++) {
      const d = r * w;
      if (x - r >= 0) {
        const c = Math.max(d, f[off + x - r]);
        if (c < best) best = c;
      }
      if (x + r < n) {
        const c = Math.max(d, f[off + x + r]);
        if (c < best) best = c;
      }
      if (x - r < 0 && x + r >= n) break;
    }
    g[off + x] = best;
  }
}

/** Applies the 1-D transform of `kind` to every line of `f` along `axis` (in place). */
function passAxis(f: Float64Array, shape: readonly number[], axis: number, w: number, kind: DtKind): void {
  const line = kind === 'euclidean2' ? edt1d : kind === 'taxicab' ? taxicab1d : chessboard1d;
  const n = shape[axis];
  if (n === 1) return;
  let stride = 1;
  for (let k = shape.length - 1; k > axis; k--) stride *= shape[k];
  const total = f.length;
  if (stride === 1) {
    ensure(n, 1);
    const a = bufA;
    const g = bufB;
    for (let off = 0; off < total; off += n) {
      a.set(f.subarray(off, off + n));
      line(a, g, 0, n, w);
      f.set(g.subarray(0, n), off);
    }
    return;
  }
  const block = Math.min(BLOCK, stride);
  ensure(n, block);
  const a = bufA;
  const g = bufB;
  const outerStep = n * stride;
  for (let outer = 0; outer < total; outer += outerStep) {
    for (let inner = 0; inner < stride; inner += block) {
      const b = Math.min(block, stride - inner);
      // gather: a[l * n + i] = f[outer + i * stride + inner + l]
      for (let i = 0; i < n; i++) {
        const src = outer + i * stride + inner;
        for (let l = 0; l < b; l++) a[l * n + i] = f[src + l];
      }
      for (let l = 0; l < b; l++) line(a, g, l * n, n, w);
      for (let i = 0; i < n; i++) {
        const dst = outer + i * stride + inner;
        for (let l = 0; l < b; l++) f[dst + l] = g[l * n + i];
      }
    }
  }
}

/**
 * First pass from binary features, along the last (contiguous) axis, by two sweeps: f = (w·d)² for
 * `'euclidean2'`, w·d otherwise, with d the distance in elements to the nearest nonzero `features` entry of the
 * line (Infinity when the line has none).
 */
export function firstPass(
  features: ArrayLike<number>,
  f: Float64Array,
  n: number,
  w: number,
  kind: DtKind,
): void {
  ensure(n, 1);
  for (let off = 0; off < f.length; off += n) {
    firstPassLine(features, bufA, off, n, w, kind);
    f.set(bufA.subarray(0, n), off);
  }
}

/**
 * Transforms `f` (0 at feature elements, Infinity elsewhere; row-major of `shape`) in place, axis by axis, last
 * axis first. For `'euclidean2'` the result is the squared distance; `'taxicab'` and `'chessboard'` give the
 * distance itself.
 */
export function distanceTransformInPlace(
  f: Float64Array,
  shape: readonly number[],
  spacing: readonly number[],
  kind: DtKind,
): void {
  for (let axis = shape.length - 1; axis >= 0; axis--) passAxis(f, shape, axis, spacing[axis], kind);
}

/** Switch for benchmarks and tests: the per-query search (else full separable passes). */
export const SEARCH = { enabled: true };

/** Combines axis offsets with a partial distance for each kind. */
function combine(kind: DtKind, a: number, b: number): number {
  return kind === 'chessboard' ? (a > b ? a : b) : a + b;
}

/** The distance contributed by an offset of r elements of size w. */
function offset(kind: DtKind, r: number, w: number): number {
  const d = r * w;
  return kind === 'euclidean2' ? d * d : d;
}

let scratchT = new Int32Array(0);
let blockI = new Int32Array(0);

/**
 * The first pass as integer element distances, written transposed: for element (z, y, x) of a [Z, Y, X] array,
 * `t[(x·Z + z)·Y + y]` = the distance in elements along x to the nearest nonzero `features` entry of its line, or
 * X when the line has none. Integers (4 bytes) keep the transposed writes cheap; {@link distanceTable} turns
 * them into distances. The later search around a query varies z and y at a fixed x and so reads one
 * contiguous Z×Y slab. In 2-D (Z = 1) the pass is written in place, `t[y·X + x]`: the search then reads a
 * column with stride X, which costs less than transposing the whole array (bench/metrics.bench.ts, hd95_2d).
 * @returns the strides of x, z and y in `t`.
 */
function firstPassTransposed(
  features: ArrayLike<number>,
  t: Int32Array,
  Z: number,
  Y: number,
  X: number,
): [number, number, number] {
  const plane = Z * Y;
  const straight = Z === 1;
  // lines per block: about 16k values so the transposed writes come in long runs
  const block = straight ? plane : Math.max(1, Math.min(plane, Math.floor(16384 / X)));
  if (!straight && blockI.length < X * block) blockI = new Int32Array(X * block);
  const bi = straight ? t : blockI;
  const none = X;
  for (let zy0 = 0; zy0 < plane; zy0 += block) {
    const b = Math.min(block, plane - zy0);
    for (let l = 0; l < b; l++) {
      const off = (zy0 + l) * X;
      const row = straight ? off : l * X;
      let last = -1;
      for (let x = 0; x < X; x++) {
        if (features[off + x] !== 0) last = x;
        bi[row + x] = last < 0 ? none : x - last;
      }
      let next = -1;
      for (let x = X - 1; x >= 0; x--) {
        if (features[off + x] !== 0) next = x;
        if (next >= 0 && next - x < bi[row + x]) bi[row + x] = next - x;
      }
    }
    if (straight) continue;
    for (let x = 0; x < X; x++) {
      const dst = x * plane + zy0;
      for (let l = 0; l < b; l++) t[dst + l] = bi[l * X + x];
    }
  }
  return straight ? [1, 0, X] : [plane, Y, 1];
}

/** Distance of an x offset of d elements (d = X: no feature, Infinity), squared for `'euclidean2'`. */
function distanceTable(X: number, w: number, kind: DtKind): Float64Array {
  const tab = new Float64Array(X + 1);
  for (let d = 0; d < X; d++) tab[d] = offset(kind, d, w);
  tab[X] = Infinity;
  return tab;
}

/** {@link firstPass} of the single line features[off..off+n) into out[0..n). */
function firstPassLine(
  features: ArrayLike<number>,
  out: Float64Array,
  off: number,
  n: number,
  w: number,
  kind: DtKind,
): void {
  let last = -Infinity;
  for (let x = 0; x < n; x++) {
    if (features[off + x] !== 0) last = x;
    out[x] = x - last;
  }
  let next = Infinity;
  const sq = kind === 'euclidean2';
  for (let x = n - 1; x >= 0; x--) {
    if (features[off + x] !== 0) next = x;
    const d = Math.min(out[x], next - x) * w;
    out[x] = sq ? d * d : d;
  }
}

/** The queries' indices ordered by x (counting sort), so that searches sharing a slab run together. */
function orderByX(queries: Int32Array, count: number, X: number): Int32Array {
  const start = new Int32Array(X + 1);
  for (let q = 0; q < count; q++) start[(queries[q] % X) + 1]++;
  for (let x = 0; x < X; x++) start[x + 1] += start[x];
  const order = new Int32Array(count);
  for (let q = 0; q < count; q++) order[start[queries[q] % X]++] = q;
  return order;
}

/**
 * Per-query search over axes z and y of the first pass `t` of a [Z, Y, X] array (element (z, y, x) at
 * `x·sx + z·sz + y·sy`; squared Euclidean distances through `tab`), outwards from each query, pruned once the
 * offsets alone reach the best distance. Queries are visited by x so each search stays in one Z×Y slab. Gives
 * up (returns false) when the number of probes exceeds `budget`.
 */
function searchEuclidean(
  t: Int32Array,
  [sx, sz, sy]: readonly [number, number, number],
  tab: Float64Array,
  Z: number,
  Y: number,
  X: number,
  wz: number,
  wy: number,
  queries: Int32Array,
  count: number,
  out: Float64Array,
  budget: number,
): boolean {
  const order = orderByX(queries, count, X);
  const wz2 = wz * wz;
  const wy2 = wy * wy;
  let probes = 0;
  for (let k = 0; k < count; k++) {
    const q = order[k];
    const idx = queries[q];
    const x0 = idx % X;
    const zy = (idx - x0) / X;
    const z0 = Math.floor(zy / Y);
    const y0 = zy - z0 * Y;
    const slab = x0 * sx;
    const up = Y - y0;
    let best = tab[t[slab + z0 * sz + y0 * sy]];
    for (let rz = 0; rz < Z; rz++) {
      const oz = rz * rz * wz2;
      if (oz >= best) break;
      for (let side = rz === 0 ? 1 : -1; side <= 1; side += 2) {
        const z = z0 + side * rz;
        if (z < 0 || z >= Z) continue;
        const row = slab + z * sz + y0 * sy;
        let ry = 0;
        for (let below = row, above = row; ry < Y; ry++, below -= sy, above += sy) {
          const o = oz + ry * ry * wy2;
          if (o >= best) break;
          if (ry <= y0) {
            const c = o + tab[t[below]];
            if (c < best) best = c;
          }
          if (ry > 0 && ry < up) {
            const c = o + tab[t[above]];
            if (c < best) best = c;
          }
        }
        probes += ry + 1;
      }
    }
    out[q] = best;
    if (probes > budget) return false;
  }
  return true;
}

/**
 * Distances from the `queries` elements (flat indices) to the nearest nonzero element of `features`, written to
 * `out[q]` (squared for `'euclidean2'`; Infinity when there is no feature). Exact.
 *
 * Boundaries are usually close to each other, so for Euclidean distances in 2-D and 3-D the last axis is done
 * by two sweeps over all lines and then each query searches the other axes outwards, stopping once the offsets
 * alone reach the best distance found. If that costs more probes than a few passes over the array would (and
 * for taxicab / chessboard or rank > 3), full separable passes (Felzenszwalb–Huttenlocher for Euclidean) run on
 * every axis but the first, whose offsets are then searched per query. `work` holds the intermediate (length
 * of `features`).
 */
export function distancesAt(
  features: ArrayLike<number>,
  shape: readonly number[],
  spacing: readonly number[],
  kind: DtKind,
  queries: Int32Array,
  count: number,
  work: Float64Array,
  out: Float64Array,
): void {
  const rank = shape.length;
  if (rank === 1) {
    firstPass(features, work, shape[0], spacing[0], kind);
    for (let q = 0; q < count; q++) out[q] = work[queries[q]];
    return;
  }
  if (SEARCH.enabled && rank <= 3 && kind === 'euclidean2') {
    const [Z, Y, X] = rank === 3 ? shape : [1, shape[0], shape[1]];
    const [wz, wy, wx] = rank === 3 ? spacing : [1, spacing[0], spacing[1]];
    if (scratchT.length < work.length) scratchT = new Int32Array(work.length);
    const t = scratchT.subarray(0, work.length);
    const strides = firstPassTransposed(features, t, Z, Y, X);
    const tab = distanceTable(X, wx, kind);
    if (searchEuclidean(t, strides, tab, Z, Y, X, wz, wy, queries, count, out, 4 * work.length)) return;
  }
  firstPass(features, work, shape[rank - 1], spacing[rank - 1], kind);
  for (let axis = rank - 2; axis >= 1; axis--) passAxis(work, shape, axis, spacing[axis], kind);
  const n0 = shape[0];
  const s0 = work.length / n0;
  const w0 = spacing[0];
  for (let q = 0; q < count; q++) {
    const idx = queries[q];
    const i0 = Math.floor(idx / s0);
    let best = work[idx];
    for (let r = 1; r < n0; r++) {
      const o = offset(kind, r, w0);
      if (o >= best) break;
      if (i0 - r >= 0) {
        const c = combine(kind, o, work[idx - r * s0]);
        if (c < best) best = c;
      }
      if (i0 + r < n0) {
        const c = combine(kind, o, work[idx + r * s0]);
        if (c < best) best = c;
      }
    }
    out[q] = best;
  }
}
