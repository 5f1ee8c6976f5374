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
  if (rank === 2 || rank === 3) return boundaryMask23(mask, shape, out, list);
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

/** {@link boundaryMask} for rank 2 and 3 with the six (four) neighbour tests written out. */
function boundaryMask23(
  mask: ArrayLike<number>,
  shape: readonly number[],
  out: Uint8Array,
  list: Int32Array | undefined,
): number {
  const r3 = shape.length === 3;
  const Z = r3 ? shape[0] : 1;
  const Y = shape[shape.length - 2];
  const X = shape[shape.length - 1];
  const XY = X * Y;
  let count = 0;
  out.fill(0, 0, Z * XY);
  for (let z = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      const off = z * XY + y * X;
      // a line on a face of the array (outside = background): all its foreground is boundary
      const face = y === 0 || y === Y - 1 || (r3 && (z === 0 || z === Z - 1));
      for (let x = 0; x < X; x++) {
        const i = off + x;
        if (mask[i] === 0) continue;
        const edge =
          face ||
          x === 0 ||
          x === X - 1 ||
          mask[i - 1] === 0 ||
          mask[i + 1] === 0 ||
          mask[i - X] === 0 ||
          mask[i + X] === 0 ||
          (r3 && (mask[i - XY] === 0 || mask[i + XY] === 0));
        if (edge) {
          out[i] = 1;
          if (list) list[count] = i;
          count++;
        }
      }
    }
  }
  return count;
}
