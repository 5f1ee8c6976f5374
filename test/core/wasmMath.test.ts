/**
 * The vectorised exp and log of scripts/wasm/math.mjs against Math.exp / Math.log: every binade of the
 * float32 range densely (both signs), seeded random float32 bit patterns, and the edge values (±0,
 * subnormals, ±∞, NaN, the overflow and underflow thresholds). Errors are measured in units in the last place
 * of the float32 result, against the float64 value of Math.exp / Math.log (itself within 1 ulp of float64).
 */
import { describe, expect, it } from 'vitest';
import { assembleForProject } from '../helpers/relaxedWat.js';
import {
  EXP_F32X4,
  EXP_NEG_MIN,
  LOG_F32X4,
  MATH_F32X4_BOUNDS,
  expF32x4,
  expNegF32x4,
  expSoftmaxF32x4,
  logF32x4,
  logPosF32x4,
  mathFuncs,
  mathLocals,
} from '../../scripts/wasm/math.mjs';

const BLOCK = 1 << 18;

/** A loop applying one snippet to n float32 values in place, from byte offset p (n a multiple of 4). */
function loop(name: string, body: string): string {
  return `(func (export "${name}") (param $p i32) (param $n i32) (local $x v128) (local $end i32) ${mathLocals('$q_')}
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $d (br_if $d (i32.ge_u (local.get $p) (local.get $end)))
      (loop $l
        (local.set $x (v128.load (local.get $p)))
        ${body}
        (v128.store (local.get $p) (local.get $x))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $l (i32.lt_u (local.get $p) (local.get $end))))))`;
}

type Apply = (xs: Float32Array) => Float32Array;

async function build(): Promise<
  Record<'exp' | 'expNeg' | 'expSoftmax' | 'log' | 'logPos' | 'expCall' | 'logCall', Apply>
> {
  const wat = `(module (memory (export "memory") ${(BLOCK * 4) / 65536})
    ${mathFuncs()}
    ${loop('exp', expF32x4('$x', '$x', '$q_'))}
    ${loop('expNeg', expNegF32x4('$x', '$x', '$q_'))}
    ${loop('expSoftmax', expSoftmaxF32x4('$x', '$x', '$q_'))}
    ${loop('log', logF32x4('$x', '$x', '$q_'))}
    ${loop('logPos', logPosF32x4('$x', '$x', '$q_'))}
    ${loop('expCall', `(local.set $x (call ${EXP_F32X4} (local.get $x)))`)}
    ${loop('logCall', `(local.set $x (call ${LOG_F32X4} (local.get $x)))`)})`;
  const { instance } = await WebAssembly.instantiate(await assembleForProject('math.wat', wat));
  const ex = instance.exports as Record<string, unknown>;
  const mem = new Float32Array((ex.memory as WebAssembly.Memory).buffer, 0, BLOCK);
  const apply =
    (name: string): Apply =>
    (xs) => {
      const out = new Float32Array(xs.length);
      for (let o = 0; o < xs.length; o += BLOCK) {
        const k = Math.min(BLOCK, xs.length - o);
        mem.fill(0);
        mem.set(xs.subarray(o, o + k));
        (ex[name] as (p: number, n: number) => void)(0, (k + 3) & ~3);
        out.set(mem.subarray(0, k), o);
      }
      return out;
    };
  return {
    exp: apply('exp'),
    expNeg: apply('expNeg'),
    expSoftmax: apply('expSoftmax'),
    log: apply('log'),
    logPos: apply('logPos'),
    expCall: apply('expCall'),
    logCall: apply('logCall'),
  };
}

/** The spacing of float32 values at |v| (the ulp of a float32 result near v; 2^−149 below 2^−126). */
function ulp32(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 23);
}

interface Report {
  maxUlps: number;
  worstAt: number;
  /** Results that must equal float32 rounding exactly (±∞, 0, NaN) or be subnormal, checked separately. */
  badEdges: string[];
  normal: number;
}

function measure(xs: Float32Array, ys: Float32Array, ref: (x: number) => number, subAbs: number): Report {
  const r: Report = { maxUlps: 0, worstAt: NaN, badEdges: [], normal: 0 };
  for (let i = 0; i < xs.length; i++) {
    const t = ref(xs[i]);
    const y = ys[i];
    const ft = Math.fround(t);
    if (!Number.isFinite(ft) || Math.abs(t) < 2 ** -126) {
      const ok = Object.is(ft, y) || (Number.isFinite(t) && Math.abs(y - t) <= subAbs);
      if (!ok && r.badEdges.length < 5) r.badEdges.push(`${xs[i]} → ${y} (expected ${ft})`);
      continue;
    }
    r.normal++;
    const e = Math.abs(y - t) / ulp32(t);
    if (!(e <= r.maxUlps)) {
      r.maxUlps = e;
      r.worstAt = xs[i];
    }
  }
  return r;
}

/** Every binade from 2^−149 to 2^127, `perBinade` evenly spaced significands each, both signs. */
function binades(perBinade: number): Float32Array {
  const out = new Float32Array(277 * perBinade * 2);
  let j = 0;
  for (let e = -149; e <= 127; e++)
    for (let m = 0; m < perBinade; m++) {
      const v = Math.fround(2 ** e * (1 + m / perBinade));
      out[j++] = v;
      out[j++] = -v;
    }
  return out;
}

/** Seeded random float32 bit patterns (finite, both signs). */
function randomBits(n: number, seed: number): Float32Array {
  const u = new Uint32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const bits = s % 0xff000000; // below the exponent 255 in either sign half
    u[i] = bits < 0x7f800000 ? bits : bits - 0x7f800000 + 0x80000000;
  }
  return new Float32Array(u.buffer);
}

const EDGES = Float32Array.of(
  0,
  -0,
  Infinity,
  -Infinity,
  NaN,
  2 ** -149,
  -(2 ** -149),
  2 ** -126,
  (1 - 2 ** -23) * 2 ** -126,
  3.4028234663852886e38,
  1,
  -1,
  88.72283,
  88.7229,
  -87.3365,
  -103.972,
  -103.973,
  -104,
  89,
  1000,
  -1000,
);

const kernels = await build();

describe('exp (f32x4, scripts/wasm/math.mjs)', () => {
  it(`is within ${MATH_F32X4_BOUNDS.expUlps} ulp of Math.exp over every binade of the float32 range`, () => {
    const xs = binades(1024).filter((x) => x > -110 && x < 100);
    const r = measure(xs, kernels.exp(xs), Math.exp, MATH_F32X4_BOUNDS.expSubnormalAbs);
    expect(r.badEdges).toEqual([]);
    expect(r.normal).toBeGreaterThan(100_000);
    if (process.env.MATH_REPORT) console.log('exp max ulps', r.maxUlps, 'at', r.worstAt);
    expect(r.maxUlps, `worst at x = ${r.worstAt}`).toBeLessThanOrEqual(MATH_F32X4_BOUNDS.expUlps);
  });

  it('is within the bound on a dense sweep of [−104, 89] and on seeded random bit patterns', () => {
    const n = 1 << 18;
    const dense = new Float32Array(n);
    for (let i = 0; i < n; i++) dense[i] = Math.fround(-104 + (193 * i) / n);
    const xs = new Float32Array([...dense, ...randomBits(1 << 16, 7)]);
    const r = measure(xs, kernels.exp(xs), Math.exp, MATH_F32X4_BOUNDS.expSubnormalAbs);
    expect(r.badEdges).toEqual([]);
    if (process.env.MATH_REPORT) console.log('exp max ulps', r.maxUlps, 'at', r.worstAt);
    expect(r.maxUlps, `worst at x = ${r.worstAt}`).toBeLessThanOrEqual(MATH_F32X4_BOUNDS.expUlps);
  });

  it('gives float32 rounding of e^x at the edges: ±0, subnormals, ±∞, NaN, overflow and underflow', () => {
    const ys = kernels.exp(EDGES);
    const at = (x: number) => ys[EDGES.indexOf(Math.fround(x))];
    expect(at(0)).toBe(1);
    expect(ys[1]).toBe(1); // −0
    expect(at(Infinity)).toBe(Infinity);
    expect(at(-Infinity)).toBe(0);
    expect(ys[4]).toBeNaN();
    expect(at(2 ** -149)).toBe(1);
    expect(at(88.72283)).toBe(Math.fround(Math.exp(Math.fround(88.72283)))); // largest finite result
    expect(at(88.7229)).toBe(Infinity); // e^x beyond float32's max
    expect(at(89)).toBe(Infinity);
    expect(at(1000)).toBe(Infinity);
    expect(at(-87.3365)).toBe(Math.fround(Math.exp(Math.fround(-87.3365)))); // near the smallest normal
    expect(at(-103.972)).toBe(2 ** -149); // the smallest subnormal
    expect(at(-103.973)).toBe(0); // below half of it
    expect(at(-104)).toBe(0);
    expect(at(-1000)).toBe(0);
    expect(at(1)).toBe(Math.fround(Math.E));
  });

  it('as a function ($exp_f32x4) gives the same bits as the inline statements', () => {
    const xs = new Float32Array([...EDGES, ...randomBits(1 << 14, 3)]);
    expect(kernels.expCall(xs)).toEqual(kernels.exp(xs));
  });
});

describe('expNeg (f32x4, scripts/wasm/math.mjs: the softmax exp, x ≤ 88)', () => {
  it(`is within ${MATH_F32X4_BOUNDS.expNegUlps} ulp of Math.exp over every binade in [${EXP_NEG_MIN}, 88]`, () => {
    const xs = binades(1024).filter((x) => x >= EXP_NEG_MIN && x <= 88);
    const r = measure(xs, kernels.expNeg(xs), Math.exp, 0);
    if (process.env.MATH_REPORT) console.log('expNeg binades max ulps', r.maxUlps, 'at', r.worstAt);
    expect(r.badEdges).toEqual([]);
    expect(r.normal).toBe(xs.length);
    expect(r.maxUlps, `worst at x = ${r.worstAt}`).toBeLessThanOrEqual(MATH_F32X4_BOUNDS.expNegUlps);
  });

  it('is within the bound on a dense sweep of [−87, 0] and on seeded random bit patterns in the domain', () => {
    const n = 1 << 18;
    const dense = new Float32Array(n + 1);
    for (let i = 0; i <= n; i++) dense[i] = Math.fround((EXP_NEG_MIN * i) / n);
    const rnd = randomBits(1 << 16, 13).filter((x) => x >= EXP_NEG_MIN && x <= 88);
    const xs = new Float32Array([...dense, ...rnd]);
    const r = measure(xs, kernels.expNeg(xs), Math.exp, 0);
    if (process.env.MATH_REPORT) console.log('expNeg dense max ulps', r.maxUlps, 'at', r.worstAt);
    expect(r.badEdges).toEqual([]);
    expect(r.maxUlps, `worst at x = ${r.worstAt}`).toBeLessThanOrEqual(MATH_F32X4_BOUNDS.expNegUlps);
  });

  it('gives e^−87 below −87 (absolute error < 2^−125), 1 at ±0, 0 or e^−87 at −∞, NaN at NaN', () => {
    const floor = Math.fround(Math.exp(EXP_NEG_MIN));
    const xs = Float32Array.of(0, -0, NaN, -87.5, -100, -1000, -Infinity, -(2 ** -149), EXP_NEG_MIN);
    const ys = kernels.expNeg(xs);
    expect(ys[0]).toBe(1);
    expect(ys[1]).toBe(1);
    expect(ys[2]).toBeNaN();
    for (const i of [3, 4, 5, 6]) {
      expect(Math.abs(ys[i] - Math.exp(xs[i]))).toBeLessThan(2 ** -125);
      expect(Math.abs(ys[i] - floor) / floor).toBeLessThan(2 ** -23);
    }
    expect(ys[7]).toBe(1);
    expect(Math.abs(ys[8] - Math.exp(EXP_NEG_MIN)) / ulp32(Math.exp(EXP_NEG_MIN))).toBeLessThanOrEqual(
      MATH_F32X4_BOUNDS.expNegUlps,
    );
  });

  it('agrees with expF32x4 within the sum of their bounds on [−87, 0]', () => {
    const xs = randomBits(1 << 14, 17).map((x) => -Math.abs(x) % 87);
    const a = kernels.expNeg(xs);
    const b = kernels.exp(xs);
    const tol = MATH_F32X4_BOUNDS.expNegUlps + MATH_F32X4_BOUNDS.expUlps;
    for (let i = 0; i < xs.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * ulp32(b[i]));
  });
});

describe('expSoftmax (f32x4, scripts/wasm/math.mjs: the exp of the softmax region kernels, x ≤ 0)', () => {
  const { expSoftmaxUlps, expSoftmaxUlpsPerUnit, expSoftmaxAbs } = MATH_F32X4_BOUNDS;
  /** The worst excess of the error (ulps) over the bound expSoftmaxUlps + expSoftmaxUlpsPerUnit·|x|, and the largest absolute error. */
  function check(xs: Float32Array) {
    const ys = kernels.expSoftmax(xs);
    let excess = -Infinity;
    let at = NaN;
    let abs = 0;
    for (let i = 0; i < xs.length; i++) {
      const t = Math.exp(xs[i]);
      const e = Math.abs(ys[i] - t);
      abs = Math.max(abs, e);
      const over = e / ulp32(t) - (expSoftmaxUlps + expSoftmaxUlpsPerUnit * Math.abs(xs[i]));
      if (over > excess) [excess, at] = [over, xs[i]];
    }
    if (process.env.MATH_REPORT)
      console.log('expSoftmax excess over the bound', excess, 'at', at, 'max abs', abs);
    return { excess, at, abs };
  }

  it(`is within ${expSoftmaxUlps} + ${expSoftmaxUlpsPerUnit}·|x| ulp of Math.exp over every binade in [−87, 0]`, () => {
    const { excess, at, abs } = check(binades(1024).filter((x) => x >= -87 && x <= 0));
    expect(excess, `worst at x = ${at}`).toBeLessThanOrEqual(0);
    expect(abs).toBeLessThanOrEqual(expSoftmaxAbs);
  });

  it('is within the bound, and within expSoftmaxAbs absolutely, on a dense sweep of [−87, 0] and random bits', () => {
    const n = 1 << 18;
    const dense = new Float32Array(n + 1);
    for (let i = 0; i <= n; i++) dense[i] = Math.fround((-87 * i) / n);
    const rnd = randomBits(1 << 16, 19).filter((x) => x >= -87 && x <= 0);
    const { excess, at, abs } = check(new Float32Array([...dense, ...rnd]));
    expect(excess, `worst at x = ${at}`).toBeLessThanOrEqual(0);
    expect(abs).toBeLessThanOrEqual(expSoftmaxAbs);
    // The absolute error is that of a softmax's probabilities: about expNeg's (1.06e-7 measured there).
    expect(abs).toBeGreaterThan(2 ** -24);
  });

  it('gives 1 at ±0, NaN at NaN, and 2^−126 below −126·ln 2 and at −∞ (a softmax checks −∞ logits itself)', () => {
    const xs = Float32Array.of(0, -0, NaN, -87.5, -100, -1e30, -3.4e38, -Infinity);
    const ys = kernels.expSoftmax(xs);
    expect([ys[0], ys[1]]).toEqual([1, 1]);
    expect(ys[2]).toBeNaN();
    for (let i = 3; i < xs.length; i++) expect(ys[i]).toBe(2 ** -126);
  });
});

describe('log (f32x4, scripts/wasm/math.mjs)', () => {
  it(`is within ${MATH_F32X4_BOUNDS.logUlps} ulp of Math.log over every positive binade, subnormals included`, () => {
    const xs = binades(2048).filter((x) => x > 0);
    const r = measure(xs, kernels.log(xs), Math.log, 0);
    expect(r.badEdges).toEqual([]);
    expect(r.normal).toBe(xs.length - 1); // x = 1: log 0, checked exactly with the edges
    if (process.env.MATH_REPORT) console.log('log max ulps', r.maxUlps, 'at', r.worstAt);
    expect(r.maxUlps, `worst at x = ${r.worstAt}`).toBeLessThanOrEqual(MATH_F32X4_BOUNDS.logUlps);
  });

  it('is within the bound on a dense sweep of [½, 2] and on seeded random positive bit patterns', () => {
    const n = 1 << 18;
    const dense = new Float32Array(n);
    for (let i = 0; i < n; i++) dense[i] = Math.fround(0.5 + (1.5 * i) / n);
    const xs = new Float32Array([...dense, ...randomBits(1 << 16, 11).map(Math.abs)]);
    const r = measure(xs, kernels.log(xs), Math.log, 0);
    expect(r.badEdges).toEqual([]);
    if (process.env.MATH_REPORT) console.log('log max ulps', r.maxUlps, 'at', r.worstAt);
    expect(r.maxUlps, `worst at x = ${r.worstAt}`).toBeLessThanOrEqual(MATH_F32X4_BOUNDS.logUlps);
  });

  it('gives −∞ at ±0, NaN below 0 and at NaN, +∞ at +∞, and exact values at powers of two', () => {
    const ys = kernels.log(EDGES);
    expect(ys[0]).toBe(-Infinity);
    expect(ys[1]).toBe(-Infinity);
    expect(ys[2]).toBe(Infinity);
    expect(ys[3]).toBeNaN(); // −∞
    expect(ys[4]).toBeNaN();
    expect(ys[5]).toBe(Math.fround(-149 * Math.LN2)); // smallest subnormal
    expect(ys[6]).toBeNaN(); // −2^−149
    expect(ys[7]).toBe(Math.fround(-126 * Math.LN2));
    expect(ys[9]).toBe(Math.fround(Math.log(3.4028234663852886e38)));
    expect(ys[10]).toBe(0);
    expect(ys[11]).toBeNaN();
  });

  it('as a function ($log_f32x4) gives the same bits as the inline statements', () => {
    const xs = new Float32Array([...EDGES, ...randomBits(1 << 14, 5)]);
    expect(kernels.logCall(xs)).toEqual(kernels.log(xs));
  });
});

describe('logPos (f32x4, scripts/wasm/math.mjs: the log of normal positive finite numbers)', () => {
  it(`is within ${MATH_F32X4_BOUNDS.logPosUlps} ulps of Math.log over every normal binade`, () => {
    const xs = binades(2048).filter((x) => x >= 2 ** -126 && x !== 1);
    const r = measure(xs, kernels.logPos(xs), Math.log, 0);
    if (process.env.MATH_REPORT) console.log('logPos binades max ulps', r.maxUlps, 'at', r.worstAt);
    expect(r.badEdges).toEqual([]);
    expect(r.normal).toBe(xs.length);
    expect(r.maxUlps, `worst at x = ${r.worstAt}`).toBeLessThanOrEqual(MATH_F32X4_BOUNDS.logPosUlps);
  });

  it('is within the bound on dense sweeps of [1e−7, 1] and [½, 2], seeded random normal numbers, FLT_MAX', () => {
    const n = 1 << 18;
    const dense = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      dense[i] = Math.fround(1e-7 + ((1 - 1e-7) * i) / n);
      dense[n + i] = Math.fround(0.5 + (1.5 * i) / n);
    }
    const rnd = randomBits(1 << 16, 19)
      .map(Math.abs)
      .filter((x) => x >= 2 ** -126);
    const xs = new Float32Array([...dense, ...rnd, 3.4028234663852886e38, 2 ** -126]).filter((x) => x !== 1);
    const r = measure(xs, kernels.logPos(xs), Math.log, 0);
    if (process.env.MATH_REPORT) console.log('logPos dense max ulps', r.maxUlps, 'at', r.worstAt);
    expect(r.badEdges).toEqual([]);
    expect(r.maxUlps, `worst at x = ${r.worstAt}`).toBeLessThanOrEqual(MATH_F32X4_BOUNDS.logPosUlps);
  });

  it('is exact at 1 and at powers of two up to the rounding of n·ln 2', () => {
    const ys = kernels.logPos(Float32Array.of(1, 2, 0.5, 2 ** -126, 2 ** 100));
    expect(ys[0]).toBe(0);
    for (const [i, e] of [
      [1, 1],
      [2, -1],
      [3, -126],
      [4, 100],
    ]) {
      expect(Math.abs(ys[i] - e * Math.LN2)).toBeLessThanOrEqual(ulp32(e * Math.LN2));
    }
  });
});
