/**
 * The small numeric algebra the score table (`src/core/scores.ts`) is written over, so that each score formula
 * exists once and runs on plain numbers (this file's {@link numberAlgebra}, used by the core) and on TF.js
 * tensors (`tensorAlgebra` in `src/tfjs/family/tensorAlgebra.ts`, used by the GPU op path, nothing read back).
 *
 * Binary operations take a value or a plain number on either side. Comparisons return a mask `M` (a boolean
 * for numbers, a bool tensor for tensors) that carries no gradient; `where(m, x, y)` picks `x` where `m` holds,
 * else `y`. A formula that must not differentiate an unselected branch (log of 0, a power of 0) guards the
 * argument too: `where(m, log(where(m, s, 1)), c)`.
 * @module
 */

/** Elementwise arithmetic over values `T` with masks `M`. */
export interface Algebra<T, M> {
  add(x: T | number, y: T | number): T;
  sub(x: T | number, y: T | number): T;
  mul(x: T | number, y: T | number): T;
  div(x: T | number, y: T | number): T;
  neg(x: T): T;
  abs(x: T): T;
  log(x: T): T;
  log1p(x: T): T;
  exp(x: T): T;
  sqrt(x: T): T;
  /** `x^e` for a constant exponent. */
  pow(x: T, e: number): T;
  /** `max(x, c)` for a constant `c`. */
  max(x: T, c: number): T;
  /** `min(max(x, lo), hi)` for constants; its derivative passes where lo ≤ x ≤ hi (bounds included). */
  clip(x: T, lo: number, hi: number): T;
  /** `softplus(x) = log(1 + eˣ)`, stable for any x; derivative σ(x). */
  softplus(x: T): T;
  /** The logistic `σ(x) = 1 / (1 + e⁻ˣ)`, exactly 0 or 1 far out, never NaN for finite x. */
  sigmoid(x: T): T;
  /** `x > c`, no gradient. */
  gt(x: T, c: number): M;
  /** `x < c`, no gradient. */
  lt(x: T, c: number): M;
  /** `x === c`, no gradient. */
  eq(x: T, c: number): M;
  not(m: M): M;
  /** `x` where `m` holds, else `y`. */
  where(m: M, x: T | number, y: T | number): T;
}

/**
 * The algebra of plain numbers: the core's instance (`where` is the conditional operator; both branches are
 * evaluated, which for numbers only costs a NaN that is then dropped).
 * @example ratioScoreOf(numberAlgebra, fScoreShape(1), 3, 1, 2).s // 6/9
 */
export const numberAlgebra: Algebra<number, boolean> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  neg: (x) => -x,
  abs: Math.abs,
  log: Math.log,
  log1p: Math.log1p,
  exp: Math.exp,
  sqrt: Math.sqrt,
  pow: Math.pow,
  max: (x, c) => (x < c ? c : x),
  clip: (x, lo, hi) => (x < lo ? lo : x > hi ? hi : x),
  softplus: (x) => (x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x))),
  sigmoid: (x) => {
    const e = Math.exp(-Math.abs(x));
    return x >= 0 ? 1 / (1 + e) : e / (1 + e);
  },
  gt: (x, c) => x > c,
  lt: (x, c) => x < c,
  eq: (x, c) => x === c,
  not: (m) => !m,
  where: (m, x, y) => (m ? x : y),
};
