// Generates the WebAssembly SIMD kernels of the elementwise losses (src/core/kernels/elementwiseWasm.bytes.ts):
// sm's categorical focal loss and categorical cross-entropy from probabilities, and the softmax focal loss
// from logits (MONAI FocalLoss(use_softmax=True), the family's focalLoss). Called by scripts/build-wasm.mjs
// (`npm run build:wasm`); a test checks that the committed bytes match.
//
// Every kernel computes in float32 with the exp/log of ./math.mjs (bounds: MATH_F32X4_BOUNDS), sums the loss
// terms in float64 (focal_prob: in float32 over chunks of 16 vectors first; softmax_focal2_cK: over 16 groups
// of four pixels) and returns the sum; it writes the gradient, already multiplied by `scale`, and ORs into the
// i32 at FLAG a nonzero value when an input is out of its domain (pr outside [0, 1] or NaN, a logit or gt NaN or
// ±∞), so that the driver can find the first offending index of that block and raise. Offsets are bytes into
// the module's own memory; the driver streams the caller's arrays through the three scratch blocks.
//
//   focal_prob2 / focal_prob(g, p, o, n, alpha, gamma, scale)   sm categorical focal, per element (n % 4 = 0):
//       q = clip(p, 1e-7, 1 − 1e-7), term −g·α·(1 − q)^γ·log q, ∂ = −g·α·((1 − q)^γ / q − γ(1 − q)^(γ−1) log q)
//       inside the clip range, 0 outside; focal_prob any γ ≥ 0; focal_prob2 is γ = 2 with scale > 0 and
//       n % 8 = 0, and returns the sum of the terms times scale (see focalProb2Scaled).
//   softmax_focal(g, x, o, pixels, C, ps, cs, gamma, scale)   from logits, 4 pixels per step
//       (lanes = pixels; pixel stride ps and channel stride cs in bytes): p = softmax(x), lp = log p,
//       term −a_c·g·(1 − p)^γ·lp with a_c the f32 at COEF + 4c; ∂/∂x_j = h_j − p_j·Σh,
//       h_c = −a_c·g_c·((1 − p_c)^γ − γ(1 − p_c)^(γ−1)·p_c·lp_c). γ ≥ 0 (γ = 0: the cross-entropy side,
//       (1 − p)^0 = 1 also where p = 1).
//   cce(g, p, o, pixels, C, ps, cs, scale[, uniform])   sm categorical cross-entropy: s = Σ_c p_c, q = p/s,
//       term −w_c·g·log clip(q) with w_c the f32 at COEF + 4c; u_c = −scale·w_c·g/q inside the clip range,
//       ∂/∂p_j = (u_j − Σ_inside(−scale·w·g))/s. s = 0 gives NaN, as sm.
//   softmax_focal2_cK / cce_cK (K = 2…LAST_MAX_C), same parameters: the same arithmetic for channels-last
//       blocks of exactly K channels (ps = 4K, cs = 4), with the channels of four pixels gathered into K
//       vectors by shuffles (softmaxRegion.mjs's loadChannels) and kept in locals: no lane-by-lane gathers and
//       scatters, no scratch tables; a pixel's K terms are added in float32 before the float64 sum. The driver
//       picks them for channels-last blocks. Both run in several short passes over the block (see
//       softmaxFocalLast); softmax_focal2_cK reads a_c·scale at COEF and returns the scaled sum.
import { assembleWat, base64Module } from './assemble.mjs';
import { expF32x4, expNegF32x4, expSoftmaxF32x4, logF32x4, logPosF32x4, mathLocals } from './math.mjs';
import { SHUFFLE_LOCALS, loadChannels, storeChannels } from './softmaxRegion.mjs';

/** Byte offsets of the memory layout, shared with src/core/kernels/elementwiseWasm.ts. */
export const ELEMENTWISE_LAYOUT = {
  /** i32: nonzero when a kernel met an input outside its domain (the driver clears it). */
  FLAG: 0,
  /** i32: set to 1 by cce_cK when it took the one-log-per-pixel form (the driver reads and clears it). */
  PATH: 4,
  /** f32 per channel (c < MAX_C): the coefficient a_c (softmax focal) or weight w_c (cce). */
  COEF: 64,
  /** Two v128 per channel scratch tables of the per-pixel kernels. */
  VEC1: 2048,
  VEC2: 2048 + 16 * 256,
  /** One v128 per group of four pixels of a block (cce_cK: 1/Σp), up to 16·SCRATCH/8 bytes (K = 2). */
  GROUP: 16384 + 3 * 4 * 16384,
  /** Three float32 blocks of SCRATCH elements (g, p or x, o). */
  SCRATCH_AT: 16384,
  SCRATCH: 16384,
  PAGES: 4,
  /** Most channels of the per-pixel kernels. */
  MAX_C: 256,
};

const { FLAG, PATH, COEF, VEC1, VEC2, GROUP } = ELEMENTWISE_LAYOUT;
/**
 * softmax_focal2_cK with K ≥ TABLE_MIN_K keeps log Σe per group at GROUP + 16·group and 1/Σe at
 * GROUP_INV + 16·group: at most SCRATCH/(4·TABLE_MIN_K) groups of 16 bytes each, inside the PAGES pages.
 */
const TABLE_MIN_K = 3;
const GROUP_INV = GROUP + 24576;
{
  const tableBytes = 16 * Math.ceil(ELEMENTWISE_LAYOUT.SCRATCH / (4 * TABLE_MIN_K));
  if (GROUP + tableBytes > GROUP_INV || GROUP_INV + tableBytes > ELEMENTWISE_LAYOUT.PAGES * 65536) {
    throw new RangeError(
      'elementwise.mjs: the per-group tables of softmax_focal2_cK must fit in the memory.',
    );
  }
}
const f4 = (v) => `(v128.const f32x4 ${v} ${v} ${v} ${v})`;
const get = (l) => `(local.get ${l})`;
/** Keras' clip bounds rounded to float32 (the float32 comparisons agree with JS's float64 ones). */
const LO = '1.00000001e-7';
const HI = '0.99999988079071044921875';

/** acc_l/acc_h (f64x2) += the four f32 lanes of `v`. */
function accumulate(v) {
  return [
    `(local.set $accl (f64x2.add ${get('$accl')} (f64x2.promote_low_f32x4 ${v})))`,
    `(local.set $acch (f64x2.add ${get('$acch')} (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${v} ${v}))))`,
  ].join('\n');
}

/** The sum of the accumulators as f64 (negated when `neg`), and the FLAG update. */
function finish(neg) {
  const s = `(f64.add (f64x2.extract_lane 0 (f64x2.add ${get('$accl')} ${get('$acch')})) (f64x2.extract_lane 1 (f64x2.add ${get('$accl')} ${get('$acch')})))`;
  return `(i32.store offset=${FLAG} (i32.const 0) (i32.or (i32.load offset=${FLAG} (i32.const 0)) (v128.any_true ${get('$bad')})))
    ${neg ? `(f64.neg ${s})` : s}`;
}

/** bad |= lanes where `v` is NaN or ±∞. */
const flagNonFinite = (v) =>
  `(local.set $bad (v128.or ${get('$bad')} (v128.not (f32x4.eq (f32x4.sub ${v} ${v}) ${f4(0)}))))`;
/**
 * $nf += v − v: 0 while every v is finite, NaN for good once one is NaN or ±∞ (two operations instead of
 * flagNonFinite's four); `nfToBad` folds it into $bad at the end of a kernel.
 */
const sumNonFinite = (v) => `(local.set $nf (f32x4.add ${get('$nf')} (f32x4.sub ${v} ${v})))`;
const nfToBad = `(local.set $bad (v128.or ${get('$bad')} (v128.not (f32x4.eq ${get('$nf')} ${get('$nf')}))))`;

/**
 * The range half of a cheaper probability check: $lo = min(lo, v), $hi = max(hi, v) with NaN lanes of `v`
 * dropped (pmin/pmax keep their first operand then: NaN must be caught by a sum, sumNonFinite); two operations
 * instead of flagNotProbability's five. `rangeToBad` (once per call) flags lo < 0 or hi > 1; $lo and $hi start
 * at 0 and 1 (`rangeInit`).
 */
const trackRange = (v) =>
  `(local.set $lo (f32x4.pmin ${get('$lo')} ${v})) (local.set $hi (f32x4.pmax ${get('$hi')} ${v}))`;
const rangeInit = `(local.set $lo ${f4(0)}) (local.set $hi ${f4(1)})`;
const rangeToBad = `(local.set $bad (v128.or ${get('$bad')} (v128.or (f32x4.lt ${get('$lo')} ${f4(0)}) (f32x4.gt ${get('$hi')} ${f4(1)}))))`;

/** bad |= lanes where `v` is not in [0, 1] (NaN included). */
const flagNotProbability = (v) =>
  `(local.set $bad (v128.or ${get('$bad')} (v128.not (v128.and (f32x4.ge ${v} ${f4(0)}) (f32x4.le ${v} ${f4(1)})))))`;

/** `(1 − q)^(γ−1)` into $f1 from $om (γ = 2: $om itself; else exp((γ − 1)·log om)). */
function powMinus1(gamma2) {
  if (gamma2) return `(local.set $f1 ${get('$om')})`;
  return [
    logF32x4('$om', '$f1'),
    `(local.set $f1 (f32x4.mul ${get('$f1')} (f32x4.sub ${get('$vg')} ${f4(1)})))`,
    expF32x4('$f1', '$f1'),
  ].join('\n');
}

/** Vectors per float32 chunk of the focal_prob terms. */
const FOCAL_CHUNK = 16;

/**
 * The element loop of the focal_prob kernels: from $p to $p + 4n bytes, `body` per step of `bytes` bytes
 * at $g, $p, $o (advanced), the terms in $tacc summed in float32 over chunks of FOCAL_CHUNK vectors and then
 * added to the float64 sums.
 */
function elementLoop(body, bytes) {
  return `(local.set $end (i32.add ${get('$p')} (i32.shl ${get('$n')} (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u ${get('$p')} ${get('$end')}))
      (loop $chunk
      (local.set $tacc ${f4(0)})
      (local.set $cend (i32.add ${get('$p')} (i32.const ${16 * FOCAL_CHUNK})))
      (if (i32.gt_u ${get('$cend')} ${get('$end')}) (then (local.set $cend ${get('$end')})))
      (loop $next
        ${body}
        (local.set $g (i32.add ${get('$g')} (i32.const ${bytes})))
        (local.set $o (i32.add ${get('$o')} (i32.const ${bytes})))
        (local.set $p (i32.add ${get('$p')} (i32.const ${bytes})))
        (br_if $next (i32.lt_u ${get('$p')} ${get('$cend')})))
      ${accumulate(get('$tacc'))}
      (br_if $chunk (i32.lt_u ${get('$p')} ${get('$end')}))))`;
}

/** focal_prob: sm categorical focal, any γ ≥ 0 ((1 − q)^(γ−1) by exp and log). */
function focalProb() {
  const gamma2 = false;
  return `
  (func (export "focal_prob") (param $g i32) (param $p i32) (param $o i32) (param $n i32) (param $alpha f32) (param $gamma f32) (param $scale f32) (result f64)
    (local $end i32) (local $x v128) (local $gv v128) (local $q v128) (local $lq v128) (local $om v128) (local $f1 v128)
    (local $a v128) (local $t v128) (local $bad v128) (local $accl v128) (local $acch v128)
    (local $va v128) (local $vg v128) (local $vs v128) (local $nf v128) (local $tacc v128) (local $cend i32)
    ${mathLocals()}
    (local.set $va (f32x4.splat ${get('$alpha')}))
    (local.set $vg (f32x4.splat ${get('$gamma')}))
    (local.set $vs (f32x4.splat (f32.neg ${get('$scale')})))
    ${elementLoop(
      `(local.set $x (v128.load ${get('$p')}))
        (local.set $gv (v128.load ${get('$g')}))
        ${flagNotProbability(get('$x'))}
        ${sumNonFinite(get('$gv'))}
        (local.set $q (f32x4.pmin (f32x4.pmax ${get('$x')} ${f4(LO)}) ${f4(HI)}))
        ${logPosF32x4('$q', '$lq')}
        (local.set $om (f32x4.sub ${f4(1)} ${get('$q')}))
        ${powMinus1(gamma2)}
        (local.set $a (f32x4.mul ${get('$gv')} ${get('$va')}))
        ;; t = (1 − q)^γ
        (local.set $t (f32x4.mul ${get('$f1')} ${get('$om')}))
        (local.set $tacc (f32x4.add ${get('$tacc')} (f32x4.mul (f32x4.mul ${get('$a')} ${get('$t')}) ${get('$lq')})))
        ;; inside the clip range exactly where the clip left x as it was
        (v128.store ${get('$o')} (f32x4.add ${f4(0)} (v128.and
          (f32x4.eq ${get('$x')} ${get('$q')})
          (f32x4.mul (f32x4.mul ${get('$vs')} ${get('$a')})
            (f32x4.sub (f32x4.div ${get('$t')} ${get('$q')}) (f32x4.mul (f32x4.mul ${get('$vg')} ${get('$f1')}) ${get('$lq')}))))))`,
      16,
    )}
    ${nfToBad}
    ${finish(true)})`;
}

/**
 * focal_prob2(g, p, o, n, alpha, gamma, scale): focal_prob's terms and gradient for γ = 2 with fewer
 * operations, for scale > 0 and n % 8 = 0: a = −scale·α·g folded once, b = a·(1 − q), B = b·log q; term
 * B·(1 − q) (the sum comes out scaled: Σ scale·α·g·(1 − q)²·(−log q)), ∂ = b·((1 − q)/q − 2·log q) inside the
 * clip range. The check: pr's range over the block (trackRange) and NaN/±∞ of g + pr (with pr in [0, 1],
 * g + pr is not finite only if g is not), 5 operations instead of 7. Kernel alone ≈ 0.95× the γ = 2 form of
 * focal_prob it replaced.
 */
function focalProb2Scaled() {
  // Two vectors per step (n % 8 = 0): half the loop-carried spills and reloads V8 puts at the loop head.
  const step = (k) => {
    const l = (n) => `${n}${k}`;
    return `
        (local.set ${l('$x')} (v128.load offset=${16 * k} ${get('$p')}))
        (local.set ${l('$gv')} (v128.load offset=${16 * k} ${get('$g')}))
        ${trackRange(get(l('$x')))}
        (local.set ${l('$t')} (f32x4.add ${get(l('$gv'))} ${get(l('$x'))}))
        ${sumNonFinite(get(l('$t')))}
        (local.set ${l('$q')} (f32x4.pmin (f32x4.pmax ${get(l('$x'))} ${f4(LO)}) ${f4(HI)}))
        ${logPosF32x4(l('$q'), l('$lq'))}
        (local.set ${l('$om')} (f32x4.sub ${f4(1)} ${get(l('$q'))}))
        (local.set ${l('$b')} (f32x4.mul (f32x4.mul ${get(l('$gv'))} ${get('$vsa')}) ${get(l('$om'))}))
        (local.set ${l('$t')} (f32x4.mul ${get(l('$b'))} ${get(l('$lq'))}))
        (local.set $tacc (f32x4.add ${get('$tacc')} (f32x4.mul ${get(l('$t'))} ${get(l('$om'))})))
        ;; inside the clip range exactly where the clip left x as it was
        (v128.store offset=${16 * k} ${get('$o')} (f32x4.add ${f4(0)} (v128.and
          (f32x4.eq ${get(l('$x'))} ${get(l('$q'))})
          (f32x4.mul ${get(l('$b'))} (f32x4.sub (f32x4.div ${get(l('$om'))} ${get(l('$q'))}) (f32x4.add ${get(l('$lq'))} ${get(l('$lq'))}))))))`;
  };
  const locals = [0, 1]
    .map((k) => ['$x', '$gv', '$q', '$lq', '$om', '$b', '$t'].map((n) => `(local ${n}${k} v128)`).join(' '))
    .join(' ');
  return `
  (func (export "focal_prob2") (param $g i32) (param $p i32) (param $o i32) (param $n i32) (param $alpha f32) (param $gamma f32) (param $scale f32) (result f64)
    (local $end i32) ${locals}
    (local $bad v128) (local $accl v128) (local $acch v128) (local $lo v128) (local $hi v128)
    (local $vsa v128) (local $nf v128) (local $tacc v128) (local $cend i32)
    ${mathLocals()}
    (local.set $vsa (f32x4.splat (f32.neg (f32.mul ${get('$scale')} ${get('$alpha')}))))
    ${rangeInit}
    ${elementLoop(step(0) + step(1), 32)}
    ${nfToBad}
    ${rangeToBad}
    ${finish(false)})`;
}

/** Four lanes from addresses a, a + ps, a + 2ps, a + 3ps (a in local `$ca`). */
const gather = `(v128.load32_lane 3 (i32.add ${get('$ca')} ${get('$ps3')}) (v128.load32_lane 2 (i32.add ${get('$ca')} ${get('$ps2')}) (v128.load32_lane 1 (i32.add ${get('$ca')} ${get('$ps')}) (v128.load32_zero ${get('$ca')}))))`;
/** Stores the four lanes of `v` at a, a + ps, a + 2ps, a + 3ps (a in local `$ca`). */
const scatter = (v) =>
  [0, 1, 2, 3]
    .map(
      (j) =>
        `(v128.store32_lane ${j} ${j === 0 ? get('$ca') : `(i32.add ${get('$ca')} ${get(['', '$ps', '$ps2', '$ps3'][j])})`} ${v})`,
    )
    .join('\n');

/** A loop over the C channels: `$c` from 0, `$ca` = base + c·cs, `$cv` = 16c. */
function channelLoop(base, body) {
  return `(local.set $c (i32.const 0)) (local.set $ca ${get(base)}) (local.set $cv (i32.const 0))
        (loop $ch
          ${body}
          (local.set $ca (i32.add ${get('$ca')} ${get('$cs')}))
          (local.set $cv (i32.add ${get('$cv')} (i32.const 16)))
          (local.set $c (i32.add ${get('$c')} (i32.const 1)))
          (br_if $ch (i32.lt_u ${get('$c')} ${get('$C')})))`;
}

const PIXEL_PARAMS = `(param $g i32) (param $x i32) (param $o i32) (param $pixels i32) (param $C i32) (param $ps i32) (param $cs i32)`;
const PIXEL_LOCALS = `(local $i i32) (local $c i32) (local $ca i32) (local $cv i32) (local $ps2 i32) (local $ps3 i32) (local $step i32)
    (local $bad v128) (local $accl v128) (local $acch v128)`;
const PIXEL_INIT = `(local.set $ps2 (i32.shl ${get('$ps')} (i32.const 1)))
    (local.set $ps3 (i32.add ${get('$ps2')} ${get('$ps')}))
    (local.set $step (i32.shl ${get('$ps')} (i32.const 2)))`;
const PIXEL_NEXT = `(local.set $g (i32.add ${get('$g')} ${get('$step')}))
        (local.set $x (i32.add ${get('$x')} ${get('$step')}))
        (local.set $o (i32.add ${get('$o')} ${get('$step')}))
        (local.set $i (i32.add ${get('$i')} (i32.const 4)))
        (br_if $next (i32.lt_u ${get('$i')} ${get('$pixels')}))`;

/**
 * softmax_focal: the general per-pixel form (any C ≤ MAX_C, any layout the driver lays out, any γ ≥ 0). The
 * γ = 2 form of it that channel counts above LAST_MAX_C took is gone: those take this one (2 KB less).
 */
function softmaxFocal() {
  const gamma2 = false;
  const name = 'softmax_focal';
  return `
  (func (export "${name}") ${PIXEL_PARAMS} (param $gamma f32) (param $scale f32) (result f64)
    ${PIXEL_LOCALS}
    (local $v v128) (local $m v128) (local $s v128) (local $ls v128) (local $inv v128) (local $hs v128)
    (local $p v128) (local $lp v128) (local $om v128) (local $f1 v128) (local $a v128) (local $h v128)
    (local $vg v128) (local $vs v128) (local $ce v128)
    ${mathLocals()}
    ${PIXEL_INIT}
    (local.set $vg (f32x4.splat ${get('$gamma')}))
    (local.set $vs (f32x4.splat ${get('$scale')}))
    ${gamma2 ? '' : `(local.set $ce (f32x4.eq ${get('$vg')} ${f4(0)}))`}
    (block $done
      (br_if $done (i32.eqz ${get('$pixels')}))
      (loop $next
        ;; max over channels; the logits go to VEC1
        (local.set $m ${f4('-inf')})
        ${channelLoop(
          '$x',
          `(local.set $v ${gather})
          ${flagNonFinite(get('$v'))}
          (v128.store offset=${VEC1} ${get('$cv')} ${get('$v')})
          (local.set $m (f32x4.pmax ${get('$m')} ${get('$v')}))`,
        )}
        ;; x − max to VEC1, e^(x − max) to VEC2, their sum
        (local.set $s ${f4(0)})
        ${channelLoop(
          '$x',
          `(local.set $v (f32x4.sub (v128.load offset=${VEC1} ${get('$cv')}) ${get('$m')}))
          (v128.store offset=${VEC1} ${get('$cv')} ${get('$v')})
          ${expNegF32x4('$v', '$v')}
          (v128.store offset=${VEC2} ${get('$cv')} ${get('$v')})
          (local.set $s (f32x4.add ${get('$s')} ${get('$v')}))`,
        )}
        ${logPosF32x4('$s', '$ls')}
        (local.set $inv (f32x4.div ${f4(1)} ${get('$s')}))
        ;; terms; h to VEC1, p to VEC2
        (local.set $hs ${f4(0)})
        ${channelLoop(
          '$g',
          `(local.set $v ${gather})
          ${flagNonFinite(get('$v'))}
          (local.set $a (f32x4.mul ${get('$v')} (f32x4.splat (f32.load offset=${COEF} (i32.shr_u ${get('$cv')} (i32.const 2))))))
          (local.set $p (f32x4.mul (v128.load offset=${VEC2} ${get('$cv')}) ${get('$inv')}))
          (local.set $lp (f32x4.sub (v128.load offset=${VEC1} ${get('$cv')}) ${get('$ls')}))
          (local.set $om (f32x4.sub ${f4(1)} ${get('$p')}))
          ${powMinus1(gamma2)}
          ${gamma2 ? '' : `(local.set $f1 (v128.and ${get('$f1')} (f32x4.ne ${get('$om')} ${f4(0)})))`}
          ;; v = (1 − p)^γ, h = −a·(v − γ(1 − p)^(γ−1)·p·lp); γ = 0 (the cross-entropy side): v = 1 exactly
          (local.set $v (f32x4.mul ${get('$f1')} ${get('$om')}))
          ${gamma2 ? '' : `(local.set $v (v128.bitselect ${f4(1)} ${get('$v')} ${get('$ce')}))`}
          ${accumulate(`(f32x4.mul (f32x4.mul ${get('$a')} ${get('$v')}) ${get('$lp')})`)}
          (local.set $h (f32x4.mul (f32x4.neg ${get('$a')}) (f32x4.sub ${get('$v')}
            (f32x4.mul (f32x4.mul (f32x4.mul ${get('$vg')} ${get('$f1')}) ${get('$p')}) ${get('$lp')}))))
          (v128.store offset=${VEC1} ${get('$cv')} ${get('$h')})
          (v128.store offset=${VEC2} ${get('$cv')} ${get('$p')})
          (local.set $hs (f32x4.add ${get('$hs')} ${get('$h')}))`,
        )}
        ${channelLoop(
          '$o',
          scatter(
            `(f32x4.add ${f4(0)} (f32x4.mul ${get('$vs')} (f32x4.sub (v128.load offset=${VEC1} ${get('$cv')}) (f32x4.mul (v128.load offset=${VEC2} ${get('$cv')}) ${get('$hs')}))))`,
          ),
        )}
        ${PIXEL_NEXT}))
    ${finish(true)})`;
}

function cce() {
  return `
  (func (export "cce") ${PIXEL_PARAMS} (param $scale f32) (result f64)
    ${PIXEL_LOCALS}
    (local $v v128) (local $s v128) (local $q v128) (local $in v128) (local $gw v128) (local $dot v128) (local $lq v128)
    (local $vs v128)
    ${mathLocals()}
    ${PIXEL_INIT}
    (local.set $vs (f32x4.splat (f32.neg ${get('$scale')})))
    (block $done
      (br_if $done (i32.eqz ${get('$pixels')}))
      (loop $next
        ;; s = Σ p; p to VEC1
        (local.set $s ${f4(0)})
        ${channelLoop(
          '$x',
          `(local.set $v ${gather})
          ${flagNotProbability(get('$v'))}
          (v128.store offset=${VEC1} ${get('$cv')} ${get('$v')})
          (local.set $s (f32x4.add ${get('$s')} ${get('$v')}))`,
        )}
        ;; terms; u to VEC1, dot = Σ_inside −scale·w·g
        (local.set $dot ${f4(0)})
        ${channelLoop(
          '$g',
          `(local.set $v ${gather})
          ${flagNonFinite(get('$v'))}
          (local.set $gw (f32x4.mul ${get('$v')} (f32x4.splat (f32.load offset=${COEF} (i32.shr_u ${get('$cv')} (i32.const 2))))))
          (local.set $q (f32x4.div (v128.load offset=${VEC1} ${get('$cv')}) ${get('$s')}))
          (local.set $in (v128.and (f32x4.ge ${get('$q')} ${f4(LO)}) (f32x4.le ${get('$q')} ${f4(HI)})))
          (local.set $v (f32x4.pmin (f32x4.pmax ${get('$q')} ${f4(LO)}) ${f4(HI)}))
          ${logPosF32x4('$v', '$lq')}
          ;; + (q − q): NaN where s = 0 (q = 0/0), as sm's value (log of NaN is not NaN in logPosF32x4)
          ${accumulate(`(f32x4.add (f32x4.mul ${get('$gw')} ${get('$lq')}) (f32x4.sub ${get('$q')} ${get('$q')}))`)}
          ;; u = −scale·w·g/q and dot += −scale·w·g inside the clip range (masked after the division: q may be 0)
          (local.set $gw (f32x4.mul ${get('$vs')} ${get('$gw')}))
          (local.set $dot (f32x4.add ${get('$dot')} (v128.and ${get('$in')} ${get('$gw')})))
          (v128.store offset=${VEC1} ${get('$cv')} (v128.and ${get('$in')} (f32x4.div ${get('$gw')} ${get('$q')})))`,
        )}
        ${channelLoop(
          '$o',
          scatter(
            `(f32x4.add ${f4(0)} (f32x4.div (f32x4.sub (v128.load offset=${VEC1} ${get('$cv')}) ${get('$dot')}) ${get('$s')}))`,
          ),
        )}
        ${PIXEL_NEXT}))
    ${finish(true)})`;
}

/** Widest channel count of cce_cK's one-log-per-pixel form (1e-7^K must stay a normal float32). */
const LOG_PRODUCT_MAX_K = 5;

/** Widest channel count with channels-last kernels of its own. */
export const LAST_MAX_C = 8;

const range = (n) => Array.from({ length: n }, (_, i) => i);
const declare = (names) => names.map((n) => `(local ${n} v128)`).join(' ');
/**
 * Pixels per plane of the channels-first (planar) kernels of K channels: the driver's pixels per block
 * (src/core/kernels/elementwiseWasm.ts), so that channel c of a block sits at the fixed offset c · 4 · this.
 */
export const planePixels = (K) => Math.max(4, Math.floor((ELEMENTWISE_LAYOUT.SCRATCH - 16) / K / 4) * 4);

/** Channels-first: channel c of the four pixels at `ptr` is one vector at ptr + c · plane bytes. */
const loadPlanes = (plane) => (ptr, K, names) =>
  names.map((n, c) => `(local.set ${n} (v128.load${c ? ` offset=${c * plane}` : ''} ${get(ptr)}))`);
const storePlanes = (plane) => (ptr, K, names) =>
  names.map((n, c) => `(v128.store${c ? ` offset=${c * plane}` : ''} ${get(ptr)} ${get(n)})`);

/**
 * The loads and stores of a group of four pixels in either layout (as softmaxRegion.mjs's `access`): channels-last
 * blocks by shuffles (channel c at 16c of the group's 16K bytes), planar blocks with channel c at c · plane bytes
 * (16 bytes per group per plane); the same arithmetic runs on either, so the same bits on transposed inputs.
 */
function groupAccess(K, planar) {
  if (!planar) {
    return {
      load: loadChannels,
      store: storeChannels,
      groupBytes: 16 * K,
      chan: (c) => 16 * c,
      suffix: '',
      plane: 0,
    };
  }
  const plane = 4 * planePixels(K);
  return {
    load: loadPlanes(plane),
    store: storePlanes(plane),
    groupBytes: 16,
    chan: (c) => c * plane,
    suffix: 'F',
    plane,
  };
}

/** coefficient c (f32 at COEF + 4c) in all four lanes. */
const coef = (c) => `(v128.load32_splat offset=${COEF + 4 * c} (i32.const 0))`;

/**
 * The running per-pixel sum of the K channels' terms (float32, as the terms are; it goes to the float64
 * accumulators once per group instead of once per channel).
 */
const termSum = (c, term) => (c === 0 ? term : `(f32x4.add ${get('$ts')} ${term})`);

/**
 * A loop over the groups of four pixels of a channels-last block: `body` per group, pointers `ptrs` advanced by
 * the group's 16·K bytes. Labels and counter are the loop's own, so one kernel can run several passes.
 */
function groupLoop(groupBytes, name, ptrs, body, counter = false) {
  const step = counter ? [...ptrs, '$k'] : ptrs;
  return `(local.set $i (i32.const 0))${counter ? ' (local.set $k (i32.const 0))' : ''}
    (block $${name}_done
      (br_if $${name}_done (i32.eqz ${get('$pixels')}))
      (loop $${name}
        ${body.join('\n        ')}
        ${step.map((p) => `(local.set ${p} (i32.add ${get(p)} (i32.const ${p === '$k' ? 16 : groupBytes})))`).join('\n        ')}
        (local.set $i (i32.add ${get('$i')} (i32.const 4)))
        (br_if $${name} (i32.lt_u ${get('$i')} ${get('$pixels')}))))`;
}

/**
 * A loop over the 4·K·pixels/4 vectors of a block: `body(k)` for the vector at $x + 16k and $o + 16k, two
 * vectors per step (half the spills and reloads V8 puts at a loop head). With K odd the last step can run one
 * vector past the block, inside the scratch array (BLOCK leaves room): its result is never read.
 */
function vectorLoop(K, name, body, blockBytes = 0) {
  const bytes = blockBytes ? `(i32.const ${blockBytes})` : `(i32.mul ${get('$pixels')} (i32.const ${4 * K}))`;
  return `(local.set $end (i32.add ${get('$x')} ${bytes}))
    (block $${name}_done
      (br_if $${name}_done (i32.eqz ${get('$pixels')}))
      (loop $${name}
        ${body(0).join('\n        ')}
        ${body(1).join('\n        ')}
        (local.set $x (i32.add ${get('$x')} (i32.const 32)))
        (local.set $o (i32.add ${get('$o')} (i32.const 32)))
        (br_if $${name} (i32.lt_u ${get('$x')} ${get('$end')}))))`;
}

/** Pointers $x and $o back to the block's start (kept in $x0, $o0). */
const rewind = `(local.set $x ${get('$x0')}) (local.set $o ${get('$o0')})`;

/**
 * softmax_focal2_cK: softmax_focal for K channels (γ = 2, or γ = 0: the cross-entropy), channels-last or, with
 * `planar`, channels-first (softmax_focal2_cKF). Same formula as softmaxFocal(), float32 rounding
 * apart, computed in four short passes over the block instead of one long loop body (whose chain of dependent
 * operations per group, max → exp → Σ → log → terms → Σh → gradient, with more live values than x64 has
 * vector registers, left the out-of-order core waiting: kernel alone 0.69× the one-pass time):
 * 1. per group: x − max over the logits, in place, as K vectors of four pixels (channel c at 16c; planar below);
 * 2. per vector: e^(x − max) into the gradient block (no transposes, no spills);
 * 3. per group: p = e/Σe in place, log p = (x − max) − log Σe over the logits (one log per four pixels);
 *    for K ≥ TABLE_MIN_K only log Σe and 1/Σe, to GROUP + 16·group and GROUP_INV + 16·group, and pass 4
 *    forms p = e·(1/Σe) and log p = (x − max) − log Σe itself (the same float32 operations, so the same
 *    bits; 16 fewer loads and stores per group of K = 4: kernel alone ≈ 0.96×, whole call ≈ 0.94×;
 *    docs/notes/issue-10-focalpm.md). K = 2 keeps the stores: its 2046 groups per block would not fit;
 * 4. per group, with the targets: the terms and ∂/∂x_j = h_j − p_j·Σh, transposed back into the gradient block.
 * The block is in L2 (three 64 KiB arrays) between the passes.
 * Also:
 * - the coefficients at COEF already hold a_c·scale (the driver multiplies them), so the gradient needs no
 *   final product and the returned sum is the scaled one (−Σ scale·a_c·g_c·(1 − p_c)²·log p_c);
 * - the exp is expSoftmaxF32x4 (arguments x − max ≤ 0; absolute error ≤ 2^−22, MATH_F32X4_BOUNDS);
 * - the input check is one test per group, on Σ_c h_c: it is NaN or ±∞ whenever a logit or a target of the
 *   four pixels is (a NaN or +∞ logit makes the softmax NaN, a −∞ one makes its log −∞ while its p stays
 *   ≥ 2^−126/K > 0, a non-finite g makes h NaN or ±∞), so the flag is never missed; finite logits or targets
 *   near FLT_MAX can overflow float32 and raise it too, and the driver then finds no offender and runs the
 *   float64 JS kernel instead.
 * - the per-pixel term sums go to the float64 accumulators once per 16 groups (a float32 sum of 16 values per
 *   lane in between; the five-operation float64 step once per group cost ≈ 2 % of the kernel);
 * - the gradient is h − p·Σh as it comes (no `+ 0` turning −0 into +0: 4 operations per group; a −0 entry
 *   needs h_j = −0 and p_j·Σh = +0, and it compares equal to 0).
 * With b = a·(1 − p), B = b·log p: term = B·(1 − p), h = 2·p·B − b·(1 − p) = −a(1 − p)((1 − p) − 2p·log p).
 * γ = 0 (the `gamma` parameter, tested once per call): pass 4 takes the cross-entropy side, term a·log p and
 * ∂/∂x_j = p_j·Σa − a_j, its check on the group's term sum (a non-finite logit makes a log p non-finite, or
 * 0·(−∞) = NaN where a = 0; a non-finite g makes a so); passes 1–3 are shared.
 * Planar (channels-first, issue 10): channel c of a group at c · 4·planePixels(K) bytes (groupAccess), 16 bytes
 * per group; pass 2 runs over the whole block (K planes; padding and unused pixels give values never read).
 * The arithmetic and its order are the channels-last form's, so the gradient has the same bits on transposed
 * inputs (the value's float32 partial sums group the pixels by block).
 */
function softmaxFocalLast(K, planar = false) {
  const A = groupAccess(K, planar);
  const l = range(K).map((c) => `$l${c}`);
  const h = range(K).map((c) => `$h${c}`);
  // 1. x − max over the logits, as K vectors of four pixels (channel c at A.chan(c))
  const shift = [...A.load('$x', K, l)];
  let m = get(l[0]);
  for (let c = 1; c < K; c++) m = `(f32x4.pmax ${m} ${get(l[c])})`;
  shift.push(`(local.set $m ${m})`);
  for (let c = 0; c < K; c++) {
    shift.push(`(v128.store offset=${A.chan(c)} ${get('$x')} (f32x4.sub ${get(l[c])} ${get('$m')}))`);
  }
  // 2. e^(x − max) into the gradient block, one vector at a time
  const exp = (k) => [
    `(local.set $v${k} (v128.load offset=${16 * k} ${get('$x')}))`,
    expSoftmaxF32x4(`$v${k}`, `$v${k}`, `$m${k}_`),
    `(v128.store offset=${16 * k} ${get('$o')} ${get(`$v${k}`)})`,
  ];
  // 3. p = e/Σe into the gradient block, log p = (x − max) − log Σe over the logits; with `table`, only log Σe
  //    and 1/Σe, per group into two tables (pass 4 forms p and log p)
  const table = K >= TABLE_MIN_K;
  const norm = [];
  let sum = `(v128.load ${get('$o')})`;
  for (let c = 1; c < K; c++) sum = `(f32x4.add ${sum} (v128.load offset=${A.chan(c)} ${get('$o')}))`;
  norm.push(`(local.set $s ${sum})`, logPosF32x4('$s', '$ls'));
  if (table) {
    norm.push(
      `(v128.store offset=${GROUP} ${get('$k')} ${get('$ls')})`,
      `(v128.store offset=${GROUP_INV} ${get('$k')} (f32x4.div ${f4(1)} ${get('$s')}))`,
    );
  } else {
    norm.push(`(local.set $inv (f32x4.div ${f4(1)} ${get('$s')}))`);
    for (let c = 0; c < K; c++) {
      norm.push(
        `(v128.store offset=${A.chan(c)} ${get('$x')} (f32x4.sub (v128.load offset=${A.chan(c)} ${get('$x')}) ${get('$ls')}))`,
        `(v128.store offset=${A.chan(c)} ${get('$o')} (f32x4.mul (v128.load offset=${A.chan(c)} ${get('$o')}) ${get('$inv')}))`,
      );
    }
  }
  // 4. terms and gradient with the targets, transposed back
  const pOf = (c) =>
    table
      ? `(f32x4.mul (v128.load offset=${A.chan(c)} ${get('$o')}) ${get('$inv')})`
      : `(v128.load offset=${A.chan(c)} ${get('$o')})`;
  const lpOf = (c) =>
    table
      ? `(f32x4.sub (v128.load offset=${A.chan(c)} ${get('$x')}) ${get('$ls')})`
      : `(v128.load offset=${A.chan(c)} ${get('$x')})`;
  const termsOf = (ce) => {
    const terms = [...A.load('$g', K, h)];
    if (table) {
      terms.push(
        `(local.set $ls (v128.load offset=${GROUP} ${get('$k')}))`,
        `(local.set $inv (v128.load offset=${GROUP_INV} ${get('$k')}))`,
      );
    }
    for (let c = 0; c < K; c++) {
      if (ce) {
        // γ = 0, the cross-entropy side: term a·log p, h = ∂/∂log p = −a (kept as +a here: ∂/∂x_j = p_j·Σa − a_j)
        terms.push(
          `(local.set ${h[c]} (f32x4.mul ${get(h[c])} ${coef(c)}))`,
          `(local.set $ts ${termSum(c, `(f32x4.mul ${get(h[c])} ${lpOf(c)})`)})`,
          c === 0 ? `(local.set $hs ${get(h[0])})` : `(local.set $hs (f32x4.add ${get('$hs')} ${get(h[c])}))`,
        );
        continue;
      }
      terms.push(
        `(local.set $p ${pOf(c)})`,
        ...(table ? [`(local.set $p${c} ${get('$p')})`] : []),
        `(local.set $om (f32x4.sub ${f4(1)} ${get('$p')}))`,
        `(local.set $b (f32x4.mul (f32x4.mul ${get(h[c])} ${coef(c)}) ${get('$om')}))`,
        `(local.set $v (f32x4.mul ${get('$b')} ${lpOf(c)}))`,
        `(local.set $ts ${termSum(c, `(f32x4.mul ${get('$v')} ${get('$om')})`)})`,
        `(local.set $v (f32x4.mul ${get('$p')} ${get('$v')}))`,
        `(local.set ${h[c]} (f32x4.sub (f32x4.add ${get('$v')} ${get('$v')}) (f32x4.mul ${get('$b')} ${get('$om')})))`,
        c === 0 ? `(local.set $hs ${get(h[0])})` : `(local.set $hs (f32x4.add ${get('$hs')} ${get(h[c])}))`,
      );
    }
    terms.push(
      `(local.set $tacc (f32x4.add ${get('$tacc')} ${get('$ts')}))`,
      `(if (i32.eq (i32.and ${get('$i')} (i32.const 60)) (i32.const 60)) (then ${accumulate(get('$tacc'))} (local.set $tacc ${f4(0)})))`,
      // the check: focal on Σh (see above); cross-entropy on the terms' sum, NaN or ±∞ whenever a logit or a
      // target is (a −∞ logit: log p = −∞, times a = 0 where it is not the target)
      sumNonFinite(get(ce ? '$ts' : '$hs')),
    );
    for (let c = 0; c < K; c++) {
      terms.push(
        ce
          ? `(local.set ${h[c]} (f32x4.sub (f32x4.mul ${pOf(c)} ${get('$hs')}) ${get(h[c])}))`
          : `(local.set ${h[c]} (f32x4.sub ${get(h[c])} (f32x4.mul ${table ? get(`$p${c}`) : pOf(c)} ${get('$hs')})))`,
      );
    }
    terms.push(...A.store('$o', K, h));
    return terms;
  };
  const step = A.groupBytes;
  return `
  (func (export "softmax_focal2_c${K}${A.suffix}") ${PIXEL_PARAMS} (param $gamma f32) (param $scale f32) (result f64)
    (local $i i32) (local $x0 i32) (local $o0 i32) (local $end i32) (local $bad v128) (local $accl v128) (local $acch v128)
    (local $ts v128) (local $nf v128) (local $m v128) (local $s v128) (local $ls v128) (local $inv v128)
    (local $hs v128) (local $v v128) (local $p v128) (local $om v128) (local $b v128)
    (local $k i32) (local $tacc v128) ${declare(l)} ${declare(h)} ${table ? declare(range(K).map((c) => `$p${c}`)) : ''} ${mathLocals()} ${mathLocals('$m0_')} ${mathLocals('$m1_')} (local $v0 v128) (local $v1 v128) ${SHUFFLE_LOCALS}
    (local.set $x0 ${get('$x')})
    (local.set $o0 ${get('$o')})
    ${groupLoop(step, 'shift', ['$x'], shift)}
    (local.set $x ${get('$x0')})
    ${vectorLoop(K, 'exp', exp, planar ? K * A.plane : 0)}
    ${rewind}
    ${groupLoop(step, 'norm', ['$x', '$o'], norm, table)}
    ${rewind}
    (local.set $tacc ${f4(0)})
    (if (f32.eq ${get('$gamma')} (f32.const 0))
      (then ${groupLoop(step, 'ceterms', ['$g', '$x', '$o'], termsOf(true), table)})
      (else ${groupLoop(step, 'terms', ['$g', '$x', '$o'], termsOf(false), table)}))
    ${accumulate(get('$tacc'))}
    ${nfToBad}
    ${finish(true)})`;
}

/**
 * cce for K channels-last channels: the arithmetic of cce(), in three short passes over the block (as
 * softmaxFocalLast, for the same reason: kernel alone ≈ 0.7× the one-pass time):
 * 1. per group: the input check, s = Σ_c p_c, 1/s to GROUP + 16·group, q = p·(1/s) into the gradient block
 *    as K vectors of four pixels (channel c at 16c);
 * 2. per vector: log clip(q) over the probabilities (in place);
 * 3. per group, with the targets: the terms, u_c = −scale·w_c·g_c/q_c inside the clip range and
 *    ∂/∂p_j = (u_j − Σ_inside(−scale·w·g))/s, transposed back into the gradient block.
 * For K ≤ LOG_PRODUCT_MAX_K, pass 1 also tests whether every target of the block is 0 or 1; if so and the
 * weights are equal (`uniform` ≠ 0, from the driver), pass 2 is skipped and pass 3 takes the terms as
 * w·log Π_c (g_c·clip(q_c) + 1 − g_c): one log per pixel instead of one per element (call ≈ 0.8× the
 * two-pass form on cce_prob_small), and PATH is set to 1. Same value bit for bit for one-hot targets (Π is
 * clip(q) of the target class), within float32 rounding of the product otherwise.
 */
function cceLast(K) {
  const q = range(K).map((c) => `$q${c}`);
  const u = range(K).map((c) => `$u_${c}`);
  // The check: p outside [0, 1] by the range of the block, NaN (and ±∞) by Σp.
  const norm = [...loadChannels('$x', K, q), ...q.map((n) => trackRange(get(n)))];
  let sum = get(q[0]);
  for (let c = 1; c < K; c++) sum = `(f32x4.add ${sum} ${get(q[c])})`;
  // One division per pixel: q = p·(1/s) and the gradient's ÷ s as · (1/s) (within an ulp of dividing).
  norm.push(
    `(local.set $v ${sum})`,
    sumNonFinite(get('$v')),
    `(local.set $inv (f32x4.div ${f4(1)} ${get('$v')}))`,
    `(v128.store offset=${GROUP} ${get('$k')} ${get('$inv')})`,
  );
  for (let c = 0; c < K; c++) {
    norm.push(`(v128.store offset=${16 * c} ${get('$o')} (f32x4.mul ${get(q[c])} ${get('$inv')}))`);
  }
  const log = (k) => [
    `(local.set $v${k} (f32x4.pmin (f32x4.pmax (v128.load offset=${16 * k} ${get('$o')}) ${f4(LO)}) ${f4(HI)}))`,
    logPosF32x4(`$v${k}`, `$v${k}`, `$m${k}_`),
    `(v128.store offset=${16 * k} ${get('$x')} ${get(`$v${k}`)})`,
  ];
  // product: the terms of binary targets (every g 0 or 1) and equal weights w as w·log Π_c (g_c·clip(q_c) + 1 − g_c),
  // one log per pixel instead of one per element (Π ≥ 1e-7^K stays a normal float32 for K ≤ LOG_PRODUCT_MAX_K;
  // for one-hot targets it is clip(q) of the target class exactly).
  const termsPass = (product) => {
    const t = [...loadChannels('$g', K, u), ...u.map((n) => sumNonFinite(get(n)))];
    for (let c = 0; c < K; c++) {
      t.push(
        `(local.set $gw (f32x4.mul ${get(u[c])} ${coef(c)}))`,
        `(local.set $v (v128.load offset=${16 * c} ${get('$o')}))`,
        `(local.set $lq (f32x4.pmin (f32x4.pmax ${get('$v')} ${f4(LO)}) ${f4(HI)}))`,
        product
          ? `(local.set $ts ${c === 0 ? '' : `(f32x4.mul ${get('$ts')} `}(f32x4.add (f32x4.mul ${get(u[c])} ${get('$lq')}) (f32x4.sub ${f4(1)} ${get(u[c])}))${c === 0 ? '' : ')'})`
          : `(local.set $ts ${termSum(c, `(f32x4.mul ${get('$gw')} (v128.load offset=${16 * c} ${get('$x')}))`)})`,
        // inside the clip range exactly where the clip leaves q as it is (a NaN q, from s = 0, is outside)
        `(local.set $in (f32x4.eq ${get('$v')} ${get('$lq')}))`,
        `(local.set $gw (f32x4.mul ${get('$vs')} ${get('$gw')}))`,
        c === 0
          ? `(local.set $dot (v128.and ${get('$in')} ${get('$gw')}))`
          : `(local.set $dot (f32x4.add ${get('$dot')} (v128.and ${get('$in')} ${get('$gw')})))`,
        `(local.set ${u[c]} (v128.and ${get('$in')} (f32x4.div ${get('$gw')} ${get('$v')})))`,
      );
    }
    if (product) t.push(logPosF32x4('$ts', '$ts'), `(local.set $ts (f32x4.mul ${get('$ts')} ${coef(0)}))`);
    // + (1/s − 1/s): NaN where s = 0 (q = 0/0), as sm's value (log of NaN is not NaN in logPosF32x4)
    t.push(
      `(local.set $inv (v128.load offset=${GROUP} ${get('$k')}))`,
      accumulate(`(f32x4.add ${get('$ts')} (f32x4.sub ${get('$inv')} ${get('$inv')}))`),
    );
    for (let c = 0; c < K; c++) {
      t.push(
        `(local.set ${u[c]} (f32x4.add ${f4(0)} (f32x4.mul (f32x4.sub ${get(u[c])} ${get('$dot')}) ${get('$inv')})))`,
      );
    }
    t.push(...storeChannels('$o', K, u));
    return t;
  };
  const general = `${vectorLoop(K, 'log', log)}
    ${rewind}
    ${groupLoop(16 * K, 'terms', ['$g', '$x', '$o'], termsPass(false), true)}`;
  const withProduct = K <= LOG_PRODUCT_MAX_K;
  if (withProduct) {
    // binary targets? (NaN and ±∞ are not: they take the general pass, whose check names them)
    for (let c = 0; c < K; c++) {
      norm.push(
        `(local.set $v (v128.load offset=${16 * c} ${get('$g')}))`,
        `(local.set $bin (v128.and ${get('$bin')} (v128.or (f32x4.eq ${get('$v')} ${f4(0)}) (f32x4.eq ${get('$v')} ${f4(1)}))))`,
      );
    }
  }
  return `
  (func (export "cce_c${K}") ${PIXEL_PARAMS} (param $scale f32) (param $uniform i32) (result f64)
    (local $i i32) (local $k i32) (local $x0 i32) (local $o0 i32) (local $g0 i32) (local $end i32) (local $bin v128)
    (local $bad v128) (local $accl v128) (local $acch v128) (local $ts v128) (local $nf v128)
    (local $v v128) (local $in v128) (local $gw v128) (local $dot v128) (local $lq v128)
    (local $vs v128) (local $inv v128) (local $lo v128) (local $hi v128)
    ${declare(q)} ${declare(u)} ${mathLocals()} ${mathLocals('$m0_')} ${mathLocals('$m1_')} (local $v0 v128) (local $v1 v128) ${SHUFFLE_LOCALS}
    (local.set $vs (f32x4.splat (f32.neg ${get('$scale')})))
    ${rangeInit}
    (local.set $x0 ${get('$x')})
    (local.set $o0 ${get('$o')})
    (local.set $g0 ${get('$g')})
    (local.set $bin (v128.const i32x4 -1 -1 -1 -1))
    ${groupLoop(16 * K, 'norm', withProduct ? ['$x', '$o', '$g'] : ['$x', '$o'], norm, true)}
    ${rewind} (local.set $g ${get('$g0')})
    ${
      withProduct
        ? `(if (i32.and ${get('$uniform')} (i32x4.all_true ${get('$bin')}))
      (then (i32.store offset=${PATH} (i32.const 0) (i32.const 1))
        ${groupLoop(16 * K, 'pterms', ['$g', '$x', '$o'], termsPass(true), true)})
      (else ${general}))`
        : general
    }
    ${nfToBad}
    ${rangeToBad}
    ${finish(true)})`;
}

/**
 * add_f32(o, a, n): o[i] += a[i] for n float32 (n % 4 = 0), four lanes at a time. The driver's accumulating pass
 * (a compound's second term into the first's gradient) adds the caller's gradient block, copied into the
 * targets' scratch block after the kernel ran, to the kernel's gradient block before copying it out.
 */
function addF32() {
  return `
  (func (export "add_f32") (param $o i32) (param $a i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add ${get('$o')} (i32.shl ${get('$n')} (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u ${get('$o')} ${get('$end')}))
      (loop $next
        (v128.store ${get('$o')} (f32x4.add (v128.load ${get('$o')}) (v128.load ${get('$a')})))
        (local.set $o (i32.add ${get('$o')} (i32.const 16)))
        (local.set $a (i32.add ${get('$a')} (i32.const 16)))
        (br_if $next (i32.lt_u ${get('$o')} ${get('$end')})))))`;
}

/** The module's WebAssembly text. */
export function elementwiseKernelsWat() {
  const last = range(LAST_MAX_C + 1)
    .slice(2)
    .map((K) => softmaxFocalLast(K) + softmaxFocalLast(K, true) + cceLast(K))
    .join('');
  return `(module
  (memory (export "memory") ${ELEMENTWISE_LAYOUT.PAGES})${focalProb()}${focalProb2Scaled()}${softmaxFocal()}${cce()}${last}${addF32()})\n`;
}

/** Assembles the module with wabt; returns its bytes. */
export function buildElementwiseKernels() {
  return assembleWat('elementwiseKernels.wat', elementwiseKernelsWat());
}

/** The generated TypeScript module holding the bytes as base64. */
export function elementwiseBytesModule(bytes) {
  return base64Module(
    '// Generated by scripts/build-wasm.mjs from scripts/wasm/elementwise.mjs (npm run build:wasm): do not edit.',
    `The WebAssembly SIMD kernels of the elementwise losses (${bytes.length} bytes), as base64.`,
    'ELEMENTWISE_KERNELS_BASE64',
    bytes,
  );
}
