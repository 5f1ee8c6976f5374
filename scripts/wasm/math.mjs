// Vectorised exp and log for WebAssembly SIMD (f32x4), as WebAssembly text for the kernel generators.
//
// Two forms of each, with the same arithmetic:
//   - inline statements, `expF32x4(x, out, p)` / `logF32x4(x, out, p)`: read the v128 local `x`, write the
//     v128 local `out` (may be `x`), using scratch locals named with prefix `p` that `mathLocals(p)` declares
//     (once per function, whatever the number of snippets with that prefix);
//   - functions, `mathFuncs()`: `(func $exp_f32x4 (param v128) (result v128))` and `$log_f32x4`, to paste into
//     a module once and `call` (V8 in Node 20 does not inline WebAssembly calls: prefer the statements in hot
//     loops).
//
// Method (Cephes expf / logf, S. L. Moshier, "Methods and Programs for Mathematical Functions", 1989):
//   exp(x) = 2^n · e^r, n = round(x·log2 e), r = x − n·C1 − n·C2 (Cody–Waite: C1 has 9 significant bits, so
//            n·C1 and x − n·C1 are exact for |n| ≤ 150), e^r ≈ 1 + r + r²·P(r), P of degree 5 on
//            |r| ≤ ln2/2; 2^n is applied as 2^⌊n/2⌋ · 2^(n−⌊n/2⌋), two normal powers of two, so the one
//            rounding happens last and subnormal results (x < −87.34) are right too. x is clamped to
//            [−104, 89] first: e^x rounds to 0 below −103.972 and to +∞ above 88.7228 (float32).
//   log(x) = e·ln2 + log(1 + f), x = m·2^e with m ∈ [√½, √2), f = m − 1 (exact), log(1 + f) ≈
//            f − f²/2 + f³·Q(f), Q of degree 8; e·ln2 is added as e·C1 + e·C2. Subnormal x are scaled by 2^23
//            first.
// Edge values: exp(NaN) = NaN, exp(+∞) = +∞, exp(−∞) = 0; log(±0) = −∞, log(x < 0) = NaN, log(+∞) = +∞,
// log(NaN) = NaN.
//
// Accuracy (test/core/wasmMath.test.ts measures it against Math.exp / Math.log over the float32 range: every
// binade densely, every exponent, the edge values): see MATH_F32X4_BOUNDS.
//
// Measured: exp within 0.98 ulp, log within 0.77 ulp; results that overflow, underflow to 0 or are
// subnormal round as float32 does (within 2^−149).
//
// Cost: exp ≈ 25 SIMD instructions per 4 lanes, log ≈ 35; no tables, no branches.

/** Measured error bounds of the f32x4 functions against the exact value (Math.exp/Math.log in float64). */
export const MATH_F32X4_BOUNDS = {
  /** exp: at most this many units in the last place of the float32 result (normal results; measured 0.98). */
  expUlps: 1,
  /** exp: subnormal results (−103.97 < x < −87.34) are within one smallest subnormal, 2^−149, of e^x. */
  expSubnormalAbs: 2 ** -149,
  /** log: at most this many units in the last place of the float32 result (measured 0.77). */
  logUlps: 1,
  /** expNegF32x4 on [−87, 88]: at most this many ulps of the float32 result. */
  expNegUlps: 2,
  /** logPosF32x4 on normal positive finite x: at most this many ulps of the float32 result. */
  logPosUlps: 4,
  /** expSoftmaxF32x4 on [−87, 0]: at most expSoftmaxUlps + expSoftmaxUlpsPerUnit·|x| ulps of the result. */
  expSoftmaxUlps: 2,
  expSoftmaxUlpsPerUnit: 1.25,
  /** expSoftmaxF32x4 on [−87, 0]: |result − e^x| at most this (the error a softmax's probabilities see). */
  expSoftmaxAbs: 2 ** -22,
};

const f4 = (v) => `(v128.const f32x4 ${v} ${v} ${v} ${v})`;
const i4 = (v) => `(v128.const i32x4 ${v} ${v} ${v} ${v})`;

// Cephes constants (float32).
const LOG2E = '1.44269504088896341';
const C1 = '0.693359375';
const C2 = '-2.12194440e-4';
const EXP_P = [
  '1.9875691500e-4',
  '1.3981999507e-3',
  '8.3334519073e-3',
  '4.1665795894e-2',
  '1.6666665459e-1',
  '5.0000001201e-1',
];
const LOG_Q = [
  '7.0376836292e-2',
  '-1.1514610310e-1',
  '1.1676998740e-1',
  '-1.2420140846e-1',
  '1.4249322787e-1',
  '-1.6668057665e-1',
  '2.0000714765e-1',
  '-2.4999993993e-1',
  '3.3333331174e-1',
];

/** Horner's scheme over v128 local `t`, as one expression. */
function horner(coefs, t) {
  let e = f4(coefs[0]);
  for (let k = 1; k < coefs.length; k++) e = `(f32x4.add (f32x4.mul ${e} (local.get ${t})) ${f4(coefs[k])})`;
  return e;
}

/** Declarations of the scratch locals the snippets with prefix `p` use (four v128 locals). */
export function mathLocals(p = '$m_') {
  return `(local ${p}a v128) (local ${p}b v128) (local ${p}c v128) (local ${p}d v128)`;
}

/**
 * Statements setting v128 local `out` to exp of the four float32 lanes of v128 local `x` (`out` may be `x`).
 * Scratch: the locals of `mathLocals(p)`.
 */
export function expF32x4(x, out, p = '$m_') {
  const [t, n, r, s] = [`${p}a`, `${p}b`, `${p}c`, `${p}d`];
  return [
    // t = clamp(x, −104, 89); pmin/pmax keep a NaN x (operand order matters).
    `(local.set ${t} (f32x4.pmax (f32x4.pmin (local.get ${x}) ${f4('89')}) ${f4('-104')}))`,
    `(local.set ${n} (f32x4.nearest (f32x4.mul (local.get ${t}) ${f4(LOG2E)})))`,
    `(local.set ${r} (f32x4.sub (f32x4.sub (local.get ${t}) (f32x4.mul (local.get ${n}) ${f4(C1)})) (f32x4.mul (local.get ${n}) ${f4(C2)})))`,
    // s = 1 + r + r²·P(r)
    `(local.set ${s} (f32x4.add (f32x4.add (f32x4.mul ${horner(EXP_P, r)} (f32x4.mul (local.get ${r}) (local.get ${r}))) (local.get ${r})) ${f4('1')}))`,
    // n as int32 (NaN → 0), split into ⌊n/2⌋ and n − ⌊n/2⌋, each turned into a power of two by its exponent bits.
    `(local.set ${n} (i32x4.trunc_sat_f32x4_s (local.get ${n})))`,
    `(local.set ${r} (i32x4.shr_s (local.get ${n}) (i32.const 1)))`,
    `(local.set ${n} (i32x4.sub (local.get ${n}) (local.get ${r})))`,
    `(local.set ${out} (f32x4.mul (f32x4.mul (local.get ${s})` +
      ` (i32x4.shl (i32x4.add (local.get ${r}) ${i4(127)}) (i32.const 23)))` +
      ` (i32x4.shl (i32x4.add (local.get ${n}) ${i4(127)}) (i32.const 23))))`,
  ].join('\n');
}

/** 1.5·2²³ (bits 0x4B400000): adding it rounds a float32 |v| < 2²² to an integer, n = its bits − 0x4B400000. */
const MAGIC = '12582912';

/** Smallest input of `expNegF32x4`: below it the result is e^EXP_NEG_MIN ≈ 1.65e−38 (see there). */
export const EXP_NEG_MIN = -87;

/**
 * Degree-5 polynomial, e^r ≈ 1 + c4·r + c3·r² + c2·r³ + c1·r⁴ + c0·r⁵ on |r| ≤ ln2/2 (minimax, from Arm's
 * optimized-routines v_expf.c, MIT/Apache-2.0: max error 1.45 ulp + 0.5 ulp there, with fused multiply-adds).
 */
const EXP_NEG_P = ['0x1.0e4020p-7', '0x1.573e2ep-5', '0x1.555e66p-3', '0x1.fffdb6p-2', '0x1.ffffecp-1'];

/**
 * Statements setting v128 local `out` to exp of the four float32 lanes of v128 local `x`, for x ≤ 88 only: the
 * cheaper form for a softmax (x − max ≤ 0), about 14 SIMD operations against `expF32x4`'s 25.
 * - n = round(x·log2 e) by the 1.5·2²³ rounding trick: k = x·log2 e + 1.5·2²³ rounds to an integer in the add,
 *   n = k − 1.5·2²³ exactly, and 2^n = ((bits of k) − bits(1.5·2²³) + 127) << 23: no `nearest`, no
 *   `trunc_sat` (which V8 lowers to several instructions) and one scale instead of two;
 * - r = x − n·C1 − n·C2 (Cody–Waite, as `expF32x4`), e^r by the degree-5 polynomial EXP_NEG_P evaluated as
 *   (c0·r + c1)·r⁴ + (c2·r + c3)·r² + c4·r (short dependency chains), result 2^n + 2^n·poly.
 * x is clamped below at EXP_NEG_MIN = −87 so that 2^n stays normal: for x < −87 the result is e^−87 ≈ 1.65e−38
 * instead of e^x, an absolute error below 2^−125 that a softmax cannot see (its denominator is ≥ 1). NaN gives
 * NaN; +∞ is outside the domain (NaN). Bound: MATH_F32X4_BOUNDS.expNegUlps (tested against Math.exp).
 * Scratch: the locals of `mathLocals(p)`.
 */
export function expNegF32x4(x, out, p = '$m_') {
  const [t, k, r, s] = [`${p}a`, `${p}b`, `${p}c`, `${p}d`];
  const c = EXP_NEG_P;
  return [
    // pmax(x, c) = x < c ? c : x keeps a NaN x.
    `(local.set ${t} (f32x4.pmax (local.get ${x}) ${f4(String(EXP_NEG_MIN))}))`,
    `(local.set ${k} (f32x4.add (f32x4.mul (local.get ${t}) ${f4(LOG2E)}) ${f4(MAGIC)}))`,
    `(local.set ${s} (f32x4.sub (local.get ${k}) ${f4(MAGIC)}))`,
    `(local.set ${r} (f32x4.sub (f32x4.sub (local.get ${t}) (f32x4.mul (local.get ${s}) ${f4(C1)})) (f32x4.mul (local.get ${s}) ${f4(C2)})))`,
    ...expTail(c, r, t, k, s, out),
  ].join('\n');
}

/**
 * The last steps shared by expNegF32x4 and expSoftmaxF32x4: with r the reduced argument and k the float whose
 * bits are 0x4B400000 + n, s = c4·r + c3·r² + … + c0·r⁵ by Estrin's scheme (through t = r²), then
 * out = 2^n + 2^n·s, 2^n = (n + 127) << 23 built in k.
 */
function expTail(c, r, t, k, s, out) {
  const lin = (a, b) => `(f32x4.add (f32x4.mul ${f4(a)} (local.get ${r})) ${f4(b)})`;
  return [
    `(local.set ${t} (f32x4.mul (local.get ${r}) (local.get ${r})))`,
    `(local.set ${s} (f32x4.add (f32x4.mul (f32x4.add (f32x4.mul ${lin(c[0], c[1])} (local.get ${t})) ${lin(c[2], c[3])}) (local.get ${t}))` +
      ` (f32x4.mul ${f4(c[4])} (local.get ${r}))))`,
    `(local.set ${k} (i32x4.shl (i32x4.add (local.get ${k}) ${i4(127 - 0x4b400000)}) (i32.const 23)))`,
    `(local.set ${out} (f32x4.add (local.get ${k}) (f32x4.mul (local.get ${k}) (local.get ${s}))))`,
  ];
}

/** EXP_NEG_P as a polynomial in f = r / ln 2: 2^f ≈ 1 + a1·f + … + a5·f⁵ on |f| ≤ ½ (a_k = c_k·ln2^k, float32). */
const EXP2_P = EXP_NEG_P.map((c, i) => String(Math.fround(Number(hexFloat(c)) * Math.LN2 ** (5 - i))));

/** The value of a C99 hexadecimal float literal such as '0x1.0e4020p-7'. */
function hexFloat(h) {
  const m = /^(-?)0x([0-9a-f]+)\.([0-9a-f]*)p([-+]?\d+)$/i.exec(h);
  const mant = parseInt(m[2] + m[3], 16) / 16 ** m[3].length;
  return (m[1] ? -1 : 1) * mant * 2 ** Number(m[4]);
}

/**
 * Statements setting v128 local `out` to e^x for x ≤ 0, the arguments x − max of a softmax: the cheapest form,
 * 19 SIMD operations against `expNegF32x4`'s 22.
 * - y = max(x·log2 e, −126), n = round(y) by the 1.5·2²³ trick, f = y − n (exact), 2^f by the degree-5
 *   polynomial EXP2_P (EXP_NEG_P's minimax polynomial in f·ln 2), result 2^n + 2^n·(2^f − 1). No Cody–Waite
 *   step: the rounding of y costs a relative error that grows with |x| (about 1.2·|x| ulp), so the bound is
 *   MATH_F32X4_BOUNDS.expSoftmaxUlps + expSoftmaxUlpsPerUnit·|x| ulp. What a softmax sees is the absolute error
 *   e^x·(that): at most MATH_F32X4_BOUNDS.expSoftmaxAbs over x ≤ 0 (about that of `expNegF32x4`).
 * - x < −126·ln 2 ≈ −87.3 gives 2^−126 ≈ 1.18e−38 instead of e^x (a softmax denominator is ≥ 1), −∞ too.
 * NaN gives NaN; x > 0 is outside the domain (a softmax never passes one).
 * Scratch: the locals of `mathLocals(p)`.
 */
export function expSoftmaxF32x4(x, out, p = '$m_') {
  const [y, k, f, s] = [`${p}a`, `${p}b`, `${p}c`, `${p}d`];
  return [
    // pmax(v, c) = v < c ? c : v keeps a NaN v.
    `(local.set ${y} (f32x4.pmax (f32x4.mul (local.get ${x}) ${f4(LOG2E)}) ${f4('-126')}))`,
    `(local.set ${k} (f32x4.add (local.get ${y}) ${f4(MAGIC)}))`,
    `(local.set ${f} (f32x4.sub (local.get ${y}) (f32x4.sub (local.get ${k}) ${f4(MAGIC)})))`,
    // bits(k) = 0x4B400000 + n with n ≥ −126.
    ...expTail(EXP2_P, f, y, k, s, out),
  ].join('\n');
}

/**
 * Statements setting v128 local `out` to the natural log of the four float32 lanes of v128 local `x` (`out`
 * may be `x`). Scratch: the locals of `mathLocals(p)`.
 */
export function logF32x4(x, out, p = '$m_') {
  const [v, e, f, z] = [`${p}a`, `${p}b`, `${p}c`, `${p}d`];
  return [
    // Subnormal (and zero, negative) lanes: v = x·2^23, e starts at −23; others v = x, e = 0.
    `(local.set ${z} (f32x4.lt (local.get ${x}) ${f4('1.17549435e-38')}))`,
    `(local.set ${v} (v128.bitselect (f32x4.mul (local.get ${x}) ${f4('8388608')}) (local.get ${x}) (local.get ${z})))`,
    // e = exponent of v as in frexp (v = m·2^e, m ∈ [½, 1)), minus 23 for the scaled lanes.
    `(local.set ${e} (i32x4.sub (i32x4.sub (i32x4.shr_u (local.get ${v}) (i32.const 23)) ${i4(126)}) (v128.and (local.get ${z}) ${i4(23)})))`,
    // m ∈ [½, 1) by the exponent bits of ½; below √½: e − 1 and f = 2m − 1, else f = m − 1.
    `(local.set ${v} (v128.or (v128.and (local.get ${v}) ${i4('0x007fffff')}) ${i4('0x3f000000')}))`,
    `(local.set ${z} (f32x4.lt (local.get ${v}) ${f4('0.707106781186547524')}))`,
    `(local.set ${e} (f32x4.convert_i32x4_s (i32x4.add (local.get ${e}) (local.get ${z}))))`,
    `(local.set ${f} (f32x4.sub (f32x4.add (local.get ${v}) (v128.and (local.get ${v}) (local.get ${z}))) ${f4('1')}))`,
    `(local.set ${z} (f32x4.mul (local.get ${f}) (local.get ${f})))`,
    // log(1 + f) − f = f³·Q(f) − f²/2 + e·C2, then + f, + e·C1.
    `(local.set ${v} (f32x4.add (f32x4.mul (f32x4.mul ${horner(LOG_Q, f)} (local.get ${z})) (local.get ${f})) (f32x4.mul (local.get ${e}) ${f4(C2)})))`,
    `(local.set ${v} (f32x4.add (f32x4.add (f32x4.sub (local.get ${v}) (f32x4.mul (local.get ${z}) ${f4('0.5')})) (local.get ${f})) (f32x4.mul (local.get ${e}) ${f4(C1)})))`,
    // Edge lanes: finite x > 0 keep v; else x = ±0 → −∞, x < 0 → NaN, +∞ and NaN → x.
    `(local.set ${z} (v128.bitselect ${f4('nan')} (local.get ${x}) (f32x4.lt (local.get ${x}) ${f4('0')})))`,
    `(local.set ${z} (v128.bitselect ${f4('-inf')} (local.get ${z}) (f32x4.eq (local.get ${x}) ${f4('0')})))`,
    `(local.set ${out} (v128.bitselect (local.get ${v}) (local.get ${z})` +
      ` (v128.and (f32x4.gt (local.get ${x}) ${f4('0')}) (f32x4.lt (local.get ${x}) ${f4('inf')}))))`,
  ].join('\n');
}

/**
 * Polynomial of `logPosF32x4`: log(1 + r) ≈ r + r²·(P1 + P2·r + … + P7·r⁶) on 1 + r ∈ [2/3, 4/3) (minimax,
 * from Arm's optimized-routines v_logf.c, MIT/Apache-2.0: 3.34 ulp there), P1 first.
 */
const LOG_POS_P = [
  '-0x1.ffffc8p-2',
  '0x1.555d7cp-2',
  '-0x1.00187cp-2',
  '0x1.961348p-3',
  '-0x1.4f9934p-3',
  '0x1.5a9aa2p-3',
  '-0x1.3e737cp-3',
];

/**
 * Statements setting v128 local `out` to the natural log of the four float32 lanes of v128 local `x`, for normal
 * positive finite x only (2^−126 ≤ x ≤ FLT_MAX: a clipped probability, a softmax denominator): the cheaper
 * form, about 20 SIMD operations against `logF32x4`'s 35, with no edge-value handling (0, subnormals, negative
 * numbers, ±∞ and NaN give meaningless numbers; callers flag such inputs separately).
 * x = 2^n·(1 + r) with 1 + r ∈ [2/3, 4/3) by integer arithmetic on the bits (u = bits(x) − bits(2/3),
 * n = u >> 23, 1 + r = (u & mantissa) + bits(2/3)), log x = n·C1 + (r + (n·C2 + r²·P(r))) (Cody–Waite ln 2 as
 * `logF32x4`), P by Estrin's scheme. Bound: MATH_F32X4_BOUNDS.logPosUlps (tested against Math.log).
 * Scratch: the locals of `mathLocals(p)`.
 */
export function logPosF32x4(x, out, p = '$m_') {
  const [u, n, r, z] = [`${p}a`, `${p}b`, `${p}c`, `${p}d`];
  const P = LOG_POS_P;
  const lin = (a, b) => `(f32x4.add (f32x4.mul ${f4(b)} (local.get ${r})) ${f4(a)})`;
  return [
    `(local.set ${u} (i32x4.sub (local.get ${x}) ${i4('0x3f2aaaab')}))`,
    `(local.set ${n} (f32x4.convert_i32x4_s (i32x4.shr_s (local.get ${u}) (i32.const 23))))`,
    `(local.set ${r} (f32x4.sub (i32x4.add (v128.and (local.get ${u}) ${i4('0x007fffff')}) ${i4('0x3f2aaaab')}) ${f4('1')}))`,
    `(local.set ${z} (f32x4.mul (local.get ${r}) (local.get ${r})))`,
    // P = (P1 + P2 r) + r²·((P3 + P4 r) + r²·((P5 + P6 r) + r²·P7))
    `(local.set ${u} (f32x4.add ${lin(P[0], P[1])} (f32x4.mul (local.get ${z}) (f32x4.add ${lin(P[2], P[3])}` +
      ` (f32x4.mul (local.get ${z}) (f32x4.add ${lin(P[4], P[5])} (f32x4.mul (local.get ${z}) ${f4(P[6])})))))))`,
    `(local.set ${u} (f32x4.add (f32x4.mul (local.get ${n}) ${f4(C2)}) (f32x4.mul (local.get ${z}) (local.get ${u}))))`,
    `(local.set ${out} (f32x4.add (f32x4.mul (local.get ${n}) ${f4(C1)}) (f32x4.add (local.get ${r}) (local.get ${u}))))`,
  ].join('\n');
}

/** Name of the exp function that `mathFuncs()` defines. */
export const EXP_F32X4 = '$exp_f32x4';
/** Name of the log function that `mathFuncs()` defines. */
export const LOG_F32X4 = '$log_f32x4';

/** The two functions `(func $exp_f32x4 (param v128) (result v128))` and `$log_f32x4`, as module fields. */
export function mathFuncs() {
  return `
  (func ${EXP_F32X4} (param $x v128) (result v128) ${mathLocals('$m_')}
    ${expF32x4('$x', '$x', '$m_')}
    (local.get $x))
  (func ${LOG_F32X4} (param $x v128) (result v128) ${mathLocals('$m_')}
    ${logF32x4('$x', '$x', '$m_')}
    (local.get $x))`;
}

/**
 * Measured error bounds of `softplusNegAbsF32x4` (test/core/wasmSigmoid.test.ts, against float64 Math.log1p /
 * Math.exp over the float32 range), in ulps of the float32 result.
 */
export const SOFTPLUS_F32X4_BOUNDS = {
  /** l = log(1 + e^−|x|) = softplus(−|x|): at most this many ulps (normal results; measured 4.09). */
  softplusUlps: 5,
  /** log σ(x) = min(x, 0) − l and log σ(−x) = −max(x, 0) − l: at most this many ulps (measured 4.09). */
  logSigmoidUlps: 5,
  /** σ(x) = (x ≥ 0 ? 1 : e) / (1 + e): at most this many ulps (normal results; measured 2.33). */
  sigmoidUlps: 3,
  /** Results below 2^−126 (|x| > 87.3): within this absolute error (e^−|x| as float32 rounds, subnormals included). */
  subnormalAbs: 2 ** -148,
};

/**
 * Statements for the stable logistic terms of the four float32 lanes of v128 local `x`: they set the v128
 * locals `e` = e^−|x| (`expF32x4`), `u` = 1 + e, `r` = 1 / u and `l` = log(1 + e) = softplus(−|x|), so that
 * log σ(x) = min(x, 0) − l, log σ(−x) = log(1 − σ(x)) = −max(x, 0) − l (no cancellation: both parts have one
 * sign) and σ(x) = (x ≥ 0 ? 1 : e)·r, 1 − σ(x) = (x ≥ 0 ? e : 1)·r. log1p by a first-order correction of the
 * rounding of u: with δ = e − (u − 1) (exact: u − 1 is exact for u ∈ [1, 2]), log(1 + e) = log(u) + log(1 + δ/u)
 * = log(u) + δ·r + O(δ²), δ ≤ 2^−25; so l = e when u rounds to 1, with no division beyond r and no select;
 * log(u) by `logPosF32x4` (u ∈ [1, 2]). Bounds: SOFTPLUS_F32X4_BOUNDS. NaN gives NaN; ±∞ give e = 0, l = 0
 * (callers flag them). `x` must differ from `e`, `u`, `r`, `l`. Scratch: the locals of `mathLocals(p)`.
 */
export function softplusNegAbsF32x4(x, e, u, r, l, p = '$m_') {
  return [
    `(local.set ${e} (f32x4.neg (f32x4.abs (local.get ${x}))))`,
    expF32x4(e, e, p),
    `(local.set ${u} (f32x4.add (local.get ${e}) ${f4('1')}))`,
    `(local.set ${r} (f32x4.div ${f4('1')} (local.get ${u})))`,
    logPosF32x4(u, l, p),
    `(local.set ${l} (f32x4.add (local.get ${l}) (f32x4.mul (f32x4.sub (local.get ${e}) (f32x4.sub (local.get ${u}) ${f4('1')})) (local.get ${r}))))`,
  ].join('\n');
}

/**
 * Statements setting v128 local `out` to e^x of the four float32 lanes of v128 local `x` for x ≤ 0 over the whole
 * range (subnormal results included): `expF32x4`'s steps and polynomial with cheaper ends, for σ.
 * - n = round(max(x, −104)·log2 e) by the 1.5·2²³ trick (as `expNegF32x4`: no `nearest`, no `trunc_sat`, which V8
 *   lowers to several instructions), the same n as `expF32x4`'s (ties to even);
 * - r = x − n·C1 − n·C2 and s = 1 + r + r²·P(r) as `expF32x4`;
 * - out = (s·2^(n+24))·2^−24: 2^(n+24) is normal for every n ≥ −150, so one scale instead of two; the first
 *   product is `expF32x4`'s result times 2^24 (the same bits), the second is exact unless the result is
 *   subnormal (then one rounding). So out has `expF32x4`'s bits wherever e^x ≥ 2^−126.
 * NaN gives NaN; x > 0 is outside the domain. Scratch: the locals of `mathLocals(p)`.
 */
export function expNegWideF32x4(x, out, p = '$m_') {
  const [t, k, r, s] = [`${p}a`, `${p}b`, `${p}c`, `${p}d`];
  return [
    // pmax(x, c) = x < c ? c : x keeps a NaN x.
    `(local.set ${t} (f32x4.pmax (local.get ${x}) ${f4('-104')}))`,
    `(local.set ${k} (f32x4.add (f32x4.mul (local.get ${t}) ${f4(LOG2E)}) ${f4(MAGIC)}))`,
    `(local.set ${s} (f32x4.sub (local.get ${k}) ${f4(MAGIC)}))`,
    `(local.set ${r} (f32x4.sub (f32x4.sub (local.get ${t}) (f32x4.mul (local.get ${s}) ${f4(C1)})) (f32x4.mul (local.get ${s}) ${f4(C2)})))`,
    `(local.set ${s} (f32x4.add (f32x4.add (f32x4.mul ${horner(EXP_P, r)} (f32x4.mul (local.get ${r}) (local.get ${r}))) (local.get ${r})) ${f4('1')}))`,
    // bits(k) = 0x4B400000 + n: 2^(n + 24) = (n + 127 + 24) << 23.
    `(local.set ${k} (i32x4.shl (i32x4.add (local.get ${k}) ${i4(151 - 0x4b400000)}) (i32.const 23)))`,
    `(local.set ${out} (f32x4.mul (f32x4.mul (local.get ${s}) (local.get ${k})) ${f4('5.9604644775390625e-8')}))`,
  ].join('\n');
}

/**
 * Statements setting v128 local `out` to σ(x) = 1 / (1 + e^−x) of the four float32 lanes of v128 local `x`, for
 * every float32 x: with e = e^−|x| (`expNegWideF32x4`: `expF32x4`'s bits, cheaper; e ∈ [0, 1], no overflow), σ = (x ≥ 0 ? 1 : e) / (1 + e), one
 * division (SOFTPLUS_F32X4_BOUNDS.sigmoidUlps; below 2^−126, within its subnormalAbs). ±∞ give 1 and 0, NaN
 * gives NaN (callers flag non-finite logits themselves). `out` may be `x`; `e` must differ from `x`. Scratch:
 * the locals of `mathLocals(p)`.
 */
export function sigmoidF32x4(x, out, e, p = '$m_') {
  return [
    `(local.set ${e} (f32x4.neg (f32x4.abs (local.get ${x}))))`,
    expNegWideF32x4(e, e, p),
    `(local.set ${out} (f32x4.div (v128.bitselect ${f4('1')} (local.get ${e}) (f32x4.ge (local.get ${x}) ${f4('0')}))` +
      ` (f32x4.add (local.get ${e}) ${f4('1')})))`,
  ].join('\n');
}
