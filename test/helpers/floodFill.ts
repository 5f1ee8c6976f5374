/**
 * Oracles for the connected-component tests: a breadth-first flood fill over explicit neighbour offsets, and a
 * dilation that applies the BraTS structuring element to every element, iteration by iteration.
 */
import type { Connectivity } from '../../src/core/evaluation/components.js';

/** The neighbour offsets [dz, dy, dx] with 1 … `maxNonzero` nonzero coordinates (rank 2: dz = 0 only). */
export function neighbourOffsets(rank: number, maxNonzero: number): number[][] {
  const offsets: number[][] = [];
  for (let dz = rank === 3 ? -1 : 0; dz <= (rank === 3 ? 1 : 0); dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const nz = Math.abs(dz) + Math.abs(dy) + Math.abs(dx);
        if (nz >= 1 && nz <= maxNonzero) offsets.push([dz, dy, dx]);
      }
  return offsets;
}

/** Breadth-first flood fill over explicit neighbour offsets: the oracle. */
export function floodFill(mask: number[], shape: number[], connectivity: Connectivity): Int32Array {
  const rank = shape.length;
  const dims = rank === 2 ? [1, shape[0], shape[1]] : shape;
  const [D, H, W] = dims;
  const offsets = neighbourOffsets(
    rank,
    connectivity === 4 || connectivity === 6 ? 1 : connectivity === 18 ? 2 : 3,
  );
  const labels = new Int32Array(mask.length);
  let next = 0;
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || labels[start] !== 0) continue;
    labels[start] = ++next;
    const queue = [start];
    while (queue.length) {
      const i = queue.pop()!;
      const z = Math.floor(i / (H * W));
      const y = Math.floor(i / W) % H;
      const x = i % W;
      for (const [dz, dy, dx] of offsets) {
        const [z2, y2, x2] = [z + dz, y + dy, x + dx];
        if (z2 < 0 || y2 < 0 || x2 < 0 || z2 >= D || y2 >= H || x2 >= W) continue;
        const j = (z2 * H + y2) * W + x2;
        if (mask[j] !== 0 && labels[j] === 0) {
          labels[j] = next;
          queue.push(j);
        }
      }
    }
  }
  return labels;
}

/**
 * `scipy.ndimage.binary_dilation(mask, generate_binary_structure(rank, 2), iterations)` written the slow way:
 * each iteration sets every element that has a foreground neighbour under the element (3×3 square in 2-D, 18 in 3-D).
 */
export function naiveDilation(mask: ArrayLike<number>, shape: number[], iterations: number): number[] {
  const rank = shape.length;
  const [D, H, W] = rank === 2 ? [1, shape[0], shape[1]] : shape;
  const offsets = neighbourOffsets(rank, 2);
  let cur = Array.from(mask, (v) => (v !== 0 ? 1 : 0));
  for (let it = 0; it < iterations; it++) {
    const next = cur.slice();
    for (let z = 0; z < D; z++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const i = (z * H + y) * W + x;
          if (cur[i]) continue;
          for (const [dz, dy, dx] of offsets) {
            const [z2, y2, x2] = [z + dz, y + dy, x + dx];
            if (z2 < 0 || y2 < 0 || x2 < 0 || z2 >= D || y2 >= H || x2 >= W) continue;
            if (cur[(z2 * H + y2) * W + x2]) {
              next[i] = 1;
              break;
            }
          }
        }
    cur = next;
  }
  return cur;
}
