/**
 * The 2-D per-query Euclidean search reads its first pass in place (row-major, a column with stride X) rather
 * than transposed: it must give the numbers of the full separable passes (`SEARCH.enabled = false`), for both
 * surface definitions, any shape (one row, one column, non-square) and anisotropic spacing (fast-check, seeded).
 * The two ways add the squared axis offsets in another order, so a distance can differ in its last bit (seen in
 * a mean: 0.7012412192230582 against …058 with the transposed search before this change too): equal to 1e-12
 * relative, and the counts exactly.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { surfaceDistances } from '../../src/core/evaluation/index.js';
import { SEARCH } from '../../src/core/kernels/edt.js';

const params = { seed: 1302, numRuns: 120 };
const DEFINITIONS = ['boundary-voxels', 'surface-elements'] as const;

/** Both ways of computing the metrics of one pair: the search, then the full passes. */
function bothWays(
  g: { data: Uint8Array; shape: number[] },
  p: { data: Uint8Array; shape: number[] },
  spacing: number[],
  definition: (typeof DEFINITIONS)[number],
) {
  const options = { spacing, percentile: 90, tolerance: 1.5, definition };
  const on = surfaceDistances(g, p, options);
  SEARCH.enabled = false;
  const off = surfaceDistances(g, p, options);
  SEARCH.enabled = true;
  return { on, off };
}

function expectSame(on: Record<string, number>, off: Record<string, number>): void {
  expect(Object.keys(on).sort()).toEqual(Object.keys(off).sort());
  for (const key of Object.keys(off)) {
    const [a, b] = [on[key], off[key]];
    if (Number.isFinite(b) && b !== 0) expect(Math.abs(a - b) / Math.abs(b), key).toBeLessThan(1e-12);
    else expect(a, key).toBe(b);
  }
}

describe('the 2-D search on the row-major first pass', () => {
  afterEach(() => {
    SEARCH.enabled = true;
  });

  it('equals the full separable passes on random masks, shapes and spacings', () => {
    const pair = fc
      .tuple(fc.integer({ min: 1, max: 23 }), fc.integer({ min: 1, max: 23 }))
      .chain(([Y, X]) =>
        fc.tuple(
          fc.constant([Y, X]),
          fc.uint8Array({ minLength: Y * X, maxLength: Y * X, min: 0, max: 1 }),
          fc.uint8Array({ minLength: Y * X, maxLength: Y * X, min: 0, max: 1 }),
          fc.tuple(
            fc.double({ min: 0.25, max: 4, noNaN: true }),
            fc.double({ min: 0.25, max: 4, noNaN: true }),
          ),
          fc.constantFrom(...DEFINITIONS),
        ),
      );
    fc.assert(
      fc.property(pair, ([shape, a, b, spacing, definition]) => {
        const { on, off } = bothWays(
          { data: a, shape: [...shape] },
          { data: b, shape: [...shape] },
          [...spacing],
          definition,
        );
        expectSame({ ...on }, { ...off });
      }),
      params,
    );
  });

  it('equals them when one mask is a far corner pixel (long searches)', () => {
    const [Y, X] = [40, 57];
    const far = new Uint8Array(Y * X);
    far[0] = 1;
    const blob = new Uint8Array(Y * X);
    for (let y = 20; y < Y; y++)
      for (let x = 25; x < X; x++) blob[y * X + x] = (x * 7 + y * 3) % 11 < 9 ? 1 : 0;
    const shape = [Y, X];
    for (const spacing of [
      [1, 1],
      [2.5, 0.75],
    ]) {
      for (const definition of DEFINITIONS) {
        for (const [g, p] of [
          [far, blob],
          [blob, far],
        ]) {
          const { on, off } = bothWays({ data: g, shape }, { data: p, shape }, spacing, definition);
          expectSame({ ...on }, { ...off });
          expect(on.hausdorff).toBeGreaterThan(20); // the far pixel is ≥ 20 rows from the blob
        }
      }
    }
  });
});
