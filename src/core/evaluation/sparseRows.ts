/**
 * Storage of the per-image multiclass rows of {@link ConfusionMatrix}: every row's quadruples in one growing
 * Float64Array, with the rows' pixel counts and end offsets in two more, so that a million images cost their
 * numbers (8 bytes each) and about 24 bytes per image, not one typed array object per image.
 * @module
 */

/** A stored multiclass per-image row: flat quadruples class, tp, fp, fn (classes increasing). */
export interface SparseRow {
  id: string | null;
  pixels: number;
  counts: Float64Array;
}

/** A Float64Array with room for at least `n` values, keeping the first `used` of `a` (capacity doubled). */
function room(a: Float64Array<ArrayBuffer>, used: number, n: number): Float64Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const grown = new Float64Array(Math.max(n, 2 * a.length));
  grown.set(a.subarray(0, used));
  return grown;
}

/**
 * An append-only list of {@link SparseRow}s. Rows are copied in on `push` and handed out as views
 * (`counts` a subarray of the shared buffer); stored rows are never changed.
 * @example const s = new SparseRowStore(); s.push({ id: 'a', pixels: 4, counts: [1, 2, 0, 0] }); s.get(0).pixels // 4
 */
export class SparseRowStore {
  private ids: (string | null)[] = [];
  private pixels = new Float64Array(64);
  private ends = new Float64Array(64);
  private pool = new Float64Array(256);
  private n = 0;
  private used = 0;

  /** Number of rows. */
  get length(): number {
    return this.n;
  }

  /** Appends a copy of a row. */
  push(row: { id: string | null; pixels: number; counts: ArrayLike<number> }): void {
    const k = row.counts.length;
    this.pool = room(this.pool, this.used, this.used + k);
    for (let j = 0; j < k; j++) this.pool[this.used + j] = row.counts[j];
    this.used += k;
    this.pixels = room(this.pixels, this.n, this.n + 1);
    this.ends = room(this.ends, this.n, this.n + 1);
    this.pixels[this.n] = row.pixels;
    this.ends[this.n] = this.used;
    this.ids.push(row.id);
    this.n++;
  }

  /** Row i (its counts a view into the store). */
  get(i: number): SparseRow {
    const start = i === 0 ? 0 : this.ends[i - 1];
    return { id: this.ids[i], pixels: this.pixels[i], counts: this.pool.subarray(start, this.ends[i]) };
  }

  /** The ids of the rows, in order (the store's own array: do not change it). */
  idList(): readonly (string | null)[] {
    return this.ids;
  }

  /** Appends copies of every row of `other` (which may be this store). */
  append(other: SparseRowStore): void {
    const count = other.n;
    for (let i = 0; i < count; i++) this.push(other.get(i));
  }

  /** The rows mapped by `f`, in order. */
  map<T>(f: (row: SparseRow, i: number) => T): T[] {
    const out = new Array<T>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = f(this.get(i), i);
    return out;
  }
}
