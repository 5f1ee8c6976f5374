// Vectorised float32 exp for WebAssembly SIMD (f32x4), as WAT statements, for the from-logits region kernels.
// Written here because the shared `scripts/wasm/math.mjs` (branch `elementwise`) did not exist yet; to be
// unified with it.
//
// Range reduction x = n·ln2 + r, |r| ≤ ln2/2, with ln2 split in two (Cody & Waite), then Cephes' expf
// polynomial e^r ≈ 1 + r + r²·P(r) (degree 5), and 2^n built in the exponent bits. The input is clamped to
// [-87.33, 88.72] so that 2^n stays a normal float32: exp of anything below gives ≈ 1.2e-38 instead of 0
// (harmless as a softmax weight). NaN stays NaN. Relative error against Math.exp: see test/core/expf.test.ts.

export const EXP_CONSTANTS = {
  lo: -87.33654,
  hi: 88.72283,
  log2e: Math.LOG2E,
  ln2hi: 0.693359375,
  ln2lo: -2.1219444e-4,
  p: [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1],
};

/** 1.5·2^23 and its float32 bits. */
const MAGIC = 12582912;
const MAGIC_BITS = 0x4b400000;

const f = (v) => `(f32x4.splat (f32.const ${v}))`;

/** The constants of the snippet, held in locals set once per call (V8 would rebuild a splat at each use). */
const CONSTS = () => {
  const c = EXP_CONSTANTS;
  return [
    ['$ex_lo', f(c.lo)],
    ['$ex_hi', f(c.hi)],
    ['$ex_log2e', f(c.log2e)],
    ['$ex_magic', f(MAGIC)],
    ['$ex_ln2hi', f(c.ln2hi)],
    ['$ex_ln2lo', f(c.ln2lo)],
    ['$ex_one', f(1)],
    ['$ex_bias', `(i32x4.splat (i32.const ${127 - MAGIC_BITS}))`],
    ...c.p.map((v, i) => [`$ex_p${i}`, f(v)]),
  ];
};

/** Locals the snippet needs (declare once per function). */
export const EXP_LOCALS =
  '(local $ex_r v128) (local $ex_n v128) (local $ex_p v128) ' +
  CONSTS()
    .map(([n]) => `(local ${n} v128)`)
    .join(' ');

/** Statements that set the constant locals (once, before the loop). */
export const EXP_INIT = CONSTS().map(([n, v]) => `(local.set ${n} ${v})`);

/**
 * WAT statements that set local `$dst` to exp of the f32x4 in local `$src` (`$src` is clobbered; `$dst` may be
 * `$src`).
 */
export function expf32x4(src, dst) {
  const c = EXP_CONSTANTS;
  let poly = '(local.get $ex_p0)';
  for (let i = 1; i < c.p.length; i++)
    poly = `(f32x4.add (f32x4.mul ${poly} (local.get $ex_r)) (local.get $ex_p${i}))`;
  // n = round(x·log2e) with the 1.5·2^23 trick: the float k = x·log2e + 1.5·2^23 holds n in its low mantissa
  // bits (round to nearest even), so bits(k) − bits(1.5·2^23) = n; then 2^n = (n + 127) << 23 as float bits.
  return [
    // NaN-keeping clamp: pmin(v, k) = k < v ? k : v and pmax(v, k) = v < k ? k : v keep v when it is NaN.
    `(local.set ${src} (f32x4.pmax (f32x4.pmin (local.get ${src}) (local.get $ex_hi)) (local.get $ex_lo)))`,
    `(local.set $ex_n (f32x4.add (f32x4.mul (local.get ${src}) (local.get $ex_log2e)) (local.get $ex_magic)))`,
    `(local.set $ex_p (f32x4.sub (local.get $ex_n) (local.get $ex_magic)))`,
    `(local.set $ex_r (f32x4.sub (f32x4.sub (local.get ${src}) (f32x4.mul (local.get $ex_p) (local.get $ex_ln2hi))) (f32x4.mul (local.get $ex_p) (local.get $ex_ln2lo))))`,
    `(local.set $ex_p ${poly})`,
    `(local.set ${dst} (f32x4.mul` +
      ` (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $ex_p) (local.get $ex_r)) (local.get $ex_r)) (local.get $ex_r)) (local.get $ex_one))` +
      ` (i32x4.shl (i32x4.add (local.get $ex_n) (local.get $ex_bias)) (i32.const 23))))`,
  ];
}
