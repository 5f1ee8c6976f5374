// The relaxed-SIMD variant of a module's WebAssembly text, made by rewriting its S-expressions (folded form):
//   (f32x4.add (f32x4.mul a b) c), (f32x4.add c (f32x4.mul a b))  → (f32x4.relaxed_madd a b c)   a·b + c
//   (f32x4.sub c (f32x4.mul a b))                                   → (f32x4.relaxed_nmadd a b c)  c − a·b
//   (v128.bitselect x y m), m a lane mask                           → (iNxM.relaxed_laneselect x y m)
// relaxed_madd / relaxed_nmadd round once (fused) or twice, as the CPU does it (x64 with FMA3, Arm: fused);
// relaxed_laneselect equals v128.bitselect when every lane of m is all ones or all zeros, which holds when m is
// syntactically a comparison (f32x4.lt, i32x4.eq, …) or v128.and / or / andnot / xor / not of such masks of one
// lane width. f64x2 is never rewritten (not its products, not its comparisons' masks). A rewrite that would move
// an operand past another (the product second, or the subtrahend's product) is made only when neither side has
// an effect (local.set / tee, global.set, a store, a call, memory.grow / fill / copy): it evaluates c after a, b.
// Instructions written flat (not folded) are left as they are.
// Used by scripts/build-wasm.mjs on the softmax-region, elementwise and binary modules; never on the region
// module, whose affine gradients promise the bits of the JS kernels.

import { base64Module } from './assemble.mjs';

/** Splits WebAssembly text into '(' , ')', strings and atoms; drops `;; line` and `(; block ;)` comments. */
function tokenize(text) {
  const tokens = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    if (ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r') i++;
    else if (ch === ';' && text[i + 1] === ';') {
      while (i < n && text[i] !== '\n') i++;
    } else if (ch === '(' && text[i + 1] === ';') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '(' && text[i + 1] === ';') {
          depth++;
          i += 2;
        } else if (text[i] === ';' && text[i + 1] === ')') {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) throw new Error('relaxWat: unterminated block comment');
    } else if (ch === '(' || ch === ')') {
      tokens.push(ch);
      i++;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= n) throw new Error('relaxWat: unterminated string');
      tokens.push(text.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < n && !/[\s()";]/.test(text[j])) j++;
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

/** The S-expression tree of WebAssembly text: a list is an array, an atom a string. */
export function parseSexp(text) {
  const tokens = tokenize(text);
  const stack = [[]];
  for (const t of tokens) {
    if (t === '(') stack.push([]);
    else if (t === ')') {
      if (stack.length === 1) throw new Error('relaxWat: unbalanced )');
      const list = stack.pop();
      stack[stack.length - 1].push(list);
    } else stack[stack.length - 1].push(t);
  }
  if (stack.length !== 1) throw new Error('relaxWat: unbalanced (');
  return stack[0];
}

/** WebAssembly text of a tree from `parseSexp` (one line per module field). */
export function printSexp(nodes) {
  const one = (node) =>
    Array.isArray(node) ? `(${node.map(one).join(node[0] === 'module' ? '\n  ' : ' ')})` : node;
  return nodes.map(one).join('\n');
}

const isList = Array.isArray;
const head = (node) => (isList(node) && typeof node[0] === 'string' ? node[0] : null);

/** A folded instruction `op` with exactly `arity` operands, all folded expressions. */
function isOp(node, op, arity) {
  return head(node) === op && node.length === arity + 1 && node.slice(1).every(isList);
}

const COMPARISONS = new Set([
  'eq',
  'ne',
  'lt',
  'gt',
  'le',
  'ge',
  'lt_s',
  'lt_u',
  'gt_s',
  'gt_u',
  'le_s',
  'le_u',
  'ge_s',
  'ge_u',
]);
const LANES = { f32x4: 'i32x4', i32x4: 'i32x4', i16x8: 'i16x8', i8x16: 'i8x16', i64x2: 'i64x2' };

/**
 * The lane shape of the laneselect for mask `m` ('i32x4', 'i16x8', 'i8x16', 'i64x2'), or null when `m` is not
 * syntactically a mask whose lanes are all ones or all zeros (or is an f64x2 comparison).
 */
export function maskLanes(m) {
  const h = head(m);
  if (h === null) return null;
  const [shape, op] = h.split('.');
  if (op !== undefined && COMPARISONS.has(op) && shape in LANES && isOp(m, h, 2)) return LANES[shape];
  if (h === 'v128.not' && isOp(m, h, 1)) return maskLanes(m[1]);
  if (['v128.and', 'v128.or', 'v128.andnot', 'v128.xor'].includes(h) && isOp(m, h, 2)) {
    const a = maskLanes(m[1]);
    return a !== null && a === maskLanes(m[2]) ? a : null;
  }
  return null;
}

const EFFECTS =
  /^(local\.set|local\.tee|global\.set|call|call_indirect|memory\.(grow|fill|copy|init)|.*\.store.*)$/;

/** True when an expression writes a local, a global or memory, or calls. */
function hasEffect(node) {
  if (!isList(node)) return false;
  const h = head(node);
  if (h !== null && EFFECTS.test(h)) return true;
  return node.some(hasEffect);
}

/**
 * The relaxed-SIMD form of WebAssembly text `wat` (see the head of this file) and how many of each rewrite
 * it made: `madd` (a·b + c), `nmadd` (c − a·b), `laneselect`, and `kept`: the candidates left as they were
 * because moving an operand could change what runs (an operand with an effect).
 * @example relaxWat('(f32x4.add (local.get $c) (f32x4.mul (local.get $a) (local.get $b)))').text
 * // '(f32x4.relaxed_madd (local.get $a) (local.get $b) (local.get $c))'
 */
export function relaxWat(wat) {
  const counts = { madd: 0, nmadd: 0, laneselect: 0, kept: 0 };
  const mayReorder = (...nodes) => !nodes.some(hasEffect);
  const visit = (node) => {
    if (!isList(node)) return node;
    const out = node.map(visit);
    if (isOp(out, 'f32x4.add', 2)) {
      const [, x, y] = out;
      if (isOp(x, 'f32x4.mul', 2)) {
        counts.madd++;
        return ['f32x4.relaxed_madd', x[1], x[2], y];
      }
      if (isOp(y, 'f32x4.mul', 2)) {
        if (!mayReorder(x, y)) return (counts.kept++, out);
        counts.madd++;
        return ['f32x4.relaxed_madd', y[1], y[2], x];
      }
    }
    if (isOp(out, 'f32x4.sub', 2) && isOp(out[2], 'f32x4.mul', 2)) {
      const [, c, m] = out;
      if (!mayReorder(c, m)) return (counts.kept++, out);
      counts.nmadd++;
      return ['f32x4.relaxed_nmadd', m[1], m[2], c];
    }
    if (isOp(out, 'v128.bitselect', 3)) {
      const lanes = maskLanes(out[3]);
      if (lanes !== null) {
        counts.laneselect++;
        return [`${lanes}.relaxed_laneselect`, out[1], out[2], out[3]];
      }
    }
    return out;
  };
  const tree = parseSexp(wat).map(visit);
  return { text: `${printSexp(tree)}\n`, counts };
}

/**
 * The generated TypeScript module holding relaxed bytes as base64: `name` = one module's bytes, or one per channel
 * count when `bytes` is a record `{ C: Uint8Array }`.
 */
export function relaxedBytesModule(name, what, bytes) {
  const header = `// Generated by scripts/build-wasm.mjs (npm run build:wasm) through scripts/wasm/relaxed.mjs: do not edit.`;
  const doc =
    bytes instanceof Uint8Array
      ? `${what}, relaxed-SIMD variant (${bytes.length} bytes), as base64.`
      : `${what}, relaxed-SIMD variant, one module per channel count, as base64.`;
  return base64Module(header, doc, name, bytes);
}
