/**
 * Boundary extraction: foreground elements with a background face neighbour (the mask minus its erosion by the
 * cross structuring element: 4-neighbourhood in 2-D, 6 in 3-D, 2·rank in n-D), the outside of the array counted
 * as background. No validation.
 * @module
 */

/**
 * Writes 1 into `out[i]` for every boundary element of `mask` (nonzero = foreground) of `shape`, 0 elsewhere,
 * and, when `list` is given, the flat index of each boundary element in order.
 * @returns the number of boundary elements.
 */
export function boundaryMask(
  mask: ArrayLike<number>,
  shape: readonly number[],
  out: Uint8Array,
  list?: Int32Array,
): number {
  const rank = shape.length;
  const n = shape[rank - 1];
  const strides: number[] = new Array(rank).fill(1);
  for (let k = rank - 2; k >= 0; k--) strides[k] = strides[k + 1] * shape[k + 1];
  const coord: number[] = new Array(Math.max(rank - 1, 0)).fill(0);
  let count = 0;
  for (let off = 0; off < mask.length; off += n) {
    // Is this line on an array face along some outer axis? Then all its foreground is boundary.
    let onFace = false;
    for (let k = 0; k < rank - 1; k++) if (coord[k] === 0 || coord[k] === shape[k] - 1) onFace = true;
    for (let x = 0; x < n; x++) {
      const i = off + x;
      if (mask[i] === 0) {
        out[i] = 0;
        continue;
      }
      let edge = onFace || x === 0 || x === n - 1 || mask[i - 1] === 0 || mask[i + 1] === 0;
      for (let k = 0; !edge && k < rank - 1; k++) {
        const s = strides[k];
        edge = mask[i - s] === 0 || mask[i + s] === 0;
      }
      out[i] = edge ? 1 : 0;
      if (edge) {
        if (list) list[count] = i;
        count++;
      }
    }
    for (let k = rank - 2; k >= 0; k--) {
      if (++coord[k] < shape[k]) break;
      coord[k] = 0;
    }
  }
  return count;
}
