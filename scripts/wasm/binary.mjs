// Generates the WebAssembly SIMD kernels of the binary (per element) cross-entropy and focal losses
// (src/core/kernels/binaryWasm.bytes.ts): sm's binary cross-entropy and binary focal loss from probabilities,
// and the sigmoid focal loss from logits (MONAI FocalLoss(use_softmax=False), smp FocalLoss binary /
// multilabel: the family's focalLoss with activation 'sigmoid'). Called by scripts/build-wasm.mjs
// (`npm run build:wasm`); a test checks that the committed bytes match.
//
// Every kernel walks n float32 elements (n a multiple of 4P) at byte offsets g (targets t), x (probabilities
// or logits), o (gradient), all in the module's own memory; computes in float32 with the exp/log of ./math.mjs
// (bounds: MATH_F32X4_BOUNDS, SOFTPLUS_F32X4_BOUNDS); sums the terms in float32 over chunks of CHUNK steps, then
// in float64, and returns the sum; writes the gradient multiplied by `scale`; ORs into the i32 at FLAG a nonzero
// value when an input is out of its domain (pr outside [0, 1] or NaN; a logit or t NaN or ±∞).
//
// Per-element coefficients c1 (positive term) and c0 (negative term) repeat with a period of P vectors (4P
// elements, P = 1…MAX_P): the f32x4 pair of vector j sits at COEF + 32j (c1) and COEF + 32j + 16 (c0). P = 1
// with equal lanes is one coefficient for every element; channels-last data with C channels has period
// lcm(C, 4) = 4P for C ∈ {1, 2, 4} (P = 1), 8 (P = 2), {3, 6, 12} (P = 3), so per-channel α, class weights and
// reductions become coefficients and a channel left out gets 0. The driver runs a short tail as one more
// period with the coefficients of its missing lanes set to 0.
//
//   bce_p1(g, x, o, n, gamma, scale, omlo)   tf.keras 2.x binary_crossentropy (sm BinaryCELoss):
//       q = clip(x, ε, 1 − ε), term −(c1·t·log(q + ε) + c0·(1 − t)·log(1 − q + ε)),
//       ∂ = c0·(1 − t)/(1 − q + ε) − c1·t/(q + ε) inside the clip range [ε, 1 − ε] (ε = 1e-7, float32 bounds),
//       0 outside; 1 − q is taken as max(1 − max(x, ε), omlo) (the float64 clip of sm's JS kernels: omlo = 1e-7;
//       the float32 one of the family's: omlo = 1 − fround(1 − 1e-7)). `gamma` unused. The other kernels take
//       `omlo` too.
//   binary_focal_prob2_pP / binary_focal_prob_pP(g, x, o, n, gamma, scale, omlo)   binary focal from probabilities
//       (sm BinaryFocalLoss with c1 = α, c0 = 1 − α; the family's sigmoid form from probabilities):
//       term −c1·t·(1 − q)^γ·log q − c0·(1 − t)·q^γ·log(1 − q), ∂ = −c1·t·((1 − q)^γ/q − γ(1 − q)^(γ−1)·log q)
//       − c0·(1 − t)·(γ·q^(γ−1)·log(1 − q) − q^γ/(1 − q)) inside the clip range, 0 outside; γ = 2 / any γ ≥ 0
//       (powers as exp((γ − 1)·log)).
//   soft_bce_p1(g, x, o, n, gamma, scale, omlo)   smp SoftBCEWithLogitsLoss: t' = t + s·(1 − 2t) with s the f32 at
//       PARAM, term −(c1·t'·log σ(x) + c0·(1 − t')·log σ(−x)) (c1 = pos_weight, c0 = 1), ∂ = c0·(1 − t')·σ(x) −
//       c1·t'·σ(−x), both 0 where t equals the f32 at PARAM + 4 (ignore_index; NaN for none). gamma, omlo unused.
//   sigmoid_focal2_pP / sigmoid_focal_pP(g, x, o, n, gamma, scale, omlo)   sigmoid focal from logits: p = σ(x),
//       log p = −softplus(−x), log(1 − p) = −softplus(x) (softplusNegAbsF32x4), A = −(1 − p)^γ·log p,
//       B = −p^γ·log(1 − p), term c1·t·A + c0·(1 − t)·B, ∂A/∂x = −(1 − p)^γ·(γ·p·(−log p) + 1 − p),
//       ∂B/∂x = p^γ·(γ·(1 − p)·(−log(1 − p)) + p); (1 − p)^γ = exp(γ·log(1 − p)) (γ = 2: (1 − p)²).
import { assembleWat, base64Module } from './assemble.mjs';
import { expF32x4, logPosF32x4, mathLocals, softplusNegAbsF32x4 } from './math.mjs';

/** Byte offsets of the memory layout, shared with src/core/kernels/binaryWasm.ts. */
export const BINARY_LAYOUT = {
  /** i32: nonzero when a kernel met an input outside its domain (the driver clears it). */
  FLAG: 0,
  /** f32 parameters of soft_bce_p1: the smoothing s at PARAM, the ignored target value at PARAM + 4 (NaN: none). */
  PARAM: 16,
  /** f32x4 pairs (c1, c0) per vector of the period, 32 bytes each (j < MAX_P). */
  COEF: 64,
  /** Three float32 blocks of SCRATCH elements (t, x, o). */
  SCRATCH_AT: 16384,
  SCRATCH: 16384,
  PAGES: 4,
};

/** Longest period of the coefficients, in vectors. */
export const MAX_P = 3;
/** Steps (of P vectors) per float32 chunk of the terms. */
const CHUNK = 16;

const { FLAG, COEF, PARAM } = BINARY_LAYOUT;
const f4 = (v) => `(v128.const f32x4 ${v} ${v} ${v} ${v})`;
const get = (l) => `(local.get ${l})`;
const set = (l, v) => `(local.set ${l} ${v})`;
const mul = (a, b) => `(f32x4.mul ${a} ${b})`;
const add = (a, b) => `(f32x4.add ${a} ${b})`;
const sub = (a, b) => `(f32x4.sub ${a} ${b})`;
const div = (a, b) => `(f32x4.div ${a} ${b})`;
/** Keras' clip bounds rounded to float32 (for float32 data the comparisons agree with JS's float64 ones). */
const LO = '1.00000001e-7';
const HI = '0.99999988079071044921875';
/** Keras' ε added inside binary_crossentropy's logs. */
const EPS = '1e-7';

/** $bad |= lanes where `v` is not in [0, 1] (NaN included). */
const flagNotProbability = (v) =>
  set(
    '$bad',
    `(v128.or ${get('$bad')} (v128.not (v128.and (f32x4.ge ${v} ${f4(0)}) (f32x4.le ${v} ${f4(1)}))))`,
  );
/** $nf += v − v: 0 while every v is finite, NaN for good once one is NaN or ±∞. */
const sumNonFinite = (v) => set('$nf', add(get('$nf'), sub(v, v)));

/** The clip q = clip(x, ε, 1 − ε) and the mask of lanes inside it (where the clip left x as it was). */
const clip = [
  set('$q', `(f32x4.pmin (f32x4.pmax ${get('$x')} ${f4(LO)}) ${f4(HI)})`),
  // 1 − q, at least `omlo`: sm's JS kernels clip at 1 − 1e-7 in float64 (1 − q = 1e-7 there), the family's at
  // 1 − 1e-7 rounded to float32 (1 − q = 1.19e-7); the driver passes the one of the loss.
  set('$om', `(f32x4.pmax ${sub(f4(1), `(f32x4.pmax ${get('$x')} ${f4(LO)})`)} ${get('$vo')})`),
];
const inside = `(f32x4.eq ${get('$x')} ${get('$q')})`;

/** Stores `d` (the gradient before `scale`) at offset `off` of $o: +0 for a zero (no −0), masked by `mask`. */
function store(off, d, mask) {
  const v = mul(get('$vs'), d);
  return `(v128.store offset=${off} ${get('$o')} ${add(f4(0), mask ? `(v128.and ${mask} ${v})` : v)})`;
}

/** Body of one vector of bce: term into $term, gradient stored. */
function bceBody(off) {
  return [
    ...clip,
    set('$a', add(get('$q'), f4(EPS))),
    set('$b', add(get('$om'), f4(EPS))),
    logPosF32x4('$a', '$la'),
    logPosF32x4('$b', '$lb'),
    set('$term', add(mul(get('$T1'), get('$la')), mul(get('$T0'), get('$lb')))),
    store(off, sub(div(get('$T0'), get('$b')), div(get('$T1'), get('$a'))), inside),
  ];
}

/** Body of one vector of the binary focal loss from probabilities (γ = 2 when `gamma2`). */
function focalProbBody(off, gamma2) {
  const pow = gamma2
    ? [set('$fa1', get('$om')), set('$fb1', get('$q'))]
    : [
        set('$f', sub(get('$vg'), f4(1))),
        set('$fa1', mul(get('$f'), get('$lom'))),
        expF32x4('$fa1', '$fa1'),
        set('$fb1', mul(get('$f'), get('$lq'))),
        expF32x4('$fb1', '$fb1'),
      ];
  const g = gamma2 ? f4(2) : get('$vg');
  return [
    ...clip,
    logPosF32x4('$q', '$lq'),
    logPosF32x4('$om', '$lom'),
    ...pow,
    // fa = (1 − q)^γ, fb = q^γ
    set('$fa', mul(get('$fa1'), get('$om'))),
    set('$fb', mul(get('$fb1'), get('$q'))),
    set(
      '$term',
      add(mul(mul(get('$T1'), get('$fa')), get('$lq')), mul(mul(get('$T0'), get('$fb')), get('$lom'))),
    ),
    store(
      off,
      sub(
        mul(get('$T0'), sub(div(get('$fb'), get('$om')), mul(mul(g, get('$fb1')), get('$lom')))),
        mul(get('$T1'), sub(div(get('$fa'), get('$q')), mul(mul(g, get('$fa1')), get('$lq')))),
      ),
      inside,
    ),
  ];
}

/**
 * The logistic terms of the logits $x: $sp = σ(x), $sn = 1 − σ(x) = σ(−x), $lsp = log σ(x), $lsn = log σ(−x)
 * (softplusNegAbsF32x4; scratch $e, $u, $l, $r, $er, $m).
 */
const logistic = [
  softplusNegAbsF32x4('$x', '$e', '$u', '$r', '$l'),
  set('$er', mul(get('$e'), get('$r'))),
  set('$m', `(f32x4.ge ${get('$x')} ${f4(0)})`),
  set('$sp', `(v128.bitselect ${get('$r')} ${get('$er')} ${get('$m')})`),
  set('$sn', `(v128.bitselect ${get('$er')} ${get('$r')} ${get('$m')})`),
  // pmin(x, 0) = 0 < x ? 0 : x; pmax(x, 0) = x < 0 ? 0 : x.
  set('$lsp', sub(`(f32x4.pmin ${get('$x')} ${f4(0)})`, get('$l'))),
  set('$lsn', sub(`(f32x4.neg (f32x4.pmax ${get('$x')} ${f4(0)}))`, get('$l'))),
];

/** Body of one vector of the sigmoid focal loss from logits (γ = 2 when `gamma2`). */
function sigmoidFocalBody(off, gamma2) {
  const pow = gamma2
    ? [set('$fa', mul(get('$sn'), get('$sn'))), set('$fb', mul(get('$sp'), get('$sp')))]
    : [
        set('$fa', mul(get('$vg'), get('$lsn'))),
        expF32x4('$fa', '$fa'),
        set('$fb', mul(get('$vg'), get('$lsp'))),
        expF32x4('$fb', '$fb'),
      ];
  const g = gamma2 ? f4(2) : get('$vg');
  return [
    ...logistic,
    ...pow,
    // term = −(T1·fa·lsp + T0·fb·lsn), negated once at the end
    set(
      '$term',
      add(mul(mul(get('$T1'), get('$fa')), get('$lsp')), mul(mul(get('$T0'), get('$fb')), get('$lsn'))),
    ),
    // ∂ = T1·fa·(γ·sp·lsp − sn) + T0·fb·(sp − γ·sn·lsn)
    store(
      off,
      add(
        mul(mul(get('$T1'), get('$fa')), sub(mul(mul(g, get('$sp')), get('$lsp')), get('$sn'))),
        mul(mul(get('$T0'), get('$fb')), sub(get('$sp'), mul(mul(g, get('$sn')), get('$lsn')))),
      ),
      null,
    ),
  ];
}

/**
 * Body of one vector of smp's soft BCE from logits: t' = t + s·(1 − 2t), term −(c1·t'·log σ(x) + c0·(1 − t')·log σ(−x)),
 * ∂ = c0·(1 − t')·σ(x) − c1·t'·σ(−x); 0 (term and gradient) where t equals the ignored value.
 */
function softBceBody(off) {
  const keep = `(f32x4.ne ${get('$t')} ${get('$vig')})`;
  return [
    ...logistic,
    set('$ts', add(get('$t'), mul(get('$vsm'), sub(f4(1), mul(f4(2), get('$t')))))),
    set('$T1', mul(get(`$c1_0`), get('$ts'))),
    set('$T0', mul(get(`$c0_0`), sub(f4(1), get('$ts')))),
    set('$term', `(v128.and ${keep} ${add(mul(get('$T1'), get('$lsp')), mul(get('$T0'), get('$lsn')))})`),
    store(off, sub(mul(get('$T0'), get('$sp')), mul(get('$T1'), get('$sn'))), keep),
  ];
}

const LOCALS = {
  bce: ['$q', '$om', '$a', '$b', '$la', '$lb'],
  focalProb: ['$q', '$om', '$lq', '$lom', '$fa1', '$fb1', '$fa', '$fb', '$f'],
  sigmoid: ['$e', '$u', '$l', '$r', '$er', '$m', '$sp', '$sn', '$lsp', '$lsn', '$fa', '$fb'],
  softBce: ['$e', '$u', '$l', '$r', '$er', '$m', '$sp', '$sn', '$lsp', '$lsn', '$ts', '$vsm', '$vig'],
};

/**
 * One kernel: per step P vectors, vector j with coefficients c1_j, c0_j (locals $c1_j, $c0_j); per vector the
 * check `checks`, $T1 = c1·t and $T0 = c0·(1 − t), then `body(off)` which sets $term and stores the gradient.
 */
function kernel(name, P, locals, checks, body, init0 = '') {
  const steps = [];
  for (let j = 0; j < P; j++) {
    const off = 16 * j;
    steps.push(
      set('$x', `(v128.load offset=${off} ${get('$xp')})`),
      set('$t', `(v128.load offset=${off} ${get('$g')})`),
      checks,
      set('$T1', mul(get(`$c1_${j}`), get('$t'))),
      set('$T0', mul(get(`$c0_${j}`), sub(f4(1), get('$t')))),
      ...body(off),
      set('$tacc', add(get('$tacc'), get('$term'))),
    );
  }
  const coefs = [];
  for (let j = 0; j < P; j++) {
    coefs.push(
      `(local $c1_${j} v128) (local $c0_${j} v128)`,
      set(`$c1_${j}`, `(v128.load offset=${COEF + 32 * j} (i32.const 0))`),
      set(`$c0_${j}`, `(v128.load offset=${COEF + 32 * j + 16} (i32.const 0))`),
    );
  }
  const decl = coefs.filter((s) => s.startsWith('(local ')).join(' ');
  const init = coefs.filter((s) => !s.startsWith('(local ')).join('\n    ');
  const accumulate = [
    `(local.set $accl (f64x2.add ${get('$accl')} (f64x2.promote_low_f32x4 ${get('$tacc')})))`,
    `(local.set $acch (f64x2.add ${get('$acch')} (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${get('$tacc')} ${get('$tacc')}))))`,
  ].join('\n      ');
  const total = `(f64.add (f64x2.extract_lane 0 (f64x2.add ${get('$accl')} ${get('$acch')})) (f64x2.extract_lane 1 (f64x2.add ${get('$accl')} ${get('$acch')})))`;
  return `
  (func (export "${name}") (param $g i32) (param $xp i32) (param $o i32) (param $n i32) (param $gamma f32) (param $scale f32) (param $omlo f32) (result f64)
    (local $end i32) (local $cend i32) (local $x v128) (local $t v128) (local $T1 v128) (local $T0 v128) (local $term v128)
    (local $tacc v128) (local $accl v128) (local $acch v128) (local $bad v128) (local $nf v128) (local $vg v128) (local $vs v128) (local $vo v128)
    ${locals.map((l) => `(local ${l} v128)`).join(' ')} ${decl}
    ${mathLocals()}
    ${init}
    ${init0}
    (local.set $vg (f32x4.splat ${get('$gamma')}))
    (local.set $vs (f32x4.splat ${get('$scale')}))
    (local.set $vo (f32x4.splat ${get('$omlo')}))
    (local.set $end (i32.add ${get('$xp')} (i32.shl ${get('$n')} (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u ${get('$xp')} ${get('$end')}))
      (loop $chunk
      (local.set $tacc ${f4(0)})
      (local.set $cend (i32.add ${get('$xp')} (i32.const ${16 * P * CHUNK})))
      (if (i32.gt_u ${get('$cend')} ${get('$end')}) (then (local.set $cend ${get('$end')})))
      (loop $next
        ${steps.join('\n        ')}
        (local.set $g (i32.add ${get('$g')} (i32.const ${16 * P})))
        (local.set $o (i32.add ${get('$o')} (i32.const ${16 * P})))
        (local.set $xp (i32.add ${get('$xp')} (i32.const ${16 * P})))
        (br_if $next (i32.lt_u ${get('$xp')} ${get('$cend')})))
      ${accumulate}
      (br_if $chunk (i32.lt_u ${get('$xp')} ${get('$end')}))))
    (local.set $bad (v128.or ${get('$bad')} (v128.not (f32x4.eq ${get('$nf')} ${get('$nf')}))))
    (i32.store offset=${FLAG} (i32.const 0) (i32.or (i32.load offset=${FLAG} (i32.const 0)) (v128.any_true ${get('$bad')})))
    (f64.neg ${total}))`;
}

const probChecks = [flagNotProbability(get('$x')), sumNonFinite(get('$t'))].join('\n        ');
const logitChecks = [sumNonFinite(get('$x')), sumNonFinite(get('$t'))].join('\n        ');

/** The names of the kernels, by family, γ = 2 or not, and period P. */
export function binaryKernelName(kind, gamma2, P) {
  if (kind === 'bce') return 'bce_p1';
  if (kind === 'softBce') return 'soft_bce_p1';
  return `${kind === 'sigmoid' ? 'sigmoid_focal' : 'binary_focal_prob'}${gamma2 ? '2' : ''}_p${P}`;
}

/** The module's WebAssembly text. */
export function binaryKernelsWat() {
  const softInit = [
    `(local.set $vsm (v128.load32_splat offset=${PARAM} (i32.const 0)))`,
    `(local.set $vig (v128.load32_splat offset=${PARAM + 4} (i32.const 0)))`,
  ].join('\n    ');
  const funcs = [
    kernel(binaryKernelName('bce', false, 1), 1, LOCALS.bce, probChecks, bceBody),
    kernel(binaryKernelName('softBce', false, 1), 1, LOCALS.softBce, logitChecks, softBceBody, softInit),
  ];
  for (let P = 1; P <= MAX_P; P++) {
    for (const gamma2 of [true, false]) {
      funcs.push(
        kernel(binaryKernelName('focalProb', gamma2, P), P, LOCALS.focalProb, probChecks, (off) =>
          focalProbBody(off, gamma2),
        ),
        kernel(binaryKernelName('sigmoid', gamma2, P), P, LOCALS.sigmoid, logitChecks, (off) =>
          sigmoidFocalBody(off, gamma2),
        ),
      );
    }
  }
  return `(module
  (memory (export "memory") ${BINARY_LAYOUT.PAGES})${funcs.join('')})\n`;
}

/** Assembles the module with wabt; returns its bytes. */
export function buildBinaryKernels() {
  return assembleWat('binaryKernels.wat', binaryKernelsWat());
}

/** The generated TypeScript module holding the bytes as base64. */
export function binaryBytesModule(bytes) {
  return base64Module(
    '// Generated by scripts/build-wasm.mjs from scripts/wasm/binary.mjs (npm run build:wasm): do not edit.',
    `The WebAssembly SIMD kernels of the binary cross-entropy and focal losses (${bytes.length} bytes), as base64.`,
    'BINARY_KERNELS_BASE64',
    bytes,
  );
}
