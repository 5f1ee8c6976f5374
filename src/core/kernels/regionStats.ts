/**
 * Soft region statistics: per channel, `tp = Σ gt·pr`, `P = Σ pr` and `G = Σ gt` over a strided run of
 * pixels, accumulated in float64. Strided (start, end, step) so that one loop walks one or several adjacent
 * channels of an interleaved NHWC buffer, or one contiguous channel plane of an NCHW buffer, without a copy.
 *
 * The kernels do not validate and do not allocate. They ADD into `out`: channel k of the run goes to
 * `out[at + 3k]` (tp), `out[at + 3k + 1]` (P) and `out[at + 3k + 2]` (G).
 * `sums2`/`sums3`/`sums4` read channels at `i, i + 1, …` (adjacent channels of a channels-last pixel) with
 * their accumulators in registers, which is what makes the reduction run near memory speed; `sums1`
 * handles any single channel (and channels-first planes with step 1).
 * @module
 */

/** Float buffers the kernels read: the core converts any other input type once, up front. */
export type FloatArray = Float32Array | Float64Array;

/** One channel at `i` for `i = start; i < end; i += step`. */
export function sums1(
  gt: FloatArray,
  pr: FloatArray,
  start: number,
  end: number,
  step: number,
  out: Float64Array,
  at: number,
): void {
  // Two interleaved accumulator sets hide the latency of the float64 adds.
  let t0 = 0,
    p0 = 0,
    g0 = 0,
    t1 = 0,
    p1 = 0,
    g1 = 0;
  let i = start;
  for (const step2 = 2 * step; i + step < end; i += step2) {
    const q0 = gt[i],
      r0 = pr[i],
      q1 = gt[i + step],
      r1 = pr[i + step];
    t0 += q0 * r0;
    p0 += r0;
    g0 += q0;
    t1 += q1 * r1;
    p1 += r1;
    g1 += q1;
  }
  if (i < end) {
    const q0 = gt[i],
      r0 = pr[i];
    t0 += q0 * r0;
    p0 += r0;
    g0 += q0;
  }
  out[at] += t0 + t1;
  out[at + 1] += p0 + p1;
  out[at + 2] += g0 + g1;
}

/** Two adjacent channels at `i, i + 1`. */
export function sums2(
  gt: FloatArray,
  pr: FloatArray,
  start: number,
  end: number,
  step: number,
  out: Float64Array,
  at: number,
): void {
  let t0 = 0,
    t1 = 0,
    p0 = 0,
    p1 = 0,
    g0 = 0,
    g1 = 0;
  for (let i = start; i < end; i += step) {
    const q0 = gt[i],
      q1 = gt[i + 1];
    const r0 = pr[i],
      r1 = pr[i + 1];
    t0 += q0 * r0;
    t1 += q1 * r1;
    p0 += r0;
    p1 += r1;
    g0 += q0;
    g1 += q1;
  }
  out[at] += t0;
  out[at + 1] += p0;
  out[at + 2] += g0;
  out[at + 3] += t1;
  out[at + 4] += p1;
  out[at + 5] += g1;
}

/** Three adjacent channels at `i, i + 1, i + 2`. */
export function sums3(
  gt: FloatArray,
  pr: FloatArray,
  start: number,
  end: number,
  step: number,
  out: Float64Array,
  at: number,
): void {
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
    const q0 = gt[i],
      q1 = gt[i + 1],
      q2 = gt[i + 2];
    const r0 = pr[i],
      r1 = pr[i + 1],
      r2 = pr[i + 2];
    t0 += q0 * r0;
    t1 += q1 * r1;
    t2 += q2 * r2;
    p0 += r0;
    p1 += r1;
    p2 += r2;
    g0 += q0;
    g1 += q1;
    g2 += q2;
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
}

/** Four adjacent channels at `i … i + 3`. */
export function sums4(
  gt: FloatArray,
  pr: FloatArray,
  start: number,
  end: number,
  step: number,
  out: Float64Array,
  at: number,
): void {
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
    const q0 = gt[i],
      q1 = gt[i + 1],
      q2 = gt[i + 2],
      q3 = gt[i + 3];
    const r0 = pr[i],
      r1 = pr[i + 1],
      r2 = pr[i + 2],
      r3 = pr[i + 3];
    t0 += q0 * r0;
    t1 += q1 * r1;
    t2 += q2 * r2;
    t3 += q3 * r3;
    p0 += r0;
    p1 += r1;
    p2 += r2;
    p3 += r3;
    g0 += q0;
    g1 += q1;
    g2 += q2;
    g3 += q3;
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
}

/** As {@link sums1} on the binarised prediction `pr > threshold` (1 or 0; strict, as sm's `K.greater`). */
export function sums1Thresholded(
  gt: FloatArray,
  pr: FloatArray,
  start: number,
  end: number,
  step: number,
  threshold: number,
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
  out[at + 1] += p;
  out[at + 2] += g;
}

/**
 * Adds the statistics of `count` channels starting at element offset 0 of each pixel run (channels adjacent
 * in memory) by calling the widest kernels: 4 + 4 + … + remainder. `start` points at the first channel.
 */
export function sumsAdjacent(
  gt: FloatArray,
  pr: FloatArray,
  start: number,
  end: number,
  step: number,
  count: number,
  out: Float64Array,
  at: number,
): void {
  let k = 0;
  for (; k + 4 <= count; k += 4) sums4(gt, pr, start + k, end + k, step, out, at + 3 * k);
  const rest = count - k;
  if (rest === 3) sums3(gt, pr, start + k, end + k, step, out, at + 3 * k);
  else if (rest === 2) sums2(gt, pr, start + k, end + k, step, out, at + 3 * k);
  else if (rest === 1) sums1(gt, pr, start + k, end + k, step, out, at + 3 * k);
}
