// WebAssembly SIMD kernels of the region losses from logits (softmax over C channels, channels-last or -first),
// one module per channel count C (2…MAX_C, compiled on first use), the softmax exp `expSoftmaxF32x4` from
// ./math.mjs (shared with the elementwise kernels). A browser main thread that refuses to compile more than
// 4 KiB synchronously gets the plain-JS loops instead (same results).
// Four pixels at a time: channel c of pixels j…j+3 is gathered into one f32x4 (a 4×4 transpose for C = 4, 8;
// two shuffles for C = 2; lane loads otherwise), so the softmax and its Jacobian are lane-wise arithmetic.
// Pass 1 stores the softmax (in the caller's gradient buffer, or in the module's memory for the per-image fused
// form, or in a scratch block it drops when no gradient follows) and pass 2 reads it back: no exp in pass 2
// (measured 4.0 → 1.2 ms of CPU on dice_fb_small's pass 2). No memory of the module's own grows with the input.
// Each kernel has a channels-last form and a channels-first one (name ending in F: planar blocks, channel c of a
// block at c · PLANE_BYTES(C), four pixels per vector, no shuffles); both compute the same values per element.
//
//   statsDS(x, g, o, np) → flags   ACC[c] += Σ p·g, Σ p, Σ g over np pixels (np a multiple of 4), dense float32
//                              g; p stored at o (group-major: for each group of four pixels, channel c's f32x4 at
//                              16c; planar: at c · PLANE_BYTES(C)); flags bit 0: a logit is -Inf (NaN and +Inf
//                              logits, and NaN or ±Inf in g, make the sums non-finite, which the caller checks)
//   statsLS(x, l, o, np, ign, has) → flags   the same from int32 labels l (one per pixel): g_c = [l = c]; pixels
//                              with l = ign (when has ≠ 0) count nowhere; bit 1: a label outside [0, C) that is
//                              not ignored
//   statsDB(x, g, o, r, np) → flags   statsDS that also records the targets as bits at r (bit 2: a target
//                              neither +0.0 nor 1.0: the record does not stand for this block)
//   gradPD(p, g, o, np)        o_c = p_c·(d_c − Σ_k p_k·d_k) with d_c = A_c·g_c + B_c (float32 A, B at COEF), p
//                              as pass 1 stored it
//   gradPL(p, l, o, np, ign, has)   the same from labels; ignored pixels get 0
//   gradPB(p, r, o, np)        the same with the targets from the bit record
// Sums run in float32 over chunks of CHUNK_GROUPS groups per lane, then are added to the float64 accumulators in
// memory: ACC + 96c holds Σp·g (2 × f64x2: lanes 0–1, 2–3), + 32 Σp, + 64 Σg.
import { expSoftmaxF32x4, mathLocals } from './math.mjs';

export const SOFTMAX_LAYOUT = {
  ACC: 0,
  /** float32 A_c at COEF + 4c, B_c at COEF + 32 + 4c. */
  COEF: 1024,
  /** 16 lane masks (a data segment): entry b, at TABLE + 16b, has lane j all ones when bit j of b is set. */
  TABLE: 1536,
  /** Scratch blocks: logits, targets (float32 or int32 labels), gradient; BLOCK_BYTES each. */
  X: 2048,
  BLOCK_BYTES: 65536,
  /**
   * The scratch blocks of the channels-first (planar) kernels, from PLANAR_X on: logits, targets, gradient;
   * PLANAR_BLOCK_BYTES each (twice the channels-last blocks: each of the C planes is one copy call, so longer
   * planes make fewer calls).
   */
  PLANAR_X: 4 * 65536,
  PLANAR_BLOCK_BYTES: 131072,
  PAGES: 10,
  /**
   * The bit record of binary dense targets (statsDB → gradPB), from REC on: per group of four pixels the 4C bits
   * [g = 1] (bit 4c + j: channel c of pixel j), in RECORD_BYTES(C) bytes; the memory grows to hold a call's.
   */
  REC: 10 * 65536,
};
/**
 * The channels-first (planar) kernels (names ending in F): in each planar scratch block, channel c's pixels start
 * at c · PLANE_BYTES(C), four pixels per vector: the longest plane of an odd number of 64-byte lines whose C
 * planes fit a block. A multiple of 4 KiB (16384 bytes at C = 8, 32768 at C = 4) put channel c of the three
 * blocks in the same L1 sets, more lines than its ways at C ≥ 4 (kernel alone, C = 8: statsDB 14.3 → 10.3,
 * gradPD 4.3 → 2.3 ns per pixel).
 */
export const PLANE_BYTES = (C) => 64 * ((Math.floor(SOFTMAX_LAYOUT.PLANAR_BLOCK_BYTES / (64 * C)) - 1) | 1);
/** Bytes of the bit record per group of four pixels: 4C bits, in 1, 2 or 4 bytes. */
export const RECORD_BYTES = (C) => (C <= 2 ? 1 : C <= 4 ? 2 : 4);
export const MAX_C = 8;
/** Pixel groups (of 4) summed in float32 before the float64 flush. */
const CHUNK_GROUPS = 16;

const { ACC, COEF, TABLE, X, BLOCK_BYTES } = SOFTMAX_LAYOUT;
const G_AT = X + BLOCK_BYTES;
const O_AT = X + 2 * BLOCK_BYTES;

/** Channel c of the four pixels at `$ptr` (pixel stride 4C bytes), by lane loads. */
function gather(ptr, C, c) {
  let v = `(v128.load32_splat offset=${4 * c} (local.get ${ptr}))`;
  for (let j = 1; j < 4; j++) v = `(v128.load32_lane offset=${4 * (c + C * j)} ${j} (local.get ${ptr}) ${v})`;
  return v;
}

const LO32 = '0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23';
const HI32 = '8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31';
const LO64 = '0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23';
const HI64 = '8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31';
const EVEN32 = '0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27';
const ODD32 = '4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31';
const shuf = (pat, a, b) => `(i8x16.shuffle ${pat} ${a} ${b})`;
const get = (n) => `(local.get ${n})`;

/** 4×4 transpose of the vectors in locals `src` into locals `dst` (through $t0…$t3). */
function transpose(src, dst) {
  return [
    `(local.set $t0 ${shuf(LO32, get(src[0]), get(src[1]))})`,
    `(local.set $t1 ${shuf(HI32, get(src[0]), get(src[1]))})`,
    `(local.set $t2 ${shuf(LO32, get(src[2]), get(src[3]))})`,
    `(local.set $t3 ${shuf(HI32, get(src[2]), get(src[3]))})`,
    `(local.set ${dst[0]} ${shuf(LO64, get('$t0'), get('$t2'))})`,
    `(local.set ${dst[1]} ${shuf(HI64, get('$t0'), get('$t2'))})`,
    `(local.set ${dst[2]} ${shuf(LO64, get('$t1'), get('$t3'))})`,
    `(local.set ${dst[3]} ${shuf(HI64, get('$t1'), get('$t3'))})`,
  ];
}

/** Statements that set locals `names[c]` to channel c of the four pixels at `ptr` (through SHUFFLE_LOCALS). */
export function loadChannels(ptr, C, names) {
  if (C === 2) {
    return [
      `(local.set $t0 (v128.load (local.get ${ptr})))`,
      `(local.set $t1 (v128.load offset=16 (local.get ${ptr})))`,
      `(local.set ${names[0]} ${shuf(EVEN32, get('$t0'), get('$t1'))})`,
      `(local.set ${names[1]} ${shuf(ODD32, get('$t0'), get('$t1'))})`,
    ];
  }
  if (C % 4 === 0) {
    const k = C / 4;
    const out = [];
    for (let q = 0; q < k; q++) {
      for (let j = 0; j < 4; j++) {
        out.push(`(local.set $u${j} (v128.load offset=${16 * (j * k + q)} (local.get ${ptr})))`);
      }
      out.push(...transpose(['$u0', '$u1', '$u2', '$u3'], names.slice(4 * q, 4 * q + 4)));
    }
    return out;
  }
  return names.map((n, c) => `(local.set ${n} ${gather(ptr, C, c)})`);
}

/** Statements that store the channel vectors in locals `names` (clobbered) as four pixels at `ptr`. */
export function storeChannels(ptr, C, names) {
  if (C === 2) {
    return [
      `(v128.store (local.get ${ptr}) ${shuf(LO32, get(names[0]), get(names[1]))})`,
      `(v128.store offset=16 (local.get ${ptr}) ${shuf(HI32, get(names[0]), get(names[1]))})`,
    ];
  }
  if (C % 4 === 0) {
    const k = C / 4;
    const out = [];
    for (let q = 0; q < k; q++) {
      out.push(...transpose(names.slice(4 * q, 4 * q + 4), ['$u0', '$u1', '$u2', '$u3']));
      for (let j = 0; j < 4; j++) {
        out.push(`(v128.store offset=${16 * (j * k + q)} (local.get ${ptr}) (local.get $u${j}))`);
      }
    }
    return out;
  }
  const out = [];
  names.forEach((n, c) => {
    for (let j = 0; j < 4; j++) {
      out.push(`(v128.store32_lane offset=${4 * (c + C * j)} ${j} (local.get ${ptr}) (local.get ${n}))`);
    }
  });
  return out;
}

/**
 * A 32-bit-lane shuffle of a and b (lanes 0–3 of a, 4–7 of b) as i8x16.shuffle. The C = 3 transposes below use
 * only the forms V8 lowers to one x64 instruction: blends (lane i from a or b at i), shufps (lanes 0–1 from a,
 * 2–3 from b) and the low/high interleaves.
 */
const lanes32 = (l, a, b) => shuf(l.flatMap((i) => [4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3]).join(' '), a, b);

/**
 * loadChannels for C = 3 by seven shuffles instead of twelve lane loads: the four pixels are
 * v0 = [a0 b0 c0 a1], v1 = [b1 c1 a2 b2], v2 = [c2 a3 b3 c3] (a, b, c the channels).
 */
function load3(ptr, names) {
  const [a, b, c] = names;
  return [
    `(local.set $u0 (v128.load (local.get ${ptr})))`,
    `(local.set $u1 (v128.load offset=16 (local.get ${ptr})))`,
    `(local.set $u2 (v128.load offset=32 (local.get ${ptr})))`,
    // a = [v0.0 v0.3 | v1.2 v2.1]: blend(v1, v2) = [_ a3 a2 _], then shufps.
    `(local.set $t0 ${lanes32([0, 5, 2, 3], get('$u1'), get('$u2'))})`,
    `(local.set ${a} ${lanes32([0, 3, 6, 5], get('$u0'), get('$t0'))})`,
    // b = [v0.1 v1.0 | v1.3 v2.2]: blend(v0, v1) = [b1 b0 _ _], blend(v1, v2) = [_ _ b3 b2], then shufps.
    `(local.set $t0 ${lanes32([4, 1, 2, 3], get('$u0'), get('$u1'))})`,
    `(local.set $t1 ${lanes32([0, 1, 6, 3], get('$u1'), get('$u2'))})`,
    `(local.set ${b} ${lanes32([1, 0, 7, 6], get('$t0'), get('$t1'))})`,
    // c = [v0.2 v1.1 | v2.0 v2.3]: blend(v0, v1) = [_ c1 c0 _], then shufps with v2.
    `(local.set $t0 ${lanes32([0, 5, 2, 3], get('$u0'), get('$u1'))})`,
    `(local.set ${c} ${lanes32([2, 1, 4, 7], get('$t0'), get('$u2'))})`,
  ];
}

/** storeChannels for C = 3 by eight shuffles and three stores instead of twelve lane stores (see load3). */
function store3(ptr, names) {
  const [a, b, c] = names.map(get);
  return [
    `(local.set $t0 ${lanes32([0, 4, 1, 5], a, b)})`, // [a0 b0 a1 b1]
    `(local.set $t1 ${lanes32([2, 6, 3, 7], a, b)})`, // [a2 b2 a3 b3]
    `(local.set $t2 ${lanes32([0, 4, 1, 5], b, c)})`, // [b0 c0 b1 c1]
    `(local.set $t3 ${lanes32([2, 6, 3, 7], b, c)})`, // [b2 c2 b3 c3]
    `(local.set $u0 ${lanes32([0, 5, 2, 7], c, a)})`, // [c0 a1 c2 a3]
    `(v128.store (local.get ${ptr}) ${lanes32([0, 1, 4, 5], get('$t0'), get('$u0'))})`,
    `(v128.store offset=16 (local.get ${ptr}) ${lanes32([2, 3, 4, 5], get('$t2'), get('$t1'))})`,
    `(v128.store offset=32 (local.get ${ptr}) ${lanes32([2, 3, 6, 7], get('$u0'), get('$t3'))})`,
  ];
}

/** loadChannels, with the shuffles of load3 for C = 3 (kept here: the elementwise kernels use loadChannels). */
const loadGroup = (ptr, C, names) => (C === 3 ? load3(ptr, names) : loadChannels(ptr, C, names));
/** storeChannels, with store3 for C = 3. */
const storeGroup = (ptr, C, names) => (C === 3 ? store3(ptr, names) : storeChannels(ptr, C, names));

/** Channels-first: channel c of the four pixels at `ptr` is one vector at ptr + c · PLANE_BYTES(C). */
const loadPlanes = (ptr, C, names) =>
  names.map(
    (n, c) => `(local.set ${n} (v128.load${c ? ` offset=${c * PLANE_BYTES(C)}` : ''} (local.get ${ptr})))`,
  );
const storePlanes = (ptr, C, names) =>
  names.map(
    (n, c) => `(v128.store${c ? ` offset=${c * PLANE_BYTES(C)}` : ''} (local.get ${ptr}) (local.get ${n}))`,
  );
/** The loads and stores of a group of four pixels, and the bytes a group takes per array, in either layout. */
const access = (planar, C) =>
  planar
    ? { load: loadPlanes, store: storePlanes, groupBytes: 16, chan: (c) => c * PLANE_BYTES(C), suffix: 'F' }
    : { load: loadGroup, store: storeGroup, groupBytes: 16 * C, chan: (c) => 16 * c, suffix: '' };

/** The scratch locals of loadChannels / storeChannels. */
export const SHUFFLE_LOCALS =
  '(local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128)';

const range = (n) => Array.from({ length: n }, (_, i) => i);
const decl = (names) => names.map((n) => `(local ${n} v128)`).join(' ');

/**
 * Softmax of the logits of four pixels at $x (gathered, or planar) into $e0…: max, exp(x − max), 1/Σ; leaves
 * $e_c = p_c. Keeps the running minimum of the logits in $chk.
 */
function softmax(C, lab = false, planar = false) {
  const s = access(planar, C).load(
    '$x',
    C,
    range(C).map((c) => `$e${c}`),
  );
  // NaN and +Inf logits make the sums NaN; -Inf (exp gives ~0, no NaN) shows in a running minimum.
  // With labels, only the pixels that count (ignored ones give 0).
  const v = (c) => (lab ? `(v128.and (local.get $e${c}) (local.get $valid))` : `(local.get $e${c})`);
  for (const c of range(C)) s.push(`(local.set $chk (f32x4.pmin (local.get $chk) ${v(c)}))`);
  let m = '(local.get $e0)';
  for (let c = 1; c < C; c++) m = `(f32x4.pmax ${m} (local.get $e${c}))`;
  s.push(`(local.set $m ${m})`);
  for (const c of range(C)) {
    s.push(
      `(local.set $e${c} (f32x4.sub (local.get $e${c}) (local.get $m)))`,
      expSoftmaxF32x4(`$e${c}`, `$e${c}`),
    );
  }
  let sum = '(local.get $e0)';
  for (let c = 1; c < C; c++) sum = `(f32x4.add ${sum} (local.get $e${c}))`;
  s.push(`(local.set $m (f32x4.div (f32x4.splat (f32.const 1)) ${sum}))`);
  for (const c of range(C)) s.push(`(local.set $e${c} (f32x4.mul (local.get $e${c}) (local.get $m)))`);
  return s;
}

/** Label-map prologue per group: $lv, $valid (not ignored), $bad (neither in range nor ignored). */
function labels() {
  return [
    `(local.set $lv (v128.load (local.get $g)))`,
    `(local.set $valid (v128.not (v128.and (i32x4.eq (local.get $lv) (local.get $ignv)) (local.get $hasv))))`,
    `(local.set $bad (v128.or (local.get $bad) (v128.andnot (local.get $valid) (i32x4.lt_u (local.get $lv) (local.get $cv)))))`,
  ];
}

function labelLocals() {
  return `(local $lv v128) (local $valid v128) (local $bad v128) (local $ignv v128) (local $hasv v128) (local $cv v128)`;
}

function labelInit(C) {
  return [
    `(local.set $ignv (i32x4.splat (local.get $ign)))`,
    `(local.set $hasv (i32x4.splat (i32.sub (i32.const 0) (i32.ne (local.get $has) (i32.const 0)))))`,
    `(local.set $cv (i32x4.splat (i32.const ${C})))`,
  ];
}

/**
 * The loop of the stats kernels over np pixels from $x: chunks of `chunkBytes` of logits, each zeroing the
 * float32 accumulators, running `body` per step (advancing $x by `xStep`, $g by `gStep`, $o by `xStep`), then
 * `flush` (to the float64 sums).
 */
function chunkedLoop(C, { chunkBytes, xStep, gStep, zero, body, flush, rStep = 0, pixelBytes = 4 * C }) {
  return `(local.set $end (i32.add (local.get $x) (i32.mul (local.get $np) (i32.const ${pixelBytes}))))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $chunk
        ${zero.join('\n        ')}
        (local.set $cend (i32.add (local.get $x) (i32.const ${chunkBytes})))
        (if (i32.gt_u (local.get $cend) (local.get $end)) (then (local.set $cend (local.get $end))))
        (loop $step
          ${body.join('\n          ')}
          (local.set $x (i32.add (local.get $x) (i32.const ${xStep})))
          (local.set $g (i32.add (local.get $g) (i32.const ${gStep})))
          (local.set $o (i32.add (local.get $o) (i32.const ${xStep})))
          ${rStep ? `(local.set $r (i32.add (local.get $r) (i32.const ${rStep})))` : ''}
          (br_if $step (i32.lt_u (local.get $x) (local.get $cend))))
        ${flush.join('\n        ')}
        (br_if $chunk (i32.lt_u (local.get $x) (local.get $end)))))`;
}

/** The i32 store / load of a bit record of `bytes` bytes. */
const recStore = (bytes) => (bytes === 1 ? 'i32.store8' : bytes === 2 ? 'i32.store16' : 'i32.store');
const recLoad = (bytes) => (bytes === 1 ? 'i32.load8_u' : bytes === 2 ? 'i32.load16_u' : 'i32.load');

/**
 * The record of binary targets (statsDB): statements that OR into $nb the lanes of the target vectors `hs` that
 * are neither +0.0 nor 1.0 (bit patterns: min(h, h ^ 1.0) = 0 only for those two), and store at $r the bits
 * [h = 1.0] of vector k at bits 4k…4k + 3 (lane j at 4k + j) in `bytes` bytes.
 */
function recordTargets(hs, bytes, at = 0) {
  const out = [];
  hs.forEach((h, k) => {
    out.push(
      `(local.set $nb (v128.or (local.get $nb) (i32x4.min_u (local.get ${h}) (v128.xor (local.get ${h}) (local.get $one)))))`,
    );
    const m = `(i32x4.bitmask (i32x4.eq (local.get ${h}) (local.get $one)))`;
    out.push(
      k === 0
        ? `(local.set $bits ${m})`
        : `(local.set $bits (i32.or (local.get $bits) (i32.shl ${m} (i32.const ${4 * k}))))`,
    );
  });
  out.push(`(${recStore(bytes)}${at ? ` offset=${at}` : ''} (local.get $r) (local.get $bits))`);
  return out;
}
const RECORD_LOCALS = '(local $nb v128) (local $one v128) (local $bits i32)';
const RECORD_INIT = '(local.set $one (i32x4.splat (i32.const 0x3f800000)))';
/** Flag bit 2 of statsDB: a target that is neither +0.0 nor 1.0 (the record is not to be used). */
const NOT_BINARY = '(i32.shl (v128.any_true (local.get $nb)) (i32.const 2))';

/** The lane mask of vector k of a bit record splatted in $bv: lane j all ones when bit 4k + j is set. */
function recordMask(k) {
  const c = `(v128.const i32x4 ${[1, 2, 4, 8].map((b) => (b << (4 * k)) >>> 0).join(' ')})`;
  return `(i32x4.eq (v128.and (local.get $bv) ${c}) ${c})`;
}

/**
 * The statements adding channel c's p (v128 local `e`) to its float32 sums (locals $I<j>, $P<j>, $G<j>): Σ p·g,
 * Σ p, Σ g with the dense target in local `h`, or from the label map ($lv, $valid; `e` is masked by $valid).
 */
function channelSums(c, j, e, h, lab) {
  const out = lab
    ? [
        `(local.set ${e} (v128.and (local.get ${e}) (local.get $valid)))`,
        `(local.set $gv (v128.and (i32x4.eq (local.get $lv) (i32x4.splat (i32.const ${c}))) (local.get $valid)))`,
        `(local.set $I${j} (f32x4.add (local.get $I${j}) (v128.and (local.get ${e}) (local.get $gv))))`,
        `(local.set $G${j} (f32x4.add (local.get $G${j}) (v128.and (local.get $gv) (f32x4.splat (f32.const 1)))))`,
      ]
    : [
        `(local.set $I${j} (f32x4.add (local.get $I${j}) (f32x4.mul (local.get ${e}) (local.get ${h}))))`,
        `(local.set $G${j} (f32x4.add (local.get $G${j}) (local.get ${h})))`,
      ];
  out.push(`(local.set $P${j} (f32x4.add (local.get $P${j}) (local.get ${e})))`);
  return out;
}

/**
 * The statements adding channel c's float32 sums (locals $I<j>, $P<j>, $G<j>) to its float64 sums at ACC + 96c
 * (Σp·g), + 32 (Σp), + 64 (Σg): lanes 0–1 at the first 16 bytes, 2–3 at the next.
 */
function flushSums(c, j) {
  const out = [];
  [
    [`$I${j}`, 0],
    [`$P${j}`, 32],
    [`$G${j}`, 64],
  ].forEach(([a, d]) => {
    const off = ACC + 96 * c + d;
    out.push(
      `(v128.store offset=${off} (i32.const 0) (f64x2.add (v128.load offset=${off} (i32.const 0)) (f64x2.promote_low_f32x4 (local.get ${a}))))`,
      `(v128.store offset=${off + 16} (i32.const 0) (f64x2.add (v128.load offset=${off + 16} (i32.const 0)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get ${a}) (local.get ${a})))))`,
    );
  });
  return out;
}

/** The parameters of a stats kernel (statsDS, statsLS, statsDB) and its result: the flags from $chk, $bad, $nb. */
function statsSignature(lab, bits) {
  const o = `(param $o i32) ${bits ? '(param $r i32) ' : ''}`;
  const params = lab
    ? `(param $x i32) (param $g i32) ${o}(param $np i32) (param $ign i32) (param $has i32)`
    : `(param $x i32) (param $g i32) ${o}(param $np i32)`;
  // Bit 0: a logit is -Inf (NaN and +Inf show as non-finite sums, which the caller checks); bit 1: a bad label.
  const minusInf = `(i32.ne (i32x4.bitmask (f32x4.eq (local.get $chk) (f32x4.splat (f32.const -inf)))) (i32.const 0))`;
  const result = lab
    ? `(i32.or ${minusInf} (i32.shl (i32.ne (i32x4.bitmask (local.get $bad)) (i32.const 0)) (i32.const 1)))`
    : bits
      ? `(i32.or ${minusInf} ${NOT_BINARY})`
      : minusInf;
  return { params, result };
}

/** The channels-last stats kernels (group form); channels-first: splitStats. */
function stats(C, lab, bits = false) {
  const L = access(false, C);
  const e = range(C).map((c) => `$e${c}`);
  const acc = range(C).flatMap((c) => [`$I${c}`, `$P${c}`, `$G${c}`]);
  const body = [...softmax(C, lab)];
  if (lab) body.unshift(...labels());
  // The store form writes p as computed: channel c of the group's four pixels at $o + 16c (group-major).
  body.push(...e.map((n, c) => `(v128.store offset=${L.chan(c)} (local.get $o) (local.get ${n}))`));
  if (!lab)
    body.push(
      ...L.load(
        '$g',
        C,
        range(C).map((k) => `$h${k}`),
      ),
    );
  for (const c of range(C)) body.push(...channelSums(c, c, `$e${c}`, `$h${c}`, lab));
  // statsDB: the bit record of the targets and the check that they are 0 / 1.
  if (bits)
    body.push(
      ...recordTargets(
        range(C).map((c) => `$h${c}`),
        RECORD_BYTES(C),
      ),
    );
  const zero = acc.map((a) => `(local.set ${a} (v128.const i32x4 0 0 0 0))`);
  const flush = range(C).flatMap((c) => flushSums(c, c));
  const gstep = lab ? 16 : L.groupBytes;
  const { params, result } = statsSignature(lab, bits);
  const name = `stats${lab ? 'L' : 'D'}${bits ? 'B' : 'S'}${L.suffix}`;
  const rStep = bits ? RECORD_BYTES(C) : 0;
  return `
  (func (export "${name}") ${params} (result i32)
    (local $end i32) (local $cend i32) (local $m v128) (local $gv v128) (local $chk v128) ${bits ? RECORD_LOCALS : ''}
    ${lab ? labelLocals() : decl(range(C).map((c) => `$h${c}`))} ${decl(e)} ${decl(acc)} ${mathLocals()} ${SHUFFLE_LOCALS}
    ${lab ? labelInit(C).join('\n    ') : ''} ${bits ? RECORD_INIT : ''}
    ${chunkedLoop(C, { chunkBytes: CHUNK_GROUPS * L.groupBytes, xStep: L.groupBytes, gStep: gstep, zero, body, flush, rStep, pixelBytes: L.groupBytes / 4 })}
    ${result})`;
}

function grad(C, lab, bits = false, planar = false) {
  const L = access(planar, C);
  const e = range(C).map((c) => `$e${c}`);
  const d = range(C).map((c) => `$d${c}`);
  // The stored p (the group-major or planar blocks of the stats kernels, at $x).
  const body = e.map((n, c) => `(local.set ${n} (v128.load offset=${L.chan(c)} (local.get $x)))`);
  if (lab) body.unshift(...labels());
  body.push(`(local.set $m (v128.const i32x4 0 0 0 0))`);
  // gradPB: the targets from the bit record of statsDB (A where g = 1, else 0, plus B: the bits of A·g + B).
  if (bits) body.push(`(local.set $bv (i32x4.splat (${recLoad(RECORD_BYTES(C))} (local.get $r))))`);
  else if (!lab)
    body.push(
      ...L.load(
        '$g',
        C,
        range(C).map((c) => `$d${c}`),
      ),
    );
  for (const c of range(C)) {
    const A = `(v128.load32_splat offset=${COEF + 4 * c} (i32.const 0))`;
    const B = `(v128.load32_splat offset=${COEF + 32 + 4 * c} (i32.const 0))`;
    const dc = lab
      ? `(f32x4.add (v128.and ${A} (i32x4.eq (local.get $lv) (i32x4.splat (i32.const ${c})))) ${B})`
      : bits
        ? `(f32x4.add (v128.and ${A} ${recordMask(c)}) ${B})`
        : `(f32x4.add (f32x4.mul ${A} (local.get $d${c})) ${B})`;
    body.push(
      `(local.set $d${c} ${dc})`,
      `(local.set $m (f32x4.add (local.get $m) (f32x4.mul (local.get $e${c}) (local.get $d${c}))))`,
    );
  }
  for (const c of range(C)) {
    let v = `(f32x4.mul (local.get $e${c}) (f32x4.sub (local.get $d${c}) (local.get $m)))`;
    if (lab) v = `(v128.and ${v} (local.get $valid))`;
    body.push(`(local.set $e${c} ${v})`);
  }
  body.push(
    ...L.store(
      '$o',
      C,
      range(C).map((c) => `$e${c}`),
    ),
  );
  const gstep = lab ? 16 : L.groupBytes;
  const g = bits ? '$r' : '$g';
  const params = lab
    ? '(param $x i32) (param $g i32) (param $o i32) (param $np i32) (param $ign i32) (param $has i32)'
    : `(param $x i32) (param ${g} i32) (param $o i32) (param $np i32)`;
  return `
  (func (export "gradP${bits ? 'B' : lab ? 'L' : 'D'}${L.suffix}") ${params}
    (local $end i32) (local $m v128) ${bits ? '(local $bv v128)' : ''}
    ${lab ? labelLocals() : ''} ${decl(e)} ${decl(d)} ${SHUFFLE_LOCALS}
    ${lab ? labelInit(C).join('\n    ') : ''}
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $np) (i32.const ${L.groupBytes / 4}))))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $group
        ${body.join('\n        ')}
        (local.set $x (i32.add (local.get $x) (i32.const ${L.groupBytes})))
        (local.set ${g} (i32.add (local.get ${g}) (i32.const ${bits ? RECORD_BYTES(C) : gstep})))
        (local.set $o (i32.add (local.get $o) (i32.const ${L.groupBytes})))
        (br_if $group (i32.lt_u (local.get $x) (local.get $end))))))`;
}

/**
 * Channel counts whose dense-target kernels (statsD, statsDS, gradD, gradPD) run pixel by pixel: one pixel's C
 * channels are C / 4 whole vectors, the softmax's max and sum are reduced across lanes by two shuffles each, and
 * p is stored in the input's own (pixel-major) layout. For C = 8 this needs 6 accumulators instead of the 24 of
 * the group form (which spill: x64 has 16 vector registers) and no transposes. Their sums go to ACC in the
 * PIXEL_ACC layout; the label-map kernels keep the group form.
 */
export const PIXEL_MAJOR_C = [8];
/**
 * Pixels per loop step of the pixel-major kernels (np is a multiple of 4, so of UNROLL): the same statements in
 * the same order at the next pixels' offsets, so the same bits; one pointer update and branch per four pixels
 * (statsDB 1.69 → 1.56 and 1.50 → 1.38, gradPB 0.36 → 0.29 and 0.22 → 0.21 ns per element in two runs, kernel
 * alone in cache, C = 8).
 */
const UNROLL = 4;
/** Float64 sums of the pixel-major kernels: Σp·g of channel c at ACC + 8c, Σp at + 8(C + c), Σg at + 8(2C + c). */
export const PIXEL_ACC = 'ACC + 8·(k·C + c), k = 0 (Σp·g), 1 (Σp), 2 (Σg)';

/** Sets every lane of v128 local `v` to the `op` (f32x4.add, f32x4.pmax) of its four lanes. */
function across(op, v) {
  return [
    `(local.set ${v} (${op} (local.get ${v}) ${lanes32([2, 3, 0, 1], get(v), get(v))}))`,
    `(local.set ${v} (${op} (local.get ${v}) ${lanes32([1, 0, 3, 2], get(v), get(v))}))`,
  ];
}

/**
 * The softmax of one pixel's logits (pixel u after $x) into $e0…$e{V-1} (V = C / 4 vectors), pixel-major; the
 * running minimum of the logits in $chk.
 */
function pixelSoftmax(V, u = 0) {
  const s = [];
  for (let q = 0; q < V; q++)
    s.push(`(local.set $e${q} (v128.load offset=${16 * (q + V * u)} (local.get $x)))`);
  for (let q = 0; q < V; q++) s.push(`(local.set $chk (f32x4.pmin (local.get $chk) (local.get $e${q})))`);
  let m = '(local.get $e0)';
  for (let q = 1; q < V; q++) m = `(f32x4.pmax ${m} (local.get $e${q}))`;
  s.push(`(local.set $m ${m})`, ...across('f32x4.pmax', '$m'));
  for (let q = 0; q < V; q++) {
    s.push(
      `(local.set $e${q} (f32x4.sub (local.get $e${q}) (local.get $m)))`,
      expSoftmaxF32x4(`$e${q}`, `$e${q}`),
    );
  }
  let sum = '(local.get $e0)';
  for (let q = 1; q < V; q++) sum = `(f32x4.add ${sum} (local.get $e${q}))`;
  s.push(`(local.set $m ${sum})`, ...across('f32x4.add', '$m'));
  s.push(`(local.set $m (f32x4.div (f32x4.splat (f32.const 1)) (local.get $m)))`);
  for (let q = 0; q < V; q++) s.push(`(local.set $e${q} (f32x4.mul (local.get $e${q}) (local.get $m)))`);
  return s;
}

/**
 * statsDS / statsDB (dense targets) pixel by pixel: see PIXEL_MAJOR_C. Float32 sums over chunks of CHUNK_GROUPS
 * pixels (as many terms per lane as the group form's chunks), then float64.
 */
function pixelStats(C, bits = false) {
  const V = C / 4;
  const q = range(V);
  const acc = q.flatMap((k) => [`$I${k}`, `$P${k}`, `$G${k}`]);
  const body = [];
  // UNROLL pixels per step (the same statements in the same order, at the next pixel's offsets).
  for (let u = 0; u < UNROLL; u++) {
    body.push(...pixelSoftmax(V, u));
    for (const k of q) {
      const at = 16 * (k + V * u);
      body.push(
        `(local.set $h${k} (v128.load offset=${at} (local.get $g)))`,
        `(local.set $I${k} (f32x4.add (local.get $I${k}) (f32x4.mul (local.get $e${k}) (local.get $h${k}))))`,
        `(local.set $P${k} (f32x4.add (local.get $P${k}) (local.get $e${k})))`,
        `(local.set $G${k} (f32x4.add (local.get $G${k}) (local.get $h${k})))`,
      );
      body.push(`(v128.store offset=${at} (local.get $o) (local.get $e${k}))`);
    }
    // statsDB: one byte of record per pixel (bits 4k + j: channel 4k + j).
    if (bits)
      body.push(
        ...recordTargets(
          q.map((k) => `$h${k}`),
          1,
          u,
        ),
      );
  }
  const flush = [];
  q.forEach((k) => {
    ['I', 'P', 'G'].forEach((a, j) => {
      const off = ACC + 8 * (j * C + 4 * k);
      const v = `$${a}${k}`;
      flush.push(
        `(v128.store offset=${off} (i32.const 0) (f64x2.add (v128.load offset=${off} (i32.const 0)) (f64x2.promote_low_f32x4 (local.get ${v}))))`,
        `(v128.store offset=${off + 16} (i32.const 0) (f64x2.add (v128.load offset=${off + 16} (i32.const 0)) (f64x2.promote_low_f32x4 ${lanes32([2, 3, 0, 1], get(v), get(v))})))`,
      );
    });
  });
  const zero = acc.map((a) => `(local.set ${a} (v128.const i32x4 0 0 0 0))`);
  const o = `(param $o i32) ${bits ? '(param $r i32) ' : ''}`;
  const minusInf = `(i32.ne (i32x4.bitmask (f32x4.eq (local.get $chk) (f32x4.splat (f32.const -inf)))) (i32.const 0))`;
  return `
  (func (export "statsD${bits ? 'B' : 'S'}") (param $x i32) (param $g i32) ${o}(param $np i32) (result i32)
    (local $end i32) (local $cend i32) (local $m v128) (local $chk v128) ${bits ? RECORD_LOCALS : ''}
    ${decl(q.map((k) => `$e${k}`))} ${decl(q.map((k) => `$h${k}`))} ${decl(acc)} ${mathLocals()}
    ${bits ? RECORD_INIT : ''}
    ${chunkedLoop(C, { chunkBytes: CHUNK_GROUPS * 4 * C, xStep: 4 * C * UNROLL, gStep: 4 * C * UNROLL, zero, body, flush, rStep: bits ? UNROLL : 0 })}
    ${bits ? `(i32.or ${minusInf} ${NOT_BINARY})` : minusInf})`;
}

/** gradPD / gradPB (dense targets) pixel by pixel: p as statsDS stored it (pixel-major). */
function pixelGrad(C, bits = false) {
  const V = C / 4;
  const q = range(V);
  const init = q.flatMap((k) => [
    `(local.set $a${k} (v128.load offset=${COEF + 16 * k} (i32.const 0)))`,
    `(local.set $b${k} (v128.load offset=${COEF + 32 + 16 * k} (i32.const 0)))`,
  ]);
  const body = [];
  for (let u = 0; u < UNROLL; u++) {
    const at = (k) => 16 * (k + V * u);
    body.push(...q.map((k) => `(local.set $e${k} (v128.load offset=${at(k)} (local.get $x)))`));
    // The record byte of the pixel: its two nibbles index the lane-mask table (bits 0–3: channels 0–3; 4–7: 4–7).
    if (bits) body.push(`(local.set $rb (i32.load8_u${u ? ` offset=${u}` : ''} (local.get $r)))`);
    const nibble = (k) =>
      k === 0
        ? '(i32.shl (i32.and (local.get $rb) (i32.const 15)) (i32.const 4))'
        : '(i32.and (local.get $rb) (i32.const 240))';
    for (const k of q) {
      const ag = bits
        ? `(v128.and (local.get $a${k}) (v128.load offset=${TABLE} ${nibble(k)}))`
        : `(f32x4.mul (local.get $a${k}) (v128.load offset=${at(k)} (local.get $g)))`;
      body.push(`(local.set $d${k} (f32x4.add ${ag} (local.get $b${k})))`);
    }
    let dot = '(f32x4.mul (local.get $e0) (local.get $d0))';
    for (let k = 1; k < V; k++) dot = `(f32x4.add ${dot} (f32x4.mul (local.get $e${k}) (local.get $d${k})))`;
    body.push(`(local.set $m ${dot})`, ...across('f32x4.add', '$m'));
    for (const k of q) {
      body.push(
        `(v128.store offset=${at(k)} (local.get $o) (f32x4.mul (local.get $e${k}) (f32x4.sub (local.get $d${k}) (local.get $m))))`,
      );
    }
  }
  const names = q.flatMap((k) => [`$e${k}`, `$d${k}`, `$a${k}`, `$b${k}`]);
  const g = bits ? '$r' : '$g';
  return `
  (func (export "gradP${bits ? 'B' : 'D'}") (param $x i32) (param ${g} i32) (param $o i32) (param $np i32)
    (local $end i32) (local $m v128) ${bits ? '(local $rb i32)' : ''} ${decl(names)}
    ${init.join('\n    ')}
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $np) (i32.const ${4 * C}))))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $pixel
        ${body.join('\n        ')}
        (local.set $x (i32.add (local.get $x) (i32.const ${4 * C * UNROLL})))
        (local.set ${g} (i32.add (local.get ${g}) (i32.const ${(bits ? 1 : 4 * C) * UNROLL})))
        (local.set $o (i32.add (local.get $o) (i32.const ${4 * C * UNROLL})))
        (br_if $pixel (i32.lt_u (local.get $x) (local.get $end))))))`;
}

/**
 * statsDS / statsLS / statsDB of the channels-first (planar) layout, split in two phases per chunk of
 * CHUNK_GROUPS groups: the group form's 3C float32 accumulators (24 at C = 8) do not fit x64's 16 vector
 * registers besides the C channels of the softmax, and spill. Phase A computes and stores the softmax of each of
 * the chunk's groups (C live vectors); phase B sums the chunk channel pair by channel pair (six accumulators),
 * reading p back from the chunk just stored (and the targets). Each float32 sum adds the same terms in the same
 * order as the group form (channel c, lane j, over the chunk's groups), so the two layouts give the same bits
 * where their blocks agree. Flags, sums (ACC + 96c) and the bit record (RECORD_BYTES(C) per group: byte k holds
 * channels 2k, 2k + 1) as stats(). Measured faster than the group form for every C (kernel alone, C = 8: 8.6
 * against 10.2 ns per pixel; C = 3: 2.6 against 2.8).
 */
function splitStats(C, lab, bits = false) {
  const L = access(true, C);
  const e = range(C).map((c) => `$e${c}`);
  const pairs = range(Math.ceil(C / 2)).map((k) => range(C).slice(2 * k, 2 * k + 2));
  // Phase A: the softmax of each group of the chunk, stored at $o (the running minimum of the logits in $chk).
  const phaseA = [...softmax(C, lab, true)];
  if (lab) phaseA.unshift(...labels());
  phaseA.push(...e.map((n, c) => `(v128.store offset=${L.chan(c)} (local.get $o) (local.get ${n}))`));
  // Phase B, per pair: p read back (with labels: masked by $valid, as stats() masks it after storing it).
  const phaseB = (pair, k) => {
    const body = [];
    if (lab)
      body.push(
        `(local.set $lv (v128.load (local.get $g)))`,
        `(local.set $valid (v128.not (v128.and (i32x4.eq (local.get $lv) (local.get $ignv)) (local.get $hasv))))`,
      );
    for (const c of pair) {
      const j = c % 2;
      body.push(`(local.set $e${j} (v128.load offset=${L.chan(c)} (local.get $o)))`);
      if (!lab) body.push(`(local.set $h${j} (v128.load offset=${L.chan(c)} (local.get $g)))`);
      body.push(...channelSums(c, j, `$e${j}`, `$h${j}`, lab));
    }
    if (bits) {
      // statsDB: byte k of the group's record holds the bits [g = 1] of channels 2k, 2k + 1.
      const rec = recordTargets(
        pair.map((c) => `$h${c % 2}`),
        1,
        k,
      );
      body.push(...rec);
    }
    const accs = pair.flatMap((c) => ['I', 'P', 'G'].map((a) => `$${a}${c % 2}`));
    const flush = pair.flatMap((c) => flushSums(c, c % 2));
    const rb = RECORD_BYTES(C);
    return `${accs.map((a) => `(local.set ${a} (v128.const i32x4 0 0 0 0))`).join('\n        ')}
        (local.set $o (local.get $o0))
        (local.set $g (local.get $g0))
        ${bits ? '(local.set $r (local.get $r0))' : ''}
        (loop $b${k}
          ${body.join('\n          ')}
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (local.set $g (i32.add (local.get $g) (i32.const 16)))
          ${bits ? `(local.set $r (i32.add (local.get $r) (i32.const ${rb})))` : ''}
          (br_if $b${k} (i32.lt_u (local.get $o) (local.get $oend))))
        ${flush.join('\n        ')}`;
  };
  const { params, result } = statsSignature(lab, bits);
  const name = `stats${lab ? 'L' : 'D'}${bits ? 'B' : 'S'}F`;
  const acc = ['I', 'P', 'G'].flatMap((a) => [`$${a}0`, `$${a}1`]);
  const chunk = CHUNK_GROUPS * 16;
  // Phase A runs over the chunk's groups with $x, $o (and $g for label maps: $bad); phase B from $o0, $g0, $r0.
  return `
  (func (export "${name}") ${params} (result i32)
    (local $end i32) (local $cend i32) (local $oend i32) (local $o0 i32) (local $g0 i32) ${bits ? '(local $r0 i32)' : ''}
    (local $m v128) (local $gv v128) (local $chk v128) ${bits ? RECORD_LOCALS : ''}
    ${lab ? labelLocals() : '(local $h0 v128) (local $h1 v128)'} ${decl(e)} ${decl(acc)} ${mathLocals()}
    ${lab ? labelInit(C).join('\n    ') : ''} ${bits ? RECORD_INIT : ''}
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $np) (i32.const 4))))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $chunk
        (local.set $cend (i32.add (local.get $x) (i32.const ${chunk})))
        (if (i32.gt_u (local.get $cend) (local.get $end)) (then (local.set $cend (local.get $end))))
        (local.set $o0 (local.get $o))
        (local.set $g0 (local.get $g))
        ${bits ? '(local.set $r0 (local.get $r))' : ''}
        (local.set $oend (i32.add (local.get $o) (i32.sub (local.get $cend) (local.get $x))))
        (loop $a
          ${phaseA.join('\n          ')}
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          ${lab ? '(local.set $g (i32.add (local.get $g) (i32.const 16)))' : ''}
          (br_if $a (i32.lt_u (local.get $x) (local.get $cend))))
        ${pairs.map(phaseB).join('\n        ')}
        (br_if $chunk (i32.lt_u (local.get $x) (local.get $end)))))
    ${result})`;
}

/** The WebAssembly text of the module for C channels. */
export function softmaxRegionWat(C) {
  const pixel = PIXEL_MAJOR_C.includes(C);
  // Per layout: pass 1 storing p (dense targets, label maps, dense targets recorded as bits: statsDS, statsLS,
  // statsDB) and pass 2 from the stored p (gradPD, gradPL, gradPB). Channels-last C = 8 dense: pixel-major.
  const layout = (planar) => {
    const pix = pixel && !planar;
    return [
      pix ? pixelStats(C) : planar ? splitStats(C, false) : stats(C, false),
      planar ? splitStats(C, true) : stats(C, true),
      pix ? pixelStats(C, true) : planar ? splitStats(C, false, true) : stats(C, false, true),
      pix ? pixelGrad(C) : grad(C, false, false, planar),
      grad(C, true, false, planar),
      pix ? pixelGrad(C, true) : grad(C, false, true, planar),
    ];
  };
  const funcs = [...layout(false), ...layout(true)].join('');
  const table = range(16)
    .map((b) =>
      range(4)
        .map((j) => ((b >> j) & 1 ? '\\ff' : '\\00').repeat(4))
        .join(''),
    )
    .join('');
  return `(module
  (memory (export "memory") ${SOFTMAX_LAYOUT.PAGES})
  ${pixel ? `(data (i32.const ${TABLE}) "${table}")` : ''}${funcs})\n`;
}

export const SOFTMAX_SCRATCH = { X, G: G_AT, O: O_AT };
