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
  const line = kind === 'euclidean2' ? edt1d : kind === 'taxicab' ? taxicab1d : chessboard1d;
  const total = f.length;
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const n = shape[axis];
    const w = spacing[axis];
    if (n > 1) {
      if (stride === 1) {
        ensure(n, 1);
        for (let off = 0; off < total; off += n) {
          bufA.set(f.subarray(off, off + n));
          line(bufA, bufB, 0, n, w);
          f.set(bufB.subarray(0, n), off);
        }
      } else {
        const block = Math.min(BLOCK, stride);
        ensure(n, block);
        const outerStep = n * stride;
        for (let outer = 0; outer < total; outer += outerStep) {
          for (let inner = 0; inner < stride; inner += block) {
            const b = Math.min(block, stride - inner);
            // gather: bufA[l * n + i] = f[outer + i * stride + inner + l]
            for (let i = 0; i < n; i++) {
              const src = outer + i * stride + inner;
              for (let l = 0; l < b; l++) bufA[l * n + i] = f[src + l];
            }
            for (let l = 0; l < b; l++) line(bufA, bufB, l * n, n, w);
            for (let i = 0; i < n; i++) {
              const dst = outer + i * stride + inner;
              for (let l = 0; l < b; l++) f[dst + l] = bufB[l * n + i];
            }
          }
        }
      }
    }
    stride *= n;
  }
}
