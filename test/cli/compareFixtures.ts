/**
 * The strips of the `segkit compare` tests: image i is 1×40, class 1 on pixels 0–19, class 2 on 20–29,
 * background after. A prediction misses the first `e` pixels of class 1 (predicts 0 there) and pixel 20 of
 * class 2. Model A misses e = i + 2 pixels, model B e = i + 1 (better), except on img00: A e = 1, B e = 2 (worse,
 * and the smallest |difference|, since the differences grow with e).
 */

/** The errors `[e of A, e of B]` of image i. */
export const errors = (i: number): [number, number] => (i === 0 ? [1, 2] : [i + 2, i + 1]);

/** The label strip with e missed pixels of class 1 (and pixel 20 missed), or the ground truth (e = null). */
export const strip = (e: number | null): number[] =>
  Array.from({ length: 40 }, (_, p) => {
    if (p < 20) return e !== null && p < e ? 0 : 1;
    if (p < 30) return e !== null && p === 20 ? 0 : 2;
    return 0;
  });

/** The image id: img00, img01, … */
export const id = (i: number): string => `img${String(i).padStart(2, '0')}`;
