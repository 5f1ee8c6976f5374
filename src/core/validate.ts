/**
 * Guards that build segkit's error messages: `<function>: <argument> must <expectation>; got <value>.`
 * Kernels never validate; user-facing functions call these once, up front.
 * @module
 */
import type { BatchGeometry, Layout, NdArray, NumericArray } from './types.js';

/** Formats a shape as `[2,8,8,3]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Formats any value compactly for an error message. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map(formatValue).join(', ');
    return `[${shown}${value.length > 8 ? ', …' : ''}]`;
  }
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as Uint8Array).length})`;
  if (typeof value === 'function') return 'a function';
  return typeof value === 'object' ? 'an object' : String(value);
}

/** A TypeError whose message starts with the function name. */
export function typeError(fn: string, message: string): TypeError {
  return new TypeError(`${fn}: ${message}`);
}

/**
 * True when the two views overlap in the same buffer (views of one buffer that do not overlap are apart).
 * @example overlaps(new Float32Array(4), new Float32Array(4)) // false
 */
export function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return (
    a.buffer === b.buffer &&
    a.byteOffset < b.byteOffset + b.byteLength &&
    b.byteOffset < a.byteOffset + a.byteLength
  );
}

/** A RangeError whose message starts with the function name. */
export function rangeError(fn: string, message: string): RangeError {
  return new RangeError(`${fn}: ${message}`);
}

/** True for typed arrays (not DataView) and plain arrays. */
export function isNumericArray(x: unknown): x is NumericArray {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

/** Integer typed arrays, whose values are exact class labels. */
export function isIntegerTypedArray(x: unknown): boolean {
  return (
    x instanceof Int8Array ||
    x instanceof Uint8Array ||
    x instanceof Uint8ClampedArray ||
    x instanceof Int16Array ||
    x instanceof Uint16Array ||
    x instanceof Int32Array ||
    x instanceof Uint32Array
  );
}

/**
 * The index of the first NaN or ±Infinity of `a`, or -1 (integer typed arrays hold none and are not scanned).
 * @example firstNonFinite(new Float32Array([0, 1, NaN])) // 2
 */
export function firstNonFinite(a: NumericArray): number {
  if (isIntegerTypedArray(a)) return -1;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/**
 * Throws `<fn>: <arg> must hold finite <what>; got <value> at index <i>.` (a RangeError) when `a` holds NaN or
 * ±Infinity; `at` formats the index (default: the flat index).
 */
export function checkFiniteValues(
  fn: string,
  arg: string,
  a: NumericArray,
  what = 'values',
  at: (i: number) => string = String,
): void {
  const i = firstNonFinite(a);
  if (i >= 0) throw rangeError(fn, `${arg} must hold finite ${what}; got ${a[i]} at index ${at(i)}.`);
}

/** Product of the extents. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Checks that `x` is `{ data, shape }` with a numeric buffer, a shape of positive integers of rank ≥ `minRank`,
 * and `data.length` equal to the product of the shape.
 */
export function checkNdArray(fn: string, arg: string, x: unknown, minRank = 1): NdArray {
  if (x === null || typeof x !== 'object') {
    throw typeError(fn, `${arg} must be an object { data, shape }; got ${formatValue(x)}.`);
  }
  const { data, shape } = x as { data?: unknown; shape?: unknown };
  if (!isNumericArray(data)) {
    throw typeError(
      fn,
      `${arg}.data must be a typed array or an array of numbers; got ${formatValue(data)}.`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw typeError(fn, `${arg}.shape must be an array of positive integers; got ${formatValue(shape)}.`);
  }
  if (shape.length < minRank) {
    throw rangeError(
      fn,
      `${arg} must have rank ≥ ${minRank}; got rank ${shape.length} (shape ${formatShape(shape)}).`,
    );
  }
  const size = sizeOf(shape);
  if (data.length !== size) {
    throw rangeError(
      fn,
      `${arg}.data.length must equal the product of ${arg}.shape ${formatShape(shape)} (${size}); got ${data.length}.`,
    );
  }
  return x as NdArray;
}

/** Checks that two arrays have identical shapes. */
export function checkSameShape(
  fn: string,
  a: NdArray,
  b: NdArray,
  names: [string, string] = ['gt', 'pr'],
): void {
  const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  if (!same) {
    throw rangeError(
      fn,
      `${names[0]} and ${names[1]} must have the same shape; got ${formatShape(a.shape)} and ${formatShape(b.shape)}.`,
    );
  }
}

/** Checks the layout option. */
export function checkLayout(fn: string, layout: unknown): Layout {
  if (layout === undefined) return 'channelsLast';
  if (layout !== 'channelsLast' && layout !== 'channelsFirst') {
    throw typeError(fn, `layout must be 'channelsLast' or 'channelsFirst'; got ${formatValue(layout)}.`);
  }
  return layout;
}

/** Batch geometry of a `[N, ...spatial, C]` or `[N, C, ...spatial]` shape (rank ≥ 3 not required: rank 2 = no spatial axis). */
export function geometryOf(shape: readonly number[], layout: Layout): BatchGeometry {
  const batch = shape[0];
  const channels = layout === 'channelsLast' ? shape[shape.length - 1] : shape[1];
  const spatialShape = layout === 'channelsLast' ? shape.slice(1, -1) : shape.slice(2);
  const pixels = sizeOf(spatialShape);
  return layout === 'channelsLast'
    ? {
        batch,
        channels,
        pixels,
        spatialShape,
        imageStride: pixels * channels,
        pixelStride: channels,
        channelStride: 1,
        layout,
      }
    : {
        batch,
        channels,
        pixels,
        spatialShape,
        imageStride: pixels * channels,
        pixelStride: 1,
        channelStride: pixels,
        layout,
      };
}

/** Checks that a number is finite (and ≥ `min` when given). */
export function checkFiniteNumber(fn: string, arg: string, v: unknown, min?: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw typeError(fn, `${arg} must be a finite number; got ${formatValue(v)}.`);
  }
  if (min !== undefined && v < min) throw rangeError(fn, `${arg} must be ≥ ${min}; got ${v}.`);
  return v;
}

/** Checks that a number lies in [lo, hi]. */
export function checkNumberInRange(fn: string, arg: string, v: unknown, lo: number, hi: number): number {
  checkFiniteNumber(fn, arg, v);
  if ((v as number) < lo || (v as number) > hi) {
    throw rangeError(fn, `${arg} must be in [${lo}, ${hi}]; got ${v}.`);
  }
  return v as number;
}

/**
 * Checks the β of an F-score: a finite number in [0, 1e100], so that (1 + β²)·tp stays finite (a larger β would
 * give ∞/∞ = NaN; its limit, the recall, is what β = 1e100 already gives).
 */
export function checkFScoreBeta(fn: string, v: unknown): number {
  const beta = checkFiniteNumber(fn, 'beta', v, 0);
  if (beta > 1e100) throw rangeError(fn, `beta must be at most 1e100, so that β² stays finite; got ${beta}.`);
  return beta;
}

/** Checks that a value is a boolean (or undefined, giving the default). */
export function checkBoolean(fn: string, arg: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw typeError(fn, `${arg} must be true or false; got ${formatValue(v)}.`);
  return v;
}
