/**
 * Surface elements on the voxel-corner grid (Nikolov et al. 2021, google-deepmind/surface-distance): every
 * corner of a [d0, d1(, d2)] mask gets the neighbour code of the 2×2 (2×2×2) voxels around it (outside the
 * array = background), the corner grid having d_i + 1 points per axis. A corner whose code is neither 0 nor
 * "all inside" is a surface element; its contour length (2-D) or surface area (3-D) comes from a table of the
 * codes scaled by the spacing. No validation.
 * @module
 */
import { SURFEL_NORMALS_X8 } from './surfelTable.js';

/**
 * Contour length (2-D, 16 codes) or surface area (3-D, 256 codes) of each neighbour code at `spacing`.
 *
 * 2-D, code bits 8, 4, 2, 1 = voxels (i−1, j−1), (i−1, j), (i, j−1), (i, j) around corner (i, j):
 * one voxel in or out → a diagonal of ½·√(s0² + s1²); a straight edge → s1 (codes 0011, 1100) or s0 (0101,
 * 1010); the two saddles (0110, 1001) → two diagonals.
 * 3-D, bits 128 … 1 = voxels (i−1|i, j−1|j, k−1|k) in that order: Σ over the code's marching-cubes triangles
 * of |(n0·s1·s2, n1·s0·s2, n2·s0·s1)|, n the triangle's area vector at unit spacing ({@link SURFEL_NORMALS_X8}).
 */
export function surfelAreaTable(spacing: readonly number[]): Float64Array {
  if (spacing.length === 2) {
    const [s0, s1] = spacing;
    const diag = 0.5 * Math.sqrt(s0 * s0 + s1 * s1);
    const t = new Float64Array(16);
    for (const c of [0b0001, 0b0010, 0b0100, 0b1000, 0b0111, 0b1011, 0b1101, 0b1110]) t[c] = diag;
    t[0b0011] = t[0b1100] = s1;
    t[0b0101] = t[0b1010] = s0;
    t[0b0110] = t[0b1001] = 2 * diag;
    return t;
  }
  const [s0, s1, s2] = spacing;
  const scale = [(s1 * s2) / 8, (s0 * s2) / 8, (s0 * s1) / 8];
  const words = SURFEL_NORMALS_X8.trim().split(' ');
  const t = new Float64Array(256);
  words.forEach((w, code) => {
    let sum = 0;
    for (let k = 0; k + 3 <= w.length; k += 3) {
      const a = (w.charCodeAt(k) - 48) * scale[0];
      const b = (w.charCodeAt(k + 1) - 48) * scale[1];
      const c = (w.charCodeAt(k + 2) - 48) * scale[2];
      sum += Math.sqrt(a * a + b * b + c * c);
    }
    t[code] = sum;
  });
  return t;
}

let lineCodes = new Uint8Array(0);

/**
 * The surface elements of a 0/1 `mask` of `shape` (rank 2 or 3) on its corner grid (shape + 1 per axis,
 * row-major): writes 1 into `out` at each element (0 elsewhere), its flat index into `list` and its measure
 * `table[code]` into `weights`, in index order. Each padded voxel line contributes a 2-bit code per corner,
 * 2·v(x−1) + v(x); a corner's code joins the 2 (2-D) or 4 (3-D) line codes around it; codes 0 and "all
 * inside" are not surface.
 * @returns the number of surface elements.
 */
export function surfaceElements(
  mask: Uint8Array,
  shape: readonly number[],
  table: Float64Array,
  out: Uint8Array,
  list: Int32Array,
  weights: Float64Array,
): number {
  const r3 = shape.length === 3;
  const Z = r3 ? shape[0] : 1;
  const Y = shape[shape.length - 2];
  const X = shape[shape.length - 1];
  const X1 = X + 1;
  const full = r3 ? 0xff : 0xf;
  // line codes of the padded lines (pz, py) in [0, Z + 1] × [0, Y + 1] (pz = 0 only in 2-D)
  const PZ = r3 ? Z + 2 : 1;
  const PY = Y + 2;
  const need = PZ * PY * X1;
  if (lineCodes.length < need) lineCodes = new Uint8Array(need);
  const h = lineCodes;
  h.fill(0, 0, need);
  for (let z = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      const src = (z * Y + y) * X;
      const dst = ((r3 ? z + 1 : 0) * PY + y + 1) * X1;
      let prev = 0;
      for (let x = 0; x < X; x++) {
        const v = mask[src + x];
        h[dst + x] = (prev << 1) | v;
        prev = v;
      }
      h[dst + X] = prev << 1;
    }
  }
  let count = 0;
  const Y1 = Y + 1;
  const Zc = r3 ? Z + 1 : 1;
  for (let z = 0; z < Zc; z++) {
    for (let y = 0; y < Y1; y++) {
      const o = (z * Y1 + y) * X1;
      if (!r3) {
        // 2-D: bits 8, 4 = voxels (y−1, x−1), (y−1, x); bits 2, 1 = (y, x−1), (y, x)
        const a = y * X1;
        const b = a + X1;
        for (let x = 0; x < X1; x++) {
          const c = (h[a + x] << 2) | h[b + x];
          if (c !== 0 && c !== full) {
            out[o + x] = 1;
            list[count] = o + x;
            weights[count++] = table[c];
          } else out[o + x] = 0;
        }
        continue;
      }
      // 3-D: bits 128 … 1 = voxels (z−1|z, y−1|y, x−1|x) in that order
      const a = (z * PY + y) * X1;
      const b = a + X1;
      const cc = a + PY * X1;
      const d = cc + X1;
      for (let x = 0; x < X1; x++) {
        const c = (h[a + x] << 6) | (h[b + x] << 4) | (h[cc + x] << 2) | h[d + x];
        if (c !== 0 && c !== full) {
          out[o + x] = 1;
          list[count] = o + x;
          weights[count++] = table[c];
        } else out[o + x] = 0;
      }
    }
  }
  return count;
}

/**
 * numpy's pairwise summation of a[lo..lo+n) (`np.sum` of a contiguous float64 array): below 8 terms a plain
 * loop, up to 128 eight accumulators, above that the two halves (split at a multiple of 8) summed recursively.
 */
export function pairwiseSum(a: Float64Array, lo: number, n: number): number {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[lo + i];
    return s;
  }
  if (n <= 128) {
    const r = [a[lo], a[lo + 1], a[lo + 2], a[lo + 3], a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[lo + i + j];
    let s = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) s += a[lo + i];
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, lo, n2) + pairwiseSum(a, lo + n2, n - n2);
}

/**
 * Sorts the pairs (d[i], w[i]) of i < n by distance, then weight (in place, both arrays), as the reference's
 * `sorted(zip(distances, areas))`.
 */
export function sortPairs(d: Float64Array, w: Float64Array, n: number): void {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((i, j) => d[i] - d[j] || w[i] - w[j]);
  const dc = d.slice(0, n);
  const wc = w.slice(0, n);
  for (let i = 0; i < n; i++) {
    d[i] = dc[order[i]];
    w[i] = wc[order[i]];
  }
}

let selD = new Float64Array(0);
let selW = new Float64Array(0);

/** Relative distance of a cumulative weight from the target below which rounding could change the rank. */
const AMBIGUOUS = 1e-9;

/**
 * Area-weighted percentile by nearest rank (google-deepmind/surface-distance `compute_robust_hausdorff`):
 * with the pairs sorted by (distance, weight), the distance of the first pair whose cumulative weight share
 * Σ_{j≤i} w_j / Σ w reaches q (in [0, 1]), the last one if none does. NaN when n = 0.
 *
 * Expected linear time: a weighted three-way quickselect on copies of the first n pairs. When a cumulative
 * share lands within 1e-9 of q at the answer's edges, where summation order decides, it falls back to the
 * reference's own arithmetic: a full sort, a sequential cumulative sum, numpy's pairwise total.
 */
export function weightedNearestRank(d: Float64Array, w: Float64Array, n: number, q: number): number {
  if (n === 0) return NaN;
  // the pairs at distance 0 (often most of them) are settled in the copying pass
  if (selD.length < n) {
    selD = new Float64Array(n);
    selW = new Float64Array(n);
  }
  const dd = selD;
  const ww = selW;
  let total = 0;
  let zero = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const x = d[i];
    total += w[i];
    if (x === 0) zero += w[i];
    else {
      dd[m] = x;
      ww[m++] = w[i];
    }
  }
  const target = q * total;
  let answer = 0;
  let wLess = 0;
  let wUpTo = zero;
  if (m === n || (m > 0 && zero < target)) {
    let lo = 0;
    let hi = m - 1;
    let below = zero; // weight of the pairs left of the window
    while (lo <= hi) {
      // median of three as pivot
      const x = dd[lo];
      const y = dd[(lo + hi) >> 1];
      const z = dd[hi];
      const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
      // Dutch flag: [lo, lt) < pivot, [lt, i) == pivot, (gt, hi] > pivot
      let lt = lo;
      let gt = hi;
      let i = lo;
      let wl = 0;
      let we = 0;
      while (i <= gt) {
        const v = dd[i];
        if (v < pivot) {
          wl += ww[i];
          swap(dd, ww, i++, lt++);
        } else if (v > pivot) {
          swap(dd, ww, i, gt--);
        } else {
          we += ww[i];
          i++;
        }
      }
      if (lt > lo && below + wl >= target) {
        hi = lt - 1;
      } else if (below + wl + we >= target || gt >= hi) {
        answer = pivot;
        wLess = below + wl;
        wUpTo = gt >= hi && below + wl + we < target ? total : below + wl + we;
        break;
      } else {
        below += wl + we;
        lo = gt + 1;
      }
    }
  } else if (m === 0) wUpTo = total;
  const eps = AMBIGUOUS * total;
  const lowerSafe = wLess === 0 || Math.abs(wLess - target) > eps;
  if (lowerSafe && (wUpTo === total || Math.abs(wUpTo - target) > eps)) return answer;
  // summation order decides: the reference's arithmetic
  const sd = d.slice(0, n);
  const sw = w.slice(0, n);
  sortPairs(sd, sw, n);
  const sum = pairwiseSum(sw, 0, n);
  let cum = 0;
  for (let k = 0; k < n; k++) {
    cum += sw[k];
    if (cum / sum >= q) return sd[k];
  }
  return sd[n - 1];
}

function swap(d: Float64Array, w: Float64Array, i: number, j: number): void {
  const t = d[i];
  d[i] = d[j];
  d[j] = t;
  const u = w[i];
  w[i] = w[j];
  w[j] = u;
}
