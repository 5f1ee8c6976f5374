/**
 * Binary dilation by the BraTS 2023 structuring element, repeated (kernels do not validate).
 * @module
 */

/**
 * Dilates `mask` (nonzero = foreground, shape `[H, W]` or `[D, H, W]`) `iterations` times by the structuring
 * element of `scipy.ndimage.generate_binary_structure(rank, 2)`: the 3×3 square in 2-D, the 18-neighbourhood
 * (faces and edges, no corners) in 3-D — what the BraTS 2023 lesion-wise evaluation uses. Elements outside the
 * array are background (scipy's `border_value = 0`). Repeating a dilation by a symmetric element that holds its
 * centre reaches exactly the elements within `iterations` steps of the mask in that element's neighbourhood graph,
 * so this is a breadth-first search from the mask, linear in the dilated elements.
 * @returns a new mask, 1 on the dilated foreground.
 */
export function dilateBraTS(
  mask: ArrayLike<number>,
  shape: readonly number[],
  iterations: number,
): Uint8Array {
  const n = mask.length;
  const rank = shape.length;
  const W = shape[rank - 1];
  const H = shape[rank - 2];
  const D = rank === 3 ? shape[0] : 1;
  const out = new Uint8Array(n);
  let frontier = new Int32Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (mask[i] !== 0) {
      out[i] = 1;
      frontier[size++] = i;
    }
  }
  // Offsets [dz, dy, dx] of the element: at most two nonzero coordinates in 3-D (18), any in 2-D (8).
  const offsets: [number, number, number][] = [];
  for (let dz = rank === 3 ? -1 : 0; dz <= (rank === 3 ? 1 : 0); dz++) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const nonzero = (dz !== 0 ? 1 : 0) + (dy !== 0 ? 1 : 0) + (dx !== 0 ? 1 : 0);
        if (nonzero > 0 && nonzero <= 2) offsets.push([dz, dy, dx]);
      }
    }
  }
  let next = new Int32Array(n);
  const plane = H * W;
  for (let it = 0; it < iterations && size > 0; it++) {
    let added = 0;
    for (let f = 0; f < size; f++) {
      const i = frontier[f];
      const z = Math.floor(i / plane);
      const r = i - z * plane;
      const y = Math.floor(r / W);
      const x = r - y * W;
      for (const [dz, dy, dx] of offsets) {
        const zz = z + dz;
        const yy = y + dy;
        const xx = x + dx;
        if (zz < 0 || zz >= D || yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
        const j = zz * plane + yy * W + xx;
        if (out[j] === 0) {
          out[j] = 1;
          next[added++] = j;
        }
      }
    }
    [frontier, next] = [next, frontier];
    size = added;
  }
  return out;
}
