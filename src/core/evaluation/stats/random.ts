/**
 * A small seeded generator for resampling: the same seed gives the same stream on every platform, so a bootstrap
 * interval is reproducible from its seed alone.
 * @module
 */

/**
 * xoshiro128** (Blackman & Vigna 2018) seeded through splitmix32; returns a function giving uniform integers in
 * [0, n), n ≤ 2⁵³, without modulo bias (Lemire's multiply-shift with rejection for n ≤ 2²¹, 53 random bits
 * with rejection above).
 * @param seed - any integer (taken modulo 2³²). @default 0
 * @example const next = seededIndex(42); next(10) // an integer in [0, 10), the same on every run
 */
export function seededIndex(seed = 0): (n: number) => number {
  let z = seed >>> 0;
  const split = (): number => {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
    t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next32 = (): number => {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return r;
  };
  return (n: number): number => {
    if (n <= SMALL) {
      // Lemire (2019): ⌊x·n / 2³²⌋ for a 32-bit x, exact in float64 as x·n < 2⁵³; rejecting the low products below
      // 2³² mod n removes the bias.
      const threshold = (TWO32 - n) % n;
      for (;;) {
        const m = next32() * n;
        if (m % TWO32 >= threshold) return Math.floor(m / TWO32);
      }
    }
    // 53 random bits; reject the top partial block so that every residue mod n is equally likely.
    const limit = TWO53 - (TWO53 % n);
    for (;;) {
      const u = (next32() >>> 5) * 67108864 + (next32() >>> 6);
      if (u < limit) return u % n;
    }
  };
}

const TWO32 = 2 ** 32;
const SMALL = 2 ** 21;
const TWO53 = 2 ** 53;

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
