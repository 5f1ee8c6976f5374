/**
 * Boundary extraction: foreground elements with a background face neighbour (the mask minus its erosion by the
 * cross structuring element: 4-neighbourhood in 2-D, 6 in 3-D, 2·rank in n-D), the outside of the array counted
 * as background. No validation.
 * @module
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Writes 1 into `out[i]` for every boundary element of `mask` (nonzero = foreground) of `shape`, 0 elsewhere,
 * and, when `list` is given, the flat index of each boundary element in order. A 0/1 `Uint8Array` (declared by
 * `zeroOne`) in 2-D or 3-D with a last axis divisible by 4 is done 4 elements per operation.
 * @returns the number of boundary elements.
 */
export function boundaryMask(
  mask: ArrayLike<number>,
  shape: readonly number[],
  out: Uint8Array,
  list?: Int32Array,
  zeroOne = false,
): number {
  const rank = shape.length;
  if (
    zeroOne &&
    LITTLE_ENDIAN &&
    mask instanceof Uint8Array &&
    (rank === 2 || rank === 3) &&
    shape[rank - 1] % 4 === 0 &&
    mask.byteOffset % 4 === 0 &&
    out.byteOffset % 4 === 0
  ) {
    return boundaryWords(mask, shape, out, list);
  }
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

/**
 * {@link boundaryMask} of a 0/1 `Uint8Array` in 2-D / 3-D, 4 elements per 32-bit word (little-endian): a byte's
 * x neighbours come from shifting the word by 8 bits (with the next word's edge byte carried in; 0 beyond the
 * line), its y and z neighbours are the words one row or one plane away; interior = the AND of all six, and the
 * boundary = mask XOR interior.
 */
function boundaryWords(
  mask: Uint8Array,
  shape: readonly number[],
  out: Uint8Array,
  list: Int32Array | undefined,
): number {
  const r3 = shape.length === 3;
  const Z = r3 ? shape[0] : 1;
  const Y = shape[shape.length - 2];
  const X = shape[shape.length - 1];
  const W = X >> 2; // words per line
  const WP = W * Y; // words per plane
  const m = new Uint32Array(mask.buffer, mask.byteOffset, (Z * Y * X) >> 2);
  const o = new Uint32Array(out.buffer, out.byteOffset, (Z * Y * X) >> 2);
  let count = 0;
  for (let z = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      const line = z * WP + y * W;
      const face = y === 0 || y === Y - 1 || (r3 && (z === 0 || z === Z - 1));
      for (let j = 0; j < W; j++) {
        const k = line + j;
        const w = m[k];
        if (w === 0) {
          o[k] = 0;
          continue;
        }
        let e = w;
        if (!face) {
          const left = (w << 8) | (j > 0 ? m[k - 1] >>> 24 : 0);
          const right = (w >>> 8) | (j < W - 1 ? m[k + 1] << 24 : 0);
          let inner = w & left & right & m[k - W] & m[k + W];
          if (r3) inner &= m[k - WP] & m[k + WP];
          e = w ^ inner;
        }
        o[k] = e;
        if (e !== 0) {
          const base = k << 2;
          if (list) {
            if (e & 0xff) list[count++] = base;
            if (e & 0xff00) list[count++] = base + 1;
            if (e & 0xff0000) list[count++] = base + 2;
            if (e & 0xff000000) list[count++] = base + 3;
          } else count += Math.imul(e, 0x01010101) >>> 24;
        }
      }
    }
  }
  return count;
}
