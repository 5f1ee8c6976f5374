/**
 * The stable logistic terms of scripts/wasm/math.mjs (`softplusNegAbsF32x4`: e^−|x|, log(1 + e^−|x|), and from
 * them log σ(x), log σ(−x) and σ(x) as the sigmoid focal kernels form them) against float64 Math.log1p /
 * Math.exp over the float32 range: every binade of |x| densely (both signs), a dense sweep of [−20, 20],
 * seeded random bit patterns and the edge values. Errors in units in the last place of the float32 result;
 * results below 2^−126 (|x| > 87.3) within SOFTPLUS_F32X4_BOUNDS.subnormalAbs.
 */
import { describe, expect, it } from 'vitest';
import { assembleForProject } from '../helpers/relaxedWat.js';
import { SOFTPLUS_F32X4_BOUNDS, mathLocals, softplusNegAbsF32x4 } from '../../scripts/wasm/math.mjs';
import { REGION_SIGMOID_KERNELS_BASE64 } from '../../src/core/kernels/regionSigmoidWasm.bytes.js';
import { instantiateBase64 } from '../../src/core/kernels/wasmModule.js';

const BLOCK = 1 << 16;

/** Runs the snippet over xs; returns l, log σ(x), log σ(−x) and σ(x) as the kernels compute them. */
async function build(): Promise<(xs: Float32Array) => Float32Array[]> {
  const f4 = (v: number) => `(v128.const f32x4 ${v} ${v} ${v} ${v})`;
  const wat = `(module (memory (export "memory") ${(BLOCK * 4 * 5) / 65536})
  (func (export "run") (param $n i32) (local $p i32) (local $end i32)
    (local $x v128) (local $e v128) (local $u v128) (local $l v128) (local $r v128) ${mathLocals('$q_')}
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $d (br_if $d (i32.ge_u (local.get $p) (local.get $end)))
      (loop $k
        (local.set $x (v128.load (local.get $p)))
        ${softplusNegAbsF32x4('$x', '$e', '$u', '$r', '$l', '$q_')}
        (v128.store offset=${BLOCK * 4} (local.get $p) (local.get $l))
        (v128.store offset=${BLOCK * 8} (local.get $p) (f32x4.sub (f32x4.pmin (local.get $x) ${f4(0)}) (local.get $l)))
        (v128.store offset=${BLOCK * 12} (local.get $p) (f32x4.sub (f32x4.neg (f32x4.pmax (local.get $x) ${f4(0)})) (local.get $l)))
        (v128.store offset=${BLOCK * 16} (local.get $p) (v128.bitselect (local.get $r) (f32x4.mul (local.get $e) (local.get $r)) (f32x4.ge (local.get $x) ${f4(0)})))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $k (i32.lt_u (local.get $p) (local.get $end)))))))`;
  const { instance } = await WebAssembly.instantiate(await assembleForProject('sigmoid.wat', wat));
  const ex = instance.exports as { memory: WebAssembly.Memory; run: (n: number) => void };
  const mem = new Float32Array(ex.memory.buffer);
  return (xs) => {
    const outs = [0, 1, 2, 3].map(() => new Float32Array(xs.length));
    for (let o = 0; o < xs.length; o += BLOCK) {
      const k = Math.min(BLOCK, xs.length - o);
      mem.fill(0, 0, BLOCK);
      mem.set(xs.subarray(o, o + k));
      ex.run((k + 3) & ~3);
      for (let j = 0; j < 4; j++) outs[j].set(mem.subarray((j + 1) * BLOCK, (j + 1) * BLOCK + k), o);
    }
    return outs;
  };
}

/** The float64 references of the four results. */
function reference(x: number): number[] {
  const e = Math.exp(-Math.abs(x));
  const l = Math.log1p(e);
  return [l, Math.min(x, 0) - l, -Math.max(x, 0) - l, x >= 0 ? 1 / (1 + e) : e / (1 + e)];
}

/** Error of float32 `got` against the exact `want`, in ulps of float32 at want (absolute below 2^−126: NaN-free). */
function ulps(got: number, want: number): number {
  const a = Math.abs(want);
  if (a < 2 ** -126) return Math.abs(got - want) <= SOFTPLUS_F32X4_BOUNDS.subnormalAbs ? 0 : Infinity;
  const ulp = 2 ** (Math.floor(Math.log2(a)) - 23);
  return Math.abs(got - want) / ulp;
}

const NAMES = ['softplus(−|x|)', 'log σ(x)', 'log σ(−x)', 'σ(x)'];
const BOUND = [
  SOFTPLUS_F32X4_BOUNDS.softplusUlps,
  SOFTPLUS_F32X4_BOUNDS.logSigmoidUlps,
  SOFTPLUS_F32X4_BOUNDS.logSigmoidUlps,
  SOFTPLUS_F32X4_BOUNDS.sigmoidUlps,
];

/** The largest error of each result over xs. */
function worst(run: (xs: Float32Array) => Float32Array[], xs: Float32Array): number[] {
  const outs = run(xs);
  const max = [0, 0, 0, 0];
  for (let i = 0; i < xs.length; i++) {
    const ref = reference(xs[i]);
    for (let j = 0; j < 4; j++) max[j] = Math.max(max[j], ulps(outs[j][i], ref[j]));
  }
  return max;
}

/** Every binade of |x| from 2^−149 to 2^127 with `per` significands each, both signs. */
function binades(per: number): Float32Array {
  const xs: number[] = [];
  for (let e = -149; e <= 127; e++) {
    for (let k = 0; k < per; k++) {
      const v = Math.fround(2 ** e * (1 + k / per));
      if (Number.isFinite(v)) xs.push(v, -v);
    }
  }
  return Float32Array.from(xs);
}

describe('softplusNegAbsF32x4 (scripts/wasm/math.mjs): the logistic terms of the sigmoid focal kernels', () => {
  it(`is within ${BOUND.join(' / ')} ulps (${NAMES.join(', ')}) over every binade of the float32 range`, async () => {
    const run = await build();
    const w = worst(run, binades(512));
    for (let j = 0; j < 4; j++) expect(w[j], NAMES[j]).toBeLessThanOrEqual(BOUND[j]);
  });

  it('is within the bounds on a dense sweep of [−20, 20] and on seeded random bit patterns', async () => {
    const run = await build();
    const dense = Float32Array.from({ length: 1 << 18 }, (_, i) => -20 + (40 * i) / (1 << 18));
    let s = 20261204;
    const bits = new Uint32Array(1 << 16).map(() => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0));
    const random = new Float32Array(bits.buffer).filter((v) => Number.isFinite(v));
    for (const xs of [dense, random]) {
      const w = worst(run, xs);
      for (let j = 0; j < 4; j++) expect(w[j], NAMES[j]).toBeLessThanOrEqual(BOUND[j]);
    }
  });

  it('gives the exact values at the edges: 0, ±∞ (l = 0), NaN, and e = 0 past the underflow of e^−|x|', async () => {
    const run = await build();
    const xs = Float32Array.of(0, -0, Infinity, -Infinity, NaN, 104, -104, 1e30, -1e30);
    const [l, lsp, lsn, sp] = run(xs);
    expect(l[0]).toBe(Math.fround(Math.LN2));
    expect(sp[0]).toBe(0.5);
    expect(lsp[0]).toBe(-Math.fround(Math.LN2));
    for (const i of [2, 3, 5, 6, 7, 8]) expect(l[i]).toBe(0);
    expect(sp[2]).toBe(1);
    expect(sp[3]).toBe(0);
    expect(lsp[5]).toBe(0);
    expect(lsn[5]).toBe(-104);
    expect(lsp[6]).toBe(-104);
    expect(Number.isNaN(l[4]) && Number.isNaN(lsp[4]) && Number.isNaN(sp[4])).toBe(true);
  });
});

describe('sigmoidF32x4 (scripts/wasm/math.mjs) in the region sigmoid module: σ(x) and the bad-logit flag', () => {
  /** Runs the module's `sigmoid(x, o, n)` over xs (blocks of its scratch); returns σ and whether any flag was set. */
  function sigmoidOf(xs: Float32Array): { p: Float32Array; flagged: boolean } {
    const ex = instantiateBase64(REGION_SIGMOID_KERNELS_BASE64)!;
    const sigmoid = ex.sigmoid as (x: number, o: number, n: number) => number;
    const N = 16384;
    const at = 2048;
    const x = new Float32Array(ex.memory.buffer, at, N);
    const o = new Float32Array(ex.memory.buffer, at + 4 * N, N);
    const p = new Float32Array(xs.length);
    let flagged = false;
    for (let s = 0; s < xs.length; s += N) {
      const k = Math.min(N, xs.length - s);
      x.fill(0);
      x.set(xs.subarray(s, s + k));
      flagged = sigmoid(at, at + 4 * N, (k + 3) & ~3) !== 0 || flagged;
      p.set(o.subarray(0, k), s);
    }
    return { p, flagged };
  }

  it(`is within ${SOFTPLUS_F32X4_BOUNDS.sigmoidUlps} ulps of σ over every binade, a dense sweep of [−20, 20] and at the edges`, () => {
    const dense = Float32Array.from({ length: 1 << 18 }, (_, i) => -20 + (40 * i) / (1 << 18));
    let worstUlps = 0;
    for (const xs of [binades(512), dense]) {
      const { p, flagged } = sigmoidOf(xs);
      expect(flagged).toBe(false);
      for (let i = 0; i < xs.length; i++) worstUlps = Math.max(worstUlps, ulps(p[i], reference(xs[i])[3]));
    }
    expect(worstUlps).toBeLessThanOrEqual(SOFTPLUS_F32X4_BOUNDS.sigmoidUlps);
    const edges = sigmoidOf(Float32Array.of(0, -0, 104, -104, 1e30, -1e30, 3.4e38, -3.4e38));
    expect(Array.from(edges.p)).toEqual([0.5, 0.5, 1, 0, 1, 0, 1, 0]);
    expect(edges.flagged).toBe(false);
  });

  it('flags NaN and ±∞ (σ gives NaN, 1 and 0 there)', () => {
    for (const v of [NaN, Infinity, -Infinity]) {
      const xs = new Float32Array(4096).fill(0.5);
      xs[1234] = v;
      const { p, flagged } = sigmoidOf(xs);
      expect(flagged).toBe(true);
      if (Number.isNaN(v)) expect(Number.isNaN(p[1234])).toBe(true);
      else expect(p[1234]).toBe(v > 0 ? 1 : 0);
    }
  });
});
