/**
 * Soft region statistics in one pass, accumulated in float64: per channel, the overlap `t = Σ a·b` and a
 * size `u = Σ (b + μ·a)` over a strided run of pixels. With `a = gt`, `b = pr` that is `tp` and `Σpr + μ·Σgt`:
 * μ = 1 gives the IoU / Dice denominator `P + G`, μ = β² the F-beta one, μ = 0 precision's `P`; swapping
 * the arguments (`a = pr`, `b = gt`, μ = 0) gives recall's `G`. Two accumulators per channel keep the
 * register-blocked loops near memory speed (a third one, for P and G apart, cost ~35 % here).
 *
 * Strided (start, end, step) so that one loop walks one or several adjacent channels of an interleaved
 * NHWC buffer, or one contiguous channel plane of an NCHW buffer, without a copy. The kernels do not
 * validate and do not allocate. They ADD into `out`: channel k of the run goes to `out[at + 2k]` (t) and
 * `out[at + 2k + 1]` (u). `sums2`/`sums3`/`sums4` read channels at `i, i + 1, …` (adjacent channels of a
 * channels-last pixel); `sums1` handles any single channel (and channels-first planes with step 1).
 * @module
 */

/** Float buffers the kernels read: the core converts any other input type once, up front. */
export type FloatArray = Float32Array | Float64Array;

/** One channel at `i` for `i = start; i < end; i += step`. */
export function sums1(
  a: FloatArray,
  b: FloatArray,
  start: number,
  end: number,
  step: number,
  mu: number,
  out: Float64Array,
  at: number,
): void {
  // Two interleaved accumulator pairs hide the latency of the float64 adds.
  let t0 = 0,
    u0 = 0,
    t1 = 0,
    u1 = 0;
  let i = start;
  for (const step2 = 2 * step; i + step < end; i += step2) {
    const a0 = a[i],
      b0 = b[i],
      a1 = a[i + step],
      b1 = b[i + step];
    t0 += a0 * b0;
    u0 += b0 + mu * a0;
    t1 += a1 * b1;
    u1 += b1 + mu * a1;
  }
  if (i < end) {
    t0 += a[i] * b[i];
    u0 += b[i] + mu * a[i];
  }
  out[at] += t0 + t1;
  out[at + 1] += u0 + u1;
}

/** Two adjacent channels at `i, i + 1`. */
export function sums2(
  a: FloatArray,
  b: FloatArray,
  start: number,
  end: number,
  step: number,
  mu: number,
  out: Float64Array,
  at: number,
): void {
  let t0 = 0,
    t1 = 0,
    u0 = 0,
    u1 = 0;
  for (let i = start; i < end; i += step) {
    const a0 = a[i],
      a1 = a[i + 1];
    const b0 = b[i],
      b1 = b[i + 1];
    t0 += a0 * b0;
    t1 += a1 * b1;
    u0 += b0 + mu * a0;
    u1 += b1 + mu * a1;
  }
  out[at] += t0;
  out[at + 1] += u0;
  out[at + 2] += t1;
  out[at + 3] += u1;
}

/** Three adjacent channels at `i … i + 2`. */
export function sums3(
  a: FloatArray,
  b: FloatArray,
  start: number,
  end: number,
  step: number,
  mu: number,
  out: Float64Array,
  at: number,
): void {
  let t0 = 0,
    t1 = 0,
    t2 = 0,
    u0 = 0,
    u1 = 0,
    u2 = 0;
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
    u0 += b0 + mu * a0;
    u1 += b1 + mu * a1;
    u2 += b2 + mu * a2;
  }
  out[at] += t0;
  out[at + 1] += u0;
  out[at + 2] += t1;
  out[at + 3] += u1;
  out[at + 4] += t2;
  out[at + 5] += u2;
}

/** Four adjacent channels at `i … i + 3`. */
export function sums4(
  a: FloatArray,
  b: FloatArray,
  start: number,
  end: number,
  step: number,
  mu: number,
  out: Float64Array,
  at: number,
): void {
  let t0 = 0,
    t1 = 0,
    t2 = 0,
    t3 = 0,
    u0 = 0,
    u1 = 0,
    u2 = 0,
    u3 = 0;
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
    u0 += b0 + mu * a0;
    u1 += b1 + mu * a1;
    u2 += b2 + mu * a2;
    u3 += b3 + mu * a3;
  }
  out[at] += t0;
  out[at + 1] += u0;
  out[at + 2] += t1;
  out[at + 3] += u1;
  out[at + 4] += t2;
  out[at + 5] += u2;
  out[at + 6] += t3;
  out[at + 7] += u3;
}

/**
 * As {@link sums1} with `a = gt` and the binarised prediction `b = (pr > threshold)` (1 or 0; strict, as
 * sm's `K.greater`), and `u = Σ (λ·b + μ·gt)`: λ = 0, μ = 1 gives recall's `G`.
 */
export function sums1Thresholded(
  gt: FloatArray,
  pr: FloatArray,
  start: number,
  end: number,
  step: number,
  threshold: number,
  lambda: number,
  mu: number,
  out: Float64Array,
  at: number,
): void {
  let t = 0,
    p = 0,
    g = 0;
  for (let i = start; i < end; i += step) {
    const q = gt[i];
    g += q;
    if (pr[i] > threshold) {
      t += q;
      p++;
    }
  }
  out[at] += t;
  out[at + 1] += lambda * p + mu * g;
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
  mu: number,
  out: Float64Array,
  at: number,
): void {
  const block = count > 4 ? BLOCK_PIXELS * step : end - start;
  for (let s = start; s < end; s += block) {
    const e = Math.min(s + block, end);
    let k = 0;
    for (; k + 4 <= count; k += 4) sums4(a, b, s + k, e + k, step, mu, out, at + 2 * k);
    const rest = count - k;
    if (rest === 3) sums3(a, b, s + k, e + k, step, mu, out, at + 2 * k);
    else if (rest === 2) sums2(a, b, s + k, e + k, step, mu, out, at + 2 * k);
    else if (rest === 1) sums1(a, b, s + k, e + k, step, mu, out, at + 2 * k);
  }
}
