#!/usr/bin/env node
// Generates the WebAssembly SIMD kernels of the region losses (src/core/kernels/regionWasm.bytes.ts) from the
// WebAssembly text below, assembled with wabt. Run `npm run build:wasm` after changing this file; a test
// checks that the committed bytes match.
//
// Two kernels per V = 1…3, the number of 4-lane vectors in one period of the channel pattern (lcm(C, 4) / 4
// for C interleaved channels: V = 1 for C ∈ {1, 2, 4}, 2 for C = 8, 3 for C ∈ {3, 6, 12}):
//   sumsV(x, y, n, mp)  ACC += per lane position k of the period: Σ x·y, Σ x, Σ y (float64, promoted from
//                       float32); RANGE: the largest bit pattern of y (unsigned); writes one byte per vector
//                       of x, the lanes exactly 1.0, at mp…; returns 1 when every x is exactly 1.0 or +0.0
//                       (bit patterns), as one-hot targets are
//   affineV(g, o, n)    o = float32(a_k·g + b_k), with a_k, b_k float64 per lane position (COEF), as JS does
//   selectV(mp, o, n)   the same o for a gt recorded by sumsV as all 1.0 / +0.0, from its masks alone: the
//                       precomputed fround(a_k + b_k) or fround(a_k·0 + b_k), the same bits without reading gt
// and scale(a, o, n, v): o = a·v in float32, the masked losses' products by one mask value.
// n (elements) is a multiple of 4·V; x, y, g, o are byte offsets into the module's own memory.
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binaryBytesModule, binaryKernelsWat, buildBinaryKernels } from './wasm/binary.mjs';
import {
  buildElementwiseKernels,
  elementwiseBytesModule,
  elementwiseKernelsWat,
} from './wasm/elementwise.mjs';
import { assembleWat, base64Module } from './wasm/assemble.mjs';
import { relaxedBytesModule, relaxWat } from './wasm/relaxed.mjs';
import { MAX_C as SOFTMAX_MAX_C, softmaxRegionWat } from './wasm/softmaxRegion.mjs';
import { mathLocals, sigmoidF32x4 } from './wasm/math.mjs';

/** Byte offsets of the memory layout, shared with src/core/kernels/regionWasm.ts. */
export const LAYOUT = {
  /** Float64 accumulators: Σxy at ACC + 8k, Σx at ACC + 128 + 8k, Σy at ACC + 256 + 8k (k < 16). */
  ACC: 0,
  /** u32 lanes: the running maximum of y's (pr's) bit patterns (JS resets them per run). */
  RANGE: 384,
  /**
   * Float64 coefficients a at COEF + 8k and b at COEF + 128 + 8k, and the float32 gradients for gt exactly
   * 1 and exactly +0, fround(a·1 + b) at COEF + 256 + 4k and fround(a·0 + b) at COEF + 320 + 4k (k < 16).
   */
  COEF: 512,
  /** 16 v128 lane masks, entry b (at TABLE + 16b) has lane i all ones when bit i of b is set (filled by JS). */
  TABLE: 1024,
  /** Three float32 scratch blocks of SCRATCH elements each, from SCRATCH_AT. */
  SCRATCH_AT: 2048,
  SCRATCH: 16384,
  /** One byte per 4-lane vector of gt, from MASKS on (the memory grows to hold them). */
  MASKS: 2048 + 3 * 4 * 16384,
  PAGES: 4,
};

/** Widest period: V = 4 (C = 16) would take the module past the 4 KiB that browsers compile synchronously. */
export const MAX_V = 3;

const HIGH_TO_LOW = 'i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7';
const JOIN_LOW_HALVES = 'i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23';

/**
 * The statements adding the float64 accumulator locals $<s><q>l and $<s><q>h (lanes 0–1, 2–3 of vector q < V) of
 * each `[s, base]` of `accs` to memory at base + 32q (+ 16), in that order.
 */
function flushAccumulators(V, accs) {
  const flush = [];
  for (let q = 0; q < V; q++) {
    for (const [s, base] of accs) {
      for (const [half, d] of [
        ['l', 0],
        ['h', 16],
      ]) {
        const off = base + 32 * q + d;
        flush.push(
          `(v128.store offset=${off} (i32.const 0) (f64x2.add (v128.load offset=${off} (i32.const 0)) (local.get $${s}${q}${half})))`,
        );
      }
    }
  }
  return flush;
}

function sums(V) {
  const locals = [];
  const body = [];
  for (let q = 0; q < V; q++) {
    for (const s of ['t', 'x', 'y']) locals.push(`(local $${s}${q}l v128) (local $${s}${q}h v128)`);
    const off = 16 * q;
    body.push(
      `(local.set $va (v128.load offset=${off} (local.get $x)))`,
      `(local.set $vb (v128.load offset=${off} (local.get $y)))`,
      // Which lanes of gt are exactly 1.0, and whether every lane so far is exactly 1.0 or +0.0.
      `(local.set $m (i32x4.eq (local.get $va) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)))`,
      `(local.set $ok (v128.and (local.get $ok) (v128.or (local.get $m) (i32x4.eq (local.get $va) (v128.const i64x2 0 0)))))`,
      `(i32.store8 offset=${q} (local.get $mp) (i32x4.bitmask (local.get $m)))`,
      `(local.set $al (f64x2.promote_low_f32x4 (local.get $va)))`,
      `(local.set $ah (f64x2.promote_low_f32x4 (${HIGH_TO_LOW} (local.get $va) (local.get $va))))`,
      `(local.set $bl (f64x2.promote_low_f32x4 (local.get $vb)))`,
      `(local.set $bh (f64x2.promote_low_f32x4 (${HIGH_TO_LOW} (local.get $vb) (local.get $vb))))`,
      `(local.set $t${q}l (f64x2.add (local.get $t${q}l) (f64x2.mul (local.get $al) (local.get $bl))))`,
      `(local.set $t${q}h (f64x2.add (local.get $t${q}h) (f64x2.mul (local.get $ah) (local.get $bh))))`,
      `(local.set $x${q}l (f64x2.add (local.get $x${q}l) (local.get $al)))`,
      `(local.set $x${q}h (f64x2.add (local.get $x${q}h) (local.get $ah)))`,
      `(local.set $y${q}l (f64x2.add (local.get $y${q}l) (local.get $bl)))`,
      `(local.set $y${q}h (f64x2.add (local.get $y${q}h) (local.get $bh)))`,
      // For the [0, 1] check of probabilities: the largest bit pattern of y as unsigned. A float32 is in
      // [+0, 1] exactly when its bits are ≤ 0x3f800000; negatives, NaN and ±Inf are larger. One instruction.
      `(local.set $hi (i32x4.max_u (local.get $hi) (local.get $vb)))`,
    );
  }
  const flush = flushAccumulators(V, [
    ['t', LAYOUT.ACC],
    ['x', LAYOUT.ACC + 128],
    ['y', LAYOUT.ACC + 256],
  ]);
  return `
  (func (export "sums${V}") (param $x i32) (param $y i32) (param $n i32) (param $mp i32) (result i32)
    (local $end i32) (local $va v128) (local $vb v128) (local $al v128) (local $ah v128) (local $bl v128) (local $bh v128)
    (local $m v128) (local $ok v128) (local $hi v128)
    ${locals.join(' ')}
    (local.set $ok (i32x4.splat (i32.const -1)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $next
        ${body.join('\n        ')}
        (local.set $x (i32.add (local.get $x) (i32.const ${16 * V})))
        (local.set $y (i32.add (local.get $y) (i32.const ${16 * V})))
        (local.set $mp (i32.add (local.get $mp) (i32.const ${V})))
        (br_if $next (i32.lt_u (local.get $x) (local.get $end)))))
    ${flush.join('\n    ')}
    (v128.store offset=${LAYOUT.RANGE} (i32.const 0) (i32x4.max_u (v128.load offset=${LAYOUT.RANGE} (i32.const 0)) (local.get $hi)))
    (i32x4.all_true (local.get $ok)))`;
}

/**
 * The float64 coefficient locals $a{q}l, $a{q}h, $b{q}l, $b{q}h of vectors q < V (lanes 0–1 and 2–3 of each)
 * and the statements loading them from COEF: `{ locals, init }` (text).
 */
function coefLocals(V) {
  const locals = [];
  const init = [];
  for (let q = 0; q < V; q++) {
    locals.push(`(local $a${q}l v128) (local $a${q}h v128) (local $b${q}l v128) (local $b${q}h v128)`);
    init.push(
      `(local.set $a${q}l (v128.load offset=${LAYOUT.COEF + 32 * q} (i32.const 0)))`,
      `(local.set $a${q}h (v128.load offset=${LAYOUT.COEF + 32 * q + 16} (i32.const 0)))`,
      `(local.set $b${q}l (v128.load offset=${LAYOUT.COEF + 128 + 32 * q} (i32.const 0)))`,
      `(local.set $b${q}h (v128.load offset=${LAYOUT.COEF + 128 + 32 * q + 16} (i32.const 0)))`,
    );
  }
  return { locals: locals.join(' '), init: init.join('\n    ') };
}

/**
 * The loop of a streaming kernel over n floats (a multiple of 4·V): `body` (text) runs while the first of
 * `pointers` (i32 params, byte offsets) is below its end; each pointer moves by 16·V bytes per iteration.
 */
function streamLoop(pointers, V, body) {
  const [first] = pointers;
  const step = pointers.map((p) => `(local.set ${p} (i32.add (local.get ${p}) (i32.const ${16 * V})))`);
  return `(local.set $end (i32.add (local.get ${first}) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get ${first}) (local.get $end)))
      (loop $next
        ${body.join('\n        ')}
        ${step.join('\n        ')}
        (br_if $next (i32.lt_u (local.get ${first}) (local.get $end)))))`;
}

function affine(V) {
  const { locals, init } = coefLocals(V);
  const body = [];
  for (let q = 0; q < V; q++) {
    const off = 16 * q;
    body.push(
      `(local.set $v (v128.load offset=${off} (local.get $g)))`,
      `(v128.store offset=${off} (local.get $o) (${JOIN_LOW_HALVES}` +
        ` (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v)) (local.get $a${q}l)) (local.get $b${q}l)))` +
        ` (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.promote_low_f32x4 (${HIGH_TO_LOW} (local.get $v) (local.get $v))) (local.get $a${q}h)) (local.get $b${q}h)))))`,
    );
  }
  return `
  (func (export "affine${V}") (param $g i32) (param $o i32) (param $n i32)
    (local $end i32) (local $v v128)
    ${locals}
    ${init}
    ${streamLoop(['$g', '$o'], V, body)})`;
}

function select(V) {
  const locals = [];
  const init = [];
  const body = [];
  for (let q = 0; q < V; q++) {
    locals.push(`(local $hi${q} v128) (local $lo${q} v128)`);
    init.push(
      `(local.set $hi${q} (v128.load offset=${LAYOUT.COEF + 256 + 16 * q} (i32.const 0)))`,
      `(local.set $lo${q} (v128.load offset=${LAYOUT.COEF + 320 + 16 * q} (i32.const 0)))`,
    );
    body.push(
      `(v128.store offset=${16 * q} (local.get $o) (v128.bitselect (local.get $hi${q}) (local.get $lo${q})` +
        ` (v128.load offset=${LAYOUT.TABLE} (i32.shl (i32.load8_u offset=${q} (local.get $mp)) (i32.const 4)))))`,
    );
  }
  return `
  (func (export "select${V}") (param $mp i32) (param $o i32) (param $n i32)
    (local $end i32)
    ${locals.join(' ')}
    ${init.join('\n    ')}
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (loop $next
        ${body.join('\n        ')}
        (local.set $mp (i32.add (local.get $mp) (i32.const ${V})))
        (local.set $o (i32.add (local.get $o) (i32.const ${16 * V})))
        (br_if $next (i32.lt_u (local.get $o) (local.get $end))))))`;
}

/** The module's WebAssembly text. */
/**
 * scale(a, o, n, v): o[i] = a[i]·v for n float32 (n % 4 = 0), v a float32 splat into four lanes; a = o scales in
 * place. The masked losses' products by a run of one mask value (family/masked.ts): one float32 rounding, the
 * bits of JS's fround(a·v) for a float32 v (the float64 product of two float32 values is exact).
 */
function scale() {
  return `
  (func (export "scale") (param $a i32) (param $o i32) (param $n i32) (param $v f32)
    (local $end i32) (local $s v128)
    (local.set $s (f32x4.splat (local.get $v)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (loop $next
        (v128.store (local.get $o) (f32x4.mul (v128.load (local.get $a)) (local.get $s)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $a) (local.get $end))))))`;
}

export function regionKernelsWat() {
  const funcs = [];
  for (let V = 1; V <= MAX_V; V++) funcs.push(sums(V), affine(V), select(V));
  funcs.push(scale());
  return `(module
  (memory (export "memory") ${LAYOUT.PAGES})${funcs.join('')})\n`;
}

/**
 * The sigmoid kernels of the same stage (region losses from logits with a sigmoid), a module of their own so
 * that the region module stays under the 4 KiB a browser main thread compiles synchronously. Same LAYOUT:
 *   sigmoid(x, o, n) → bad   o = σ(x) (sigmoidF32x4 of ./wasm/math.mjs) over n floats (a multiple of 4; o may
 *                            be x); returns 1 when some x is NaN or ±∞ (a NaN-sticky Σ (x − x)), else 0
 *   sumsV(x, y, n, mp)       the region module's sums, the same text (x = gt, y = σ of the logits)
 *   sgradV(g, p, o, n)       o = float32((a_k·g + b_k)·(p·(1 − p))) in float64 with a_k, b_k at COEF (the
 *                            affine kernel's coefficients), p = σ(x) as float32: ∂L/∂x through the sigmoid
 */
function sigmoidKernel() {
  return `
  (func (export "sigmoid") (param $x i32) (param $o i32) (param $n i32) (result i32)
    (local $end i32) (local $v v128) (local $e v128) (local $bad v128) ${mathLocals('$m_')}
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $next
        (local.set $v (v128.load (local.get $x)))
        (local.set $bad (f32x4.add (local.get $bad) (f32x4.sub (local.get $v) (local.get $v))))
        ${sigmoidF32x4('$v', '$v', '$e', '$m_')}
        (v128.store (local.get $o) (local.get $v))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $x) (local.get $end)))))
    (v128.any_true (f32x4.ne (local.get $bad) (local.get $bad))))`;
}

/** p·(1 − p) of float64 lanes `p` (text): σ's derivative from σ. */
const sigmoidSlope = (p) => `(f64x2.mul ${p} (f64x2.sub (v128.const f64x2 1 1) ${p}))`;

/**
 * A gradient kernel `name(g, p, o, n)` over float32 g and p: o = float32(`formula`), the formula (text) in
 * float64 of the promoted lanes g and p and the coefficient locals a, b of the lane positions (COEF).
 */
function gradKernel(name, V, formula) {
  const { locals, init } = coefLocals(V);
  const body = [];
  for (let q = 0; q < V; q++) {
    const off = 16 * q;
    const half = (g, p, h) =>
      `(f32x4.demote_f64x2_zero ${formula(g, p, `(local.get $a${q}${h})`, `(local.get $b${q}${h})`)})`;
    body.push(
      `(local.set $v (v128.load offset=${off} (local.get $g)))`,
      `(local.set $w (v128.load offset=${off} (local.get $p)))`,
      `(local.set $pl (f64x2.promote_low_f32x4 (local.get $w)))`,
      `(local.set $ph (f64x2.promote_low_f32x4 (${HIGH_TO_LOW} (local.get $w) (local.get $w))))`,
      `(v128.store offset=${off} (local.get $o) (${JOIN_LOW_HALVES}` +
        ` ${half('(f64x2.promote_low_f32x4 (local.get $v))', '(local.get $pl)', 'l')}` +
        ` ${half(`(f64x2.promote_low_f32x4 (${HIGH_TO_LOW} (local.get $v) (local.get $v)))`, '(local.get $ph)', 'h')}))`,
    );
  }
  return `
  (func (export "${name}${V}") (param $g i32) (param $p i32) (param $o i32) (param $n i32)
    (local $end i32) (local $v v128) (local $w v128) (local $pl v128) (local $ph v128)
    ${locals}
    ${init}
    ${streamLoop(['$g', '$p', '$o'], V, body)})`;
}

/** sgradV: (a·g + b)·(p·(1 − p)). */
function sigmoidGrad(V) {
  return gradKernel(
    'sgrad',
    V,
    (g, p, a, b) => `(f64x2.mul (f64x2.add (f64x2.mul ${g} ${a}) ${b}) ${sigmoidSlope(p)})`,
  );
}

/**
 * Periods of the sigmoid module: V = 1 (C ∈ {1, 2, 4} channels-last, every channels-first plane) and 3 (C ∈ {3,
 * 6, 12}); with V = 2 (C = 8 channels-last, which runs the JS kernels) the module would pass 4 KiB.
 */
export const SIGMOID_V = [1, 3];

/** The sigmoid module's WebAssembly text. */
export function regionSigmoidKernelsWat() {
  const funcs = [sigmoidKernel()];
  for (const V of SIGMOID_V) funcs.push(sums(V), sigmoidGrad(V));
  return `(module
  (memory (export "memory") ${LAYOUT.PAGES})${funcs.join('')})\n`;
}

/**
 * The squared (V-Net) counting form of the same stage: sums of squares in pass 1 and ∂L/∂p = a·g + b·p in pass
 * 2 (b = 2·∂L/∂fp, from JS), from probabilities or through σ. A module of its own (each stays under 4 KiB), the
 * same LAYOUT plus SQ_G:
 *   sigmoid(x, o, n) → bad   the sigmoid module's kernel, the same text
 *   qsumsV(x, y, n)          ACC += per lane position k: Σ x·y at ACC, Σ x² at ACC + 128, Σ y² at ACC + 256, and
 *                            Σ x at SQ_G (float64, x = gt, y = p); RANGE: the largest bit pattern of y (unsigned)
 *   qgradV(g, p, o, n)       o = float32(a_k·g + b_k·p) in float64 (a, b at COEF): ∂L/∂p
 *   qsgradV(g, p, o, n)      o = float32((a_k·g + b_k·p)·(p·(1 − p))): ∂L/∂x through the sigmoid
 */
export const SQ_G = 1280;

/**
 * The statements adding vector q's terms to the float64 accumulators of `accs` ([name, base, term(a, b)]): $va
 * and $vb (float32 x and y) promoted to the lane pairs $al, $ah, $bl, $bh, then $<name>{q}{l,h} += term.
 */
function accumulate(q, accs) {
  const body = [
    `(local.set $al (f64x2.promote_low_f32x4 (local.get $va)))`,
    `(local.set $ah (f64x2.promote_low_f32x4 (${HIGH_TO_LOW} (local.get $va) (local.get $va))))`,
    `(local.set $bl (f64x2.promote_low_f32x4 (local.get $vb)))`,
    `(local.set $bh (f64x2.promote_low_f32x4 (${HIGH_TO_LOW} (local.get $vb) (local.get $vb))))`,
  ];
  for (const [s, , term] of accs)
    for (const h of ['l', 'h'])
      body.push(
        `(local.set $${s}${q}${h} (f64x2.add (local.get $${s}${q}${h}) ${term(`(local.get $a${h})`, `(local.get $b${h})`)}))`,
      );
  return body;
}

function squaredSums(V) {
  const locals = [];
  const body = [];
  const accs = [
    ['t', LAYOUT.ACC, (a, b) => `(f64x2.mul ${a} ${b})`],
    ['x', LAYOUT.ACC + 128, (a) => `(f64x2.mul ${a} ${a})`],
    ['y', LAYOUT.ACC + 256, (a, b) => `(f64x2.mul ${b} ${b})`],
    ['g', SQ_G, (a) => a],
  ];
  for (let q = 0; q < V; q++) {
    for (const [s] of accs) locals.push(`(local $${s}${q}l v128) (local $${s}${q}h v128)`);
    const off = 16 * q;
    body.push(
      `(local.set $va (v128.load offset=${off} (local.get $x)))`,
      `(local.set $vb (v128.load offset=${off} (local.get $y)))`,
      `(local.set $hi (i32x4.max_u (local.get $hi) (local.get $vb)))`,
      ...accumulate(q, accs),
    );
  }
  const flush = flushAccumulators(V, accs);
  return `
  (func (export "qsums${V}") (param $x i32) (param $y i32) (param $n i32)
    (local $end i32) (local $va v128) (local $vb v128) (local $al v128) (local $ah v128) (local $bl v128) (local $bh v128)
    (local $hi v128)
    ${locals.join(' ')}
    ${streamLoop(['$x', '$y'], V, body)}
    ${flush.join('\n    ')}
    (v128.store offset=${LAYOUT.RANGE} (i32.const 0) (i32x4.max_u (v128.load offset=${LAYOUT.RANGE} (i32.const 0)) (local.get $hi))))`;
}

/** qgradV (`sigmoid` false: a·g + b·p) or qsgradV (true: (a·g + b·p)·(p·(1 − p))). */
function squaredGrad(V, sigmoid) {
  return gradKernel(sigmoid ? 'qsgrad' : 'qgrad', V, (g, p, a, b) => {
    const d = `(f64x2.add (f64x2.mul ${g} ${a}) (f64x2.mul ${p} ${b}))`;
    return sigmoid ? `(f64x2.mul ${d} ${sigmoidSlope(p)})` : d;
  });
}

/** Periods of the squared module (as the sigmoid module's). */
export const SQUARED_V = [1, 3];

/** The squared module's WebAssembly text. */
export function regionSquaredKernelsWat() {
  const funcs = [sigmoidKernel()];
  for (const V of SQUARED_V) funcs.push(squaredSums(V), squaredGrad(V, false), squaredGrad(V, true));
  return `(module
  (memory (export "memory") ${LAYOUT.PAGES})${funcs.join('')})\n`;
}

/**
 * The per-image fused form of the dense stage from sigmoid logits, plain form (family/denseFused.ts), period V = 1 only (every channels-first
 * plane; C ∈ {1, 2, 4} channels-last): a module of its own (under 4 KiB), the same LAYOUT plus FUSED_SEL.
 * Pass 1 keeps p where the driver says (the image's place in this module's memory) and one byte of masks per four
 * targets (the lanes exactly 1.0); pass 2 builds the gradient of a block whose targets are all exactly 1.0 or
 * +0.0 from those masks instead of reading the targets again:
 *   sigmoid(x, o, n) → bad             the sigmoid module's kernel, the same text (o: where p is held)
 *   fsums(g, p, n, mp) → soft          ACC += Σ g·p, Σ g, Σ p (the region module's sums, the same order); masks at
 *                                      mp; returns 1 when some g is not exactly 1.0 or +0.0
 *   mgrad(mp, p, o, n)                 from the masks: o = float32(s·p(1 − p)) with s = e1 or e0 (FUSED_SEL:
 *                                      float64 a·1 + b and a·0 + b of each lane): the g-reading kernel's bits for
 *                                      g exactly 1.0 or +0.0
 *   sgrad1                             the sigmoid module's gradient kernel (the same text), for blocks with
 *                                      other targets
 * (The squared form fused measured 0.94–0.98× the speed of its passes apart, so it runs them apart: no kernels.)
 */
export const FUSED_SEL = LAYOUT.COEF + 256;

/** The masks and the exact-targets test of sums(V) on $va (g): the same statements. */
const fusedMasks = [
  `(local.set $m (i32x4.eq (local.get $va) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)))`,
  `(local.set $ok (v128.and (local.get $ok) (v128.or (local.get $m) (i32x4.eq (local.get $va) (v128.const i64x2 0 0)))))`,
  `(i32.store8 (local.get $mp) (i32x4.bitmask (local.get $m)))`,
];

/**
 * A pass-1 kernel of the fused form, `name(g, p, n, mp) → 1 when some g is not exactly 1.0 or +0.0`: the sums
 * `accs` of g and p (already where the driver holds it; σ is the separate `sigmoid` kernel: fused into one loop,
 * the two need more vector registers than x86 has and ran slower), the masks at mp, RANGE as qsums.
 */
function fusedSums(name, accs) {
  const locals = accs.map(([s]) => `(local $${s}0l v128) (local $${s}0h v128)`).join(' ');
  const body = [
    `(local.set $va (v128.load (local.get $g)))`,
    `(local.set $vb (v128.load (local.get $p)))`,
    ...fusedMasks,
    `(local.set $hi (i32x4.max_u (local.get $hi) (local.get $vb)))`,
    ...accumulate(0, accs),
    `(local.set $mp (i32.add (local.get $mp) (i32.const 1)))`,
  ];
  return `
  (func (export "${name}") (param $g i32) (param $p i32) (param $n i32) (param $mp i32) (result i32)
    (local $end i32) (local $va v128) (local $vb v128) (local $al v128) (local $ah v128) (local $bl v128)
    (local $bh v128) (local $m v128) (local $ok v128) (local $hi v128)
    ${locals}
    (local.set $ok (i32x4.splat (i32.const -1)))
    ${streamLoop(['$g', '$p'], 1, body)}
    ${flushAccumulators(1, accs).join('\n    ')}
    (v128.store offset=${LAYOUT.RANGE} (i32.const 0) (i32x4.max_u (v128.load offset=${LAYOUT.RANGE} (i32.const 0)) (local.get $hi)))
    (i32.eqz (i32x4.all_true (local.get $ok))))`;
}

/** A pass-2 kernel of the fused form from the masks: `formula(t, p, b)` of the selected float64 t per lane. */
function fusedMaskGrad(name, formula) {
  const half = (h, p) =>
    `(f32x4.demote_f64x2_zero ${formula(
      `(v128.bitselect (local.get $t1${h}) (local.get $t0${h}) (i64x2.extend_${h === 'l' ? 'low' : 'high'}_i32x4_s (local.get $m)))`,
      p,
      `(local.get $b0${h})`,
    )})`;
  return `
  (func (export "${name}") (param $mp i32) (param $p i32) (param $o i32) (param $n i32)
    (local $end i32) (local $w v128) (local $m v128) (local $pl v128) (local $ph v128)
    (local $t1l v128) (local $t1h v128) (local $t0l v128) (local $t0h v128) (local $b0l v128) (local $b0h v128)
    (local.set $t1l (v128.load offset=${FUSED_SEL} (i32.const 0)))
    (local.set $t1h (v128.load offset=${FUSED_SEL + 16} (i32.const 0)))
    (local.set $t0l (v128.load offset=${FUSED_SEL + 32} (i32.const 0)))
    (local.set $t0h (v128.load offset=${FUSED_SEL + 48} (i32.const 0)))
    (local.set $b0l (v128.load offset=${LAYOUT.COEF + 128} (i32.const 0)))
    (local.set $b0h (v128.load offset=${LAYOUT.COEF + 144} (i32.const 0)))
    ${streamLoop(['$p', '$o'], 1, [
      `(local.set $m (v128.load offset=${LAYOUT.TABLE} (i32.shl (i32.load8_u (local.get $mp)) (i32.const 4))))`,
      `(local.set $w (v128.load (local.get $p)))`,
      `(local.set $pl (f64x2.promote_low_f32x4 (local.get $w)))`,
      `(local.set $ph (f64x2.promote_low_f32x4 (${HIGH_TO_LOW} (local.get $w) (local.get $w))))`,
      `(v128.store (local.get $o) (${JOIN_LOW_HALVES} ${half('l', '(local.get $pl)')} ${half('h', '(local.get $ph)')}))`,
      `(local.set $mp (i32.add (local.get $mp) (i32.const 1)))`,
    ])})`;
}

/** The fused module's WebAssembly text. */
export function regionFusedKernelsWat() {
  const plain = [
    ['t', LAYOUT.ACC, (a, b) => `(f64x2.mul ${a} ${b})`],
    ['x', LAYOUT.ACC + 128, (a) => a],
    ['y', LAYOUT.ACC + 256, (a, b) => b],
  ];
  const funcs = [
    sigmoidKernel(),
    fusedSums('fsums', plain),
    fusedMaskGrad('mgrad', (t, p) => `(f64x2.mul ${t} ${sigmoidSlope(p)})`),
    sigmoidGrad(1),
  ];
  return `(module
  (memory (export "memory") ${LAYOUT.PAGES})${funcs.join('')})\n`;
}

/** Assembles the fused module with wabt; returns its bytes. */
export function buildRegionFusedKernels() {
  return assembleWat('regionFused.wat', regionFusedKernelsWat());
}

/** The generated TypeScript module holding the fused module's bytes as base64. */
export function fusedBytesModule(bytes) {
  return base64Module(
    HEADER,
    `The WebAssembly SIMD kernels of the region losses' per-image fused form (${bytes.length} bytes), as base64.`,
    'REGION_FUSED_KERNELS_BASE64',
    bytes,
  );
}

export const FUSED_OUTPUT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../src/core/kernels/regionFusedWasm.bytes.ts',
);

/**
 * Pass 2 of the squared form through a softmax, channels-first, for any C ≤ 16 (a module of its own; the softmax
 * region modules are per C and have no squared form):
 *   sgrad(p, g, o, n, C, pb)   per pixel of n (a multiple of 4) in C planes pb bytes apart: o_c = float32(p_c·(d_c
 *                              − Σ_k p_k·d_k)) with d_c = a_c·g_c + b_c·p_c in float64 (a_c at COEF + 8c, b_c at
 *                              COEF + 128 + 8c), the sum over k in channel order: kernels/squaredStats.ts's
 *                              softmaxSquaredGrad, the same operations
 */
export const SOFTMAX_SQUARED_MAX_C = 16;

function softmaxSquaredKernel() {
  // d of the low (l) and high (h) lane pairs of channel c at byte offset $off, coefficients at $co.
  const load = [
    `(local.set $w (v128.load (i32.add (local.get $p) (local.get $off))))`,
    `(local.set $v (v128.load (i32.add (local.get $g) (local.get $off))))`,
    `(local.set $a (f64x2.splat (f64.load offset=${LAYOUT.COEF} (local.get $co))))`,
    `(local.set $b (f64x2.splat (f64.load offset=${LAYOUT.COEF + 128} (local.get $co))))`,
    `(local.set $pl (f64x2.promote_low_f32x4 (local.get $w)))`,
    `(local.set $ph (f64x2.promote_low_f32x4 (${HIGH_TO_LOW} (local.get $w) (local.get $w))))`,
    `(local.set $dl (f64x2.add (f64x2.mul (local.get $a) (f64x2.promote_low_f32x4 (local.get $v))) (f64x2.mul (local.get $b) (local.get $pl))))`,
    `(local.set $dh (f64x2.add (f64x2.mul (local.get $a) (f64x2.promote_low_f32x4 (${HIGH_TO_LOW} (local.get $v) (local.get $v)))) (f64x2.mul (local.get $b) (local.get $ph))))`,
  ];
  const channelLoop = (label, body) => `(local.set $off (i32.const 0))
        (local.set $co (i32.const 0))
        (loop ${label}
          ${[...load, ...body].join('\n          ')}
          (local.set $off (i32.add (local.get $off) (local.get $pb)))
          (local.set $co (i32.add (local.get $co) (i32.const 8)))
          (br_if ${label} (i32.lt_u (local.get $co) (local.get $ce))))`;
  const sum = [
    `(local.set $sl (f64x2.add (local.get $sl) (f64x2.mul (local.get $pl) (local.get $dl))))`,
    `(local.set $sh (f64x2.add (local.get $sh) (f64x2.mul (local.get $ph) (local.get $dh))))`,
  ];
  const write = [
    `(v128.store (i32.add (local.get $o) (local.get $off)) (${JOIN_LOW_HALVES}` +
      ` (f32x4.demote_f64x2_zero (f64x2.mul (local.get $pl) (f64x2.sub (local.get $dl) (local.get $sl))))` +
      ` (f32x4.demote_f64x2_zero (f64x2.mul (local.get $ph) (f64x2.sub (local.get $dh) (local.get $sh))))))`,
  ];
  return `
  (func (export "sgrad") (param $p i32) (param $g i32) (param $o i32) (param $n i32) (param $C i32) (param $pb i32)
    (local $end i32) (local $off i32) (local $co i32) (local $ce i32) (local $w v128) (local $v v128) (local $a v128)
    (local $b v128) (local $pl v128) (local $ph v128) (local $dl v128) (local $dh v128) (local $sl v128) (local $sh v128)
    (local.set $ce (i32.shl (local.get $C) (i32.const 3)))
    ${streamLoop(['$p', '$g', '$o'], 1, [
      `(local.set $sl (v128.const i64x2 0 0))`,
      `(local.set $sh (v128.const i64x2 0 0))`,
      channelLoop('$sum', sum),
      channelLoop('$grad', write),
    ])})`;
}

/** The softmax squared module's WebAssembly text. */
export function softmaxSquaredKernelsWat() {
  return `(module
  (memory (export "memory") ${LAYOUT.PAGES})${softmaxSquaredKernel()})\n`;
}

/** Assembles the softmax squared module with wabt; returns its bytes. */
export function buildSoftmaxSquaredKernels() {
  return assembleWat('softmaxSquared.wat', softmaxSquaredKernelsWat());
}

/** The generated TypeScript module holding the softmax squared module's bytes as base64. */
export function softmaxSquaredBytesModule(bytes) {
  return base64Module(
    HEADER,
    `The WebAssembly SIMD kernel of the squared region losses' pass 2 through a softmax (${bytes.length} bytes), as base64.`,
    'SOFTMAX_SQUARED_KERNELS_BASE64',
    bytes,
  );
}

export const SOFTMAX_SQUARED_OUTPUT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../src/core/kernels/softmaxSquaredWasm.bytes.ts',
);

/** Assembles the squared module with wabt; returns its bytes. */
export function buildRegionSquaredKernels() {
  return assembleWat('regionSquared.wat', regionSquaredKernelsWat());
}

/** Assembles the sigmoid module with wabt; returns its bytes. */
export function buildRegionSigmoidKernels() {
  return assembleWat('regionSigmoid.wat', regionSigmoidKernelsWat());
}

/** The generated TypeScript module holding the sigmoid module's bytes as base64. */
export function sigmoidBytesModule(bytes) {
  return base64Module(
    HEADER,
    `The WebAssembly SIMD sigmoid kernels of the region losses (${bytes.length} bytes), as base64.`,
    'REGION_SIGMOID_KERNELS_BASE64',
    bytes,
  );
}

export const SIGMOID_OUTPUT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../src/core/kernels/regionSigmoidWasm.bytes.ts',
);

/** The generated TypeScript module holding the squared module's bytes as base64. */
export function squaredBytesModule(bytes) {
  return base64Module(
    HEADER,
    `The WebAssembly SIMD squared-form (V-Net) kernels of the region losses (${bytes.length} bytes), as base64.`,
    'REGION_SQUARED_KERNELS_BASE64',
    bytes,
  );
}

export const SQUARED_OUTPUT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../src/core/kernels/regionSquaredWasm.bytes.ts',
);

/** Assembles the module with wabt; returns its bytes. */
export function buildRegionKernels() {
  return assembleWat('regionKernels.wat', regionKernelsWat());
}

const HEADER = '// Generated by scripts/build-wasm.mjs (npm run build:wasm): do not edit.';

/** The generated TypeScript module holding the bytes as base64. */
export function bytesModule(bytes) {
  return base64Module(
    HEADER,
    `The WebAssembly SIMD kernels of the region losses (${bytes.length} bytes), as base64.`,
    'REGION_KERNELS_BASE64',
    bytes,
  );
}

export const OUTPUT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../src/core/kernels/regionWasm.bytes.ts',
);

/** Where the elementwise kernels (scripts/wasm/elementwise.mjs) go. */
export const ELEMENTWISE_OUTPUT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../src/core/kernels/elementwiseWasm.bytes.ts',
);

/** Where the binary cross-entropy and focal kernels (scripts/wasm/binary.mjs) go. */
export const BINARY_OUTPUT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../src/core/kernels/binaryWasm.bytes.ts',
);

/** Assembles the from-logits softmax region modules (scripts/wasm/softmaxRegion.mjs), one per C. */
export async function buildSoftmaxKernels() {
  const out = {};
  for (let C = 2; C <= SOFTMAX_MAX_C; C++)
    out[C] = await assembleWat(`softmaxRegion${C}.wat`, softmaxRegionWat(C));
  return out;
}

/** The generated TypeScript module holding the softmax modules' bytes as base64, by channel count. */
export function softmaxBytesModule(modules) {
  return base64Module(
    HEADER,
    'The WebAssembly SIMD softmax region kernels, one module per channel count, as base64.',
    'SOFTMAX_KERNELS_BASE64',
    modules,
  );
}

export const SOFTMAX_OUTPUT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../src/core/kernels/softmaxWasm.bytes.ts',
);

const KERNELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../src/core/kernels');

/**
 * The relaxed-SIMD variants (scripts/wasm/relaxed.mjs) of the elementwise, binary and softmax-region modules:
 * per module its output file, its size, its bytes (`modules`: one Uint8Array, or one per C) and generated
 * TypeScript. The region module has none (its gradients promise the JS kernels' bits).
 */
export async function buildRelaxedKernels() {
  const softmax = {};
  for (let C = 2; C <= SOFTMAX_MAX_C; C++) {
    softmax[C] = await assembleWat(`softmaxRegion${C}.relaxed.wat`, relaxWat(softmaxRegionWat(C)).text, true);
  }
  const elementwise = await assembleWat(
    'elementwise.relaxed.wat',
    relaxWat(elementwiseKernelsWat()).text,
    true,
  );
  const binary = await assembleWat('binary.relaxed.wat', relaxWat(binaryKernelsWat()).text, true);
  const what = 'The WebAssembly kernels of the';
  return [
    {
      file: resolve(KERNELS_DIR, 'elementwiseRelaxed.bytes.ts'),
      modules: elementwise,
      bytes: elementwise.length,
      text: relaxedBytesModule(
        'ELEMENTWISE_RELAXED_BASE64',
        `${what} cross-entropy and focal losses`,
        elementwise,
      ),
    },
    {
      file: resolve(KERNELS_DIR, 'binaryRelaxed.bytes.ts'),
      modules: binary,
      bytes: binary.length,
      text: relaxedBytesModule(
        'BINARY_RELAXED_BASE64',
        `${what} binary cross-entropy and focal losses`,
        binary,
      ),
    },
    {
      file: resolve(KERNELS_DIR, 'softmaxRelaxed.bytes.ts'),
      modules: softmax,
      bytes: Object.values(softmax).reduce((x, y) => x + y.length, 0),
      text: relaxedBytesModule('SOFTMAX_RELAXED_BASE64', `${what} softmax region losses`, softmax),
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await buildRegionKernels();
  writeFileSync(OUTPUT, bytesModule(bytes));
  console.error(`build-wasm: ${bytes.length} bytes → ${OUTPUT}`);
  const sig = await buildRegionSigmoidKernels();
  writeFileSync(SIGMOID_OUTPUT, sigmoidBytesModule(sig));
  console.error(`build-wasm: ${sig.length} bytes → ${SIGMOID_OUTPUT}`);
  const sq = await buildRegionSquaredKernels();
  writeFileSync(SQUARED_OUTPUT, squaredBytesModule(sq));
  console.error(`build-wasm: ${sq.length} bytes → ${SQUARED_OUTPUT}`);
  const fused = await buildRegionFusedKernels();
  writeFileSync(FUSED_OUTPUT, fusedBytesModule(fused));
  console.error(`build-wasm: ${fused.length} bytes → ${FUSED_OUTPUT}`);
  const ssq = await buildSoftmaxSquaredKernels();
  writeFileSync(SOFTMAX_SQUARED_OUTPUT, softmaxSquaredBytesModule(ssq));
  console.error(`build-wasm: ${ssq.length} bytes → ${SOFTMAX_SQUARED_OUTPUT}`);
  const ew = await buildElementwiseKernels();
  writeFileSync(ELEMENTWISE_OUTPUT, elementwiseBytesModule(ew));
  console.error(`build-wasm: ${ew.length} bytes → ${ELEMENTWISE_OUTPUT}`);
  const bin = await buildBinaryKernels();
  writeFileSync(BINARY_OUTPUT, binaryBytesModule(bin));
  console.error(`build-wasm: ${bin.length} bytes → ${BINARY_OUTPUT}`);
  const softmax = await buildSoftmaxKernels();
  writeFileSync(SOFTMAX_OUTPUT, softmaxBytesModule(softmax));
  const total = Object.values(softmax).reduce((a, b) => a + b.length, 0);
  console.error(`build-wasm: ${total} bytes (softmax, C = 2…${SOFTMAX_MAX_C}) → ${SOFTMAX_OUTPUT}`);
  for (const { file, bytes: size, text } of await buildRelaxedKernels()) {
    writeFileSync(file, text);
    console.error(`build-wasm: ${size} bytes (relaxed SIMD) → ${file}`);
  }
}
