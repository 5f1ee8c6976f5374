/**
 * Connected-component labelling by runs (kernels do not validate): each row of the mask is cut into runs of
 * foreground, runs of neighbouring rows are joined in a union-find when they touch under the connectivity, and the
 * runs are painted with their component's number. Linear in the elements plus near-linear in the runs.
 * @module
 */

/**
 * Which neighbouring rows a row's runs can touch, and how: `[dz, dy, diagonal]`, relative to the current row,
 * only rows already visited (dz < 0, or dz = 0 and dy < 0). `diagonal` lets runs touch corner to corner in x.
 */
function neighbourRows(rank: number, connectivity: number): [number, number, boolean][] {
  if (rank === 2) return [[0, -1, connectivity === 8]];
  switch (connectivity) {
    case 6:
      return [
        [0, -1, false],
        [-1, 0, false],
      ];
    case 18:
      return [
        [0, -1, true],
        [-1, 0, true],
        [-1, -1, false],
        [-1, 1, false],
      ];
    default:
      return [
        [0, -1, true],
        [-1, -1, true],
        [-1, 0, true],
        [-1, 1, true],
      ];
  }
}

/**
 * Labels the connected components of `mask` (nonzero = foreground) with shape `[H, W]` or `[D, H, W]` into
 * `out` (0 = background, components numbered 1, 2, … in raster order of their first element). Returns the number
 * of components and their sizes (`sizes[k]` = elements of component k + 1).
 */
export function labelComponents(
  mask: ArrayLike<number>,
  shape: readonly number[],
  connectivity: number,
  out: Int32Array,
): { count: number; sizes: Float64Array } {
  const rank = shape.length;
  const W = shape[rank - 1];
  const H = shape[rank - 2];
  const D = rank === 3 ? shape[0] : 1;
  const rows = D * H;
  // Runs, row by row: [start, end) in x; rowStart[r] .. rowStart[r + 1] index the runs of row r.
  const rowStart = new Int32Array(rows + 1);
  let starts = new Int32Array(1024);
  let ends = new Int32Array(1024);
  let runs = 0;
  for (let r = 0; r < rows; r++) {
    rowStart[r] = runs;
    const base = r * W;
    let x = 0;
    while (x < W) {
      while (x < W && mask[base + x] === 0) x++;
      if (x >= W) break;
      const s = x;
      while (x < W && mask[base + x] !== 0) x++;
      if (runs === starts.length) {
        const grow = (a: Int32Array) => {
          const b = new Int32Array(a.length * 2);
          b.set(a);
          return b;
        };
        starts = grow(starts);
        ends = grow(ends);
      }
      starts[runs] = s;
      ends[runs] = x;
      runs++;
    }
  }
  rowStart[rows] = runs;
  const parent = new Int32Array(runs);
  for (let i = 0; i < runs; i++) parent[i] = i;
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root];
    while (parent[i] !== root) {
      const next = parent[i];
      parent[i] = root;
      i = next;
    }
    return root;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    // The smaller index wins, so the root of a component is its first run in raster order.
    if (ra < rb) parent[rb] = ra;
    else if (rb < ra) parent[ra] = rb;
  };
  const neighbours = neighbourRows(rank, connectivity);
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      const r = z * H + y;
      const a0 = rowStart[r];
      const a1 = rowStart[r + 1];
      if (a0 === a1) continue;
      for (const [dz, dy, diagonal] of neighbours) {
        const z2 = z + dz;
        const y2 = y + dy;
        if (z2 < 0 || y2 < 0 || y2 >= H) continue;
        const r2 = z2 * H + y2;
        let b = rowStart[r2];
        const b1 = rowStart[r2 + 1];
        const reach = diagonal ? 1 : 0;
        // Merge-walk two sorted run lists: runs touch when they overlap, or meet corner to corner with `diagonal`.
        let a = a0;
        while (a < a1 && b < b1) {
          if (starts[a] < ends[b] + reach && starts[b] < ends[a] + reach) union(a, b);
          if (ends[a] < ends[b]) a++;
          else b++;
        }
      }
    }
  }
  // Number the roots in order of first appearance and paint.
  const id = new Int32Array(runs);
  let count = 0;
  for (let i = 0; i < runs; i++) {
    const root = find(i);
    id[i] = root === i ? ++count : id[root];
  }
  const sizes = new Float64Array(count);
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const base = r * W;
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
      const label = id[k];
      out.fill(label, base + starts[k], base + ends[k]);
      sizes[label - 1] += ends[k] - starts[k];
    }
  }
  return { count, sizes };
}
