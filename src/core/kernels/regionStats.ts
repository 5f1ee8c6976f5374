/**
 * Soft region statistics in one pass, accumulated in float64: per channel, the overlap `t = Σ a·b` and the two
 * sizes `Σ b` and `Σ a` over a strided run of pixels. With `a = gt`, `b = pr` that is `tp`, `P = Σpr` and
 * `G = Σgt`, the statistics every score shape of `src/core/scores.ts` reads (fp = P − tp, fn = G − tp). These
 * are the JS statistics kernels of the region pipeline (`src/core/family/denseStats.ts`) for probability
 * inputs; `regionWasm.ts` runs the same sums in WebAssembly SIMD.
 *
 * Strided (start, end, step) so that one loop walks one or several adjacent channels of an interleaved
 * NHWC buffer, or one contiguous channel plane of an NCHW buffer, without a copy. The kernels do not
 * validate and do not allocate. They ADD into `out`: channel k of the run goes to `out[at + 3k]` (t),
 * `out[at + 3k + 1]` (Σb) and `out[at + 3k + 2]` (Σa). `sums2`/`sums3`/`sums4` read channels at `i, i + 1, …`
 * (adjacent channels of a channels-last pixel); `sums1` handles any single channel (and channels-first
 * planes with step 1). Each also widens `range` = [min, max] to the values of b it reads (pr: the [0, 1] check
 * of probabilities, done by the caller once the pass is over; NaN shows in the sums); an empty `range`
 * ({@link NO_RANGE}, `checkInputs: false`) skips that tracking, about a tenth of the JS loops' time.
 * @module
 */

/** The `range` argument that asks the kernels not to track the range (`checkInputs: false`). */
export const NO_RANGE = new Float64Array(0);

/** Float buffers the kernels read: the core converts any other input type once, up front. */
export type FloatArray = Float32Array | Float64Array;

/** One channel at `i` for `i = start; i < end; i += step`. */
export function sums1(
  a: FloatArray,
  b: FloatArray,
  start: number,
  end: number,
  step: number,
  out: Float64Array,
  at: number,
  range: Float64Array,
): void {
  // Two interleaved accumulator sets hide the latency of the float64 adds.
  // The range is tracked only when asked for (checkInputs; an empty `range` is not): the test is hoisted out
  // of the loop's work. (An empty array rather than null keeps the call sites monomorphic.)
  const check = range.length !== 0;
  let lo = check ? range[0] : 0,
    hi = check ? range[1] : 0;
  let t0 = 0,
    p0 = 0,
    g0 = 0,
    t1 = 0,
    p1 = 0,
    g1 = 0;
  let i = start;
  for (const step2 = 2 * step; i + step < end; i += step2) {
    const a0 = a[i],
      b0 = b[i],
      a1 = a[i + step],
      b1 = b[i + step];
    t0 += a0 * b0;
    p0 += b0;
    g0 += a0;
    t1 += a1 * b1;
    p1 += b1;
    g1 += a1;
    if (check) {
      if (b0 < lo) lo = b0;
      if (b0 > hi) hi = b0;
      if (b1 < lo) lo = b1;
      if (b1 > hi) hi = b1;
    }
  }
  if (i < end) {
    t0 += a[i] * b[i];
    p0 += b[i];
    g0 += a[i];
    if (check) {
      if (b[i] < lo) lo = b[i];
      if (b[i] > hi) hi = b[i];
    }
  }
  if (check) {
    range[0] = lo;
    range[1] = hi;
  }
  out[at] += t0 + t1;
  out[at + 1] += p0 + p1;
  out[at + 2] += g0 + g1;
}

/** Two adjacent channels at `i, i + 1`. */
export function sums2(
  a: FloatArray,
  b: FloatArray,
  start: number,
  end: number,
  step: number,
  out: Float64Array,
  at: number,
  range: Float64Array,
): void {
  // The range is tracked only when asked for (checkInputs; an empty `range` is not): the test is hoisted out
  // of the loop's work. (An empty array rather than null keeps the call sites monomorphic.)
  const check = range.length !== 0;
  let lo = check ? range[0] : 0,
    hi = check ? range[1] : 0;
  let t0 = 0,
    t1 = 0,
    p0 = 0,
    p1 = 0,
    g0 = 0,
    g1 = 0;
  for (let i = start; i < end; i += step) {
    const a0 = a[i],
      a1 = a[i + 1];
    const b0 = b[i],
      b1 = b[i + 1];
    t0 += a0 * b0;
    t1 += a1 * b1;
    p0 += b0;
    p1 += b1;
    g0 += a0;
    g1 += a1;
    if (check) {
      if (b0 < lo) lo = b0;
      if (b0 > hi) hi = b0;
      if (b1 < lo) lo = b1;
      if (b1 > hi) hi = b1;
    }
  }
  out[at] += t0;
  out[at + 1] += p0;
  out[at + 2] += g0;
  out[at + 3] += t1;
  out[at + 4] += p1;
  out[at + 5] += g1;
  if (check) {
    range[0] = lo;
    range[1] = hi;
  }
}

/** Three adjacent channels at `i … i + 2`. */
export function sums3(
  a: FloatArray,
  b: FloatArray,
  start: number,
  end: number,
  step: number,
  out: Float64Array,
  at: number,
  range: Float64Array,
): void {
  // The range is tracked only when asked for (checkInputs; an empty `range` is not): the test is hoisted out
  // of the loop's work. (An empty array rather than null keeps the call sites monomorphic.)
  const check = range.length !== 0;
  let lo = check ? range[0] : 0,
    hi = check ? range[1] : 0;
  let t0 = 0,
    t1 = 0,
    t2 = 0,
    p0 = 0,
    p1 = 0,
    p2 = 0,
    g0 = 0,
    g1 = 0,
    g2 = 0;
  for (let i = start; i < end; i += step) {
    const a0 = a[i],
      a1 = a[i + 1],
      a2 = a[i + 2];
    const b0 = b[i],
      b1 = b[i + 1],
      b2 = b[i + 2];
    t0 += a0 * b0;
    t1 += a1 * b1;
    t2 += a2 * b2;
    p0 += b0;
    p1 += b1;
    p2 += b2;
    g0 += a0;
    g1 += a1;
    g2 += a2;
    if (check) {
      if (b0 < lo) lo = b0;
      if (b0 > hi) hi = b0;
      if (b1 < lo) lo = b1;
      if (b1 > hi) hi = b1;
      if (b2 < lo) lo = b2;
      if (b2 > hi) hi = b2;
    }
  }
  out[at] += t0;
  out[at + 1] += p0;
  out[at + 2] += g0;
  out[at + 3] += t1;
  out[at + 4] += p1;
  out[at + 5] += g1;
  out[at + 6] += t2;
  out[at + 7] += p2;
  out[at + 8] += g2;
  if (check) {
    range[0] = lo;
    range[1] = hi;
  }
}

/** Four adjacent channels at `i … i + 3`. */
export function sums4(
  a: FloatArray,
  b: FloatArray,
  start: number,
  end: number,
  step: number,
  out: Float64Array,
  at: number,
  range: Float64Array,
): void {
  // The range is tracked only when asked for (checkInputs; an empty `range` is not): the test is hoisted out
  // of the loop's work. (An empty array rather than null keeps the call sites monomorphic.)
  const check = range.length !== 0;
  let lo = check ? range[0] : 0,
    hi = check ? range[1] : 0;
  let t0 = 0,
    t1 = 0,
    t2 = 0,
    t3 = 0,
    p0 = 0,
    p1 = 0,
    p2 = 0,
    p3 = 0,
    g0 = 0,
    g1 = 0,
    g2 = 0,
    g3 = 0;
  for (let i = start; i < end; i += step) {
    const a0 = a[i],
      a1 = a[i + 1],
      a2 = a[i + 2],
      a3 = a[i + 3];
    const b0 = b[i],
      b1 = b[i + 1],
      b2 = b[i + 2],
      b3 = b[i + 3];
    t0 += a0 * b0;
    t1 += a1 * b1;
    t2 += a2 * b2;
    t3 += a3 * b3;
    p0 += b0;
    p1 += b1;
    p2 += b2;
    p3 += b3;
    g0 += a0;
    g1 += a1;
    g2 += a2;
    g3 += a3;
    if (check) {
      if (b0 < lo) lo = b0;
      if (b0 > hi) hi = b0;
      if (b1 < lo) lo = b1;
      if (b1 > hi) hi = b1;
      if (b2 < lo) lo = b2;
      if (b2 > hi) hi = b2;
      if (b3 < lo) lo = b3;
      if (b3 > hi) hi = b3;
    }
  }
  out[at] += t0;
  out[at + 1] += p0;
  out[at + 2] += g0;
  out[at + 3] += t1;
  out[at + 4] += p1;
  out[at + 5] += g1;
  out[at + 6] += t2;
  out[at + 7] += p2;
  out[at + 8] += g2;
  out[at + 9] += t3;
  out[at + 10] += p3;
  out[at + 11] += g3;
  if (check) {
    range[0] = lo;
    range[1] = hi;
  }
}

/**
 * As {@link sums1} with `a = gt` and the binarised prediction `b = (pr > threshold)` (1 or 0; strict, as
 * sm's `K.greater`): adds tp, P (the count of `pr > threshold`) and G into `out[at … at + 2]`.
 */
export function sums1Thresholded(
  gt: FloatArray,
  pr: FloatArray,
  start: number,
  end: number,
  step: number,
  threshold: number,
  out: Float64Array,
  at: number,
  range: Float64Array,
): void {
  let t = 0,
    p = 0,
    g = 0,
    lo = range[0],
    hi = range[1];
  for (let i = start; i < end; i += step) {
    const q = gt[i];
    const v = pr[i];
    g += q;
    // Math.min / Math.max keep a NaN, which the count would not show.
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    if (v > threshold) {
      t += q;
      p++;
    }
  }
  out[at] += t;
  out[at + 1] += p;
  out[at + 2] += g;
  range[0] = lo;
  range[1] = hi;
}

/**
 * Pixels per block when a run holds more than four channels: the kernels then make several passes (4 + 4 +
 * … channels), and blocking keeps the second pass in cache (2048 pixels × 8 channels × 2 float32 arrays =
 * 128 KiB).
 */
export const BLOCK_PIXELS = 2048;

/**
 * Adds the statistics of `count` channels adjacent in memory (the first at `start`) by calling the widest
 * kernels: 4 + 4 + … + remainder, block by block of pixels when count > 4.
 */
export function sumsAdjacent(
  a: FloatArray,
  b: FloatArray,
  start: number,
  end: number,
  step: number,
  count: number,
  out: Float64Array,
  at: number,
  range: Float64Array,
): void {
  const block = count > 4 ? BLOCK_PIXELS * step : end - start;
  for (let s = start; s < end; s += block) {
    const e = Math.min(s + block, end);
    let k = 0;
    for (; k + 4 <= count; k += 4) sums4(a, b, s + k, e + k, step, out, at + 3 * k, range);
    const rest = count - k;
    if (rest === 3) sums3(a, b, s + k, e + k, step, out, at + 3 * k, range);
    else if (rest === 2) sums2(a, b, s + k, e + k, step, out, at + 3 * k, range);
    else if (rest === 1) sums1(a, b, s + k, e + k, step, out, at + 3 * k, range);
  }
}
