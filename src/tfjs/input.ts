/**
 * Checks of the `(yTrue, yPred)` tensors a TF.js loss or metric receives, and their view as a 3-D
 * `[N, pixels, C]` (channels-last) or `[N, C, pixels]` (channels-first) tensor, so every loss reduces over
 * one pixel axis whatever the number of spatial dimensions.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Layout } from '../core/types.js';
import { formatShape, formatValue, rangeError, typeError } from '../core/validate.js';

/** True for anything that looks like a `tf.Tensor` (duck-typed, so a second copy of tfjs-core still counts). */
export function isTensor(x: unknown): x is tf.Tensor {
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray((x as tf.Tensor).shape) &&
    typeof (x as tf.Tensor).dtype === 'string' &&
    'dataId' in x
  );
}

/** Geometry of a checked `(yTrue, yPred)` pair. */
export interface TensorGeometry {
  /** Images (axis 0). */
  readonly batch: number;
  /** Channels (classes). */
  readonly channels: number;
  /** Pixels (voxels) per image. */
  readonly pixels: number;
  /** Shape of the 3-D view: `[N, pixels, C]` or `[N, C, pixels]`. */
  readonly shape3: [number, number, number];
  /** Axis of the 3-D view that holds the channels (2 or 1). */
  readonly channelAxis: 1 | 2;
  /** Axis of the 3-D view that holds the pixels (1 or 2). */
  readonly pixelAxis: 1 | 2;
  readonly layout: Layout;
}

/**
 * Checks that `yTrue` and `yPred` are tensors holding numbers (any shape).
 * @throws TypeError `diceLoss: yPred must be a tf.Tensor; got [1, 2].`
 */
export function checkNumericTensors(fn: string, yTrue: unknown, yPred: unknown): asserts yTrue is tf.Tensor {
  for (const [name, x] of [
    ['yTrue', yTrue],
    ['yPred', yPred],
  ] as const) {
    if (!isTensor(x)) throw typeError(fn, `${name} must be a tf.Tensor; got ${formatValue(x)}.`);
    if (x.dtype === 'string' || x.dtype === 'complex64') {
      throw typeError(fn, `${name} must hold numbers; got dtype '${x.dtype}'.`);
    }
  }
}

/**
 * Checks that `yTrue` and `yPred` are tensors of the same shape and rank ≥ 3 (`[N, ...spatial, C]` or
 * `[N, C, ...spatial]`); every shape error names both shapes. Integer label maps, which have no channel axis,
 * are caught by the shape check and pointed at `tf.oneHot`.
 * @throws TypeError `diceLoss: yPred must be a tf.Tensor; got [1, 2].`
 * @throws RangeError `diceLoss: yTrue and yPred must have the same shape; got [2,8,8] and [2,8,8,3].`
 */
export function checkTensors(fn: string, yTrue: unknown, yPred: unknown, layout: Layout): TensorGeometry {
  checkNumericTensors(fn, yTrue, yPred);
  const t = (yTrue as tf.Tensor).shape as number[];
  const p = (yPred as tf.Tensor).shape as number[];
  const same = t.length === p.length && t.every((d, i) => d === p[i]);
  if (!same) {
    const labels =
      t.length === p.length - 1 ||
      (t.length === p.length && t[t.length - 1] === 1 && layout === 'channelsLast');
    const hint = labels
      ? ' (yTrue must be one-hot like yPred: turn a label map into one-hot with tf.oneHot first)'
      : '';
    throw rangeError(
      fn,
      `yTrue and yPred must have the same shape${hint}; got ${formatShape(t)} and ${formatShape(p)}.`,
    );
  }
  if (p.length < 3) {
    const expected = layout === 'channelsLast' ? '[N, ...spatial, C]' : '[N, C, ...spatial]';
    throw rangeError(
      fn,
      `yTrue and yPred must have rank ≥ 3 (${expected}); got ${formatShape(t)} and ${formatShape(p)}.`,
    );
  }
  const batch = p[0];
  const channels = layout === 'channelsLast' ? p[p.length - 1] : p[1];
  const spatial = layout === 'channelsLast' ? p.slice(1, -1) : p.slice(2);
  const pixels = spatial.reduce((a, b) => a * b, 1);
  return layout === 'channelsLast'
    ? { batch, channels, pixels, shape3: [batch, pixels, channels], channelAxis: 2, pixelAxis: 1, layout }
    : { batch, channels, pixels, shape3: [batch, channels, pixels], channelAxis: 1, pixelAxis: 2, layout };
}

/** `x` as float32 (a no-op for float32 tensors; labels given as int32 or bool are cast). */
export function asFloat(x: tf.Tensor): tf.Tensor {
  return x.dtype === 'float32' ? x : tf.cast(x, 'float32');
}

/** The 3-D float32 view of a checked tensor. */
export function view3(x: tf.Tensor, geo: TensorGeometry): tf.Tensor3D {
  return tf.reshape(asFloat(x), geo.shape3);
}

/**
 * `x` restricted to the selected channels (slices joined along the channel axis, which every backend can
 * differentiate), or `x` itself when every channel is selected in order.
 */
export function gatherChannels(
  x: tf.Tensor3D,
  channels: readonly number[],
  geo: TensorGeometry,
): tf.Tensor3D {
  if (isAllChannels(channels, geo.channels)) return x;
  const parts = channels.map((c) => {
    const begin: [number, number, number] = [0, 0, 0];
    const size: [number, number, number] = [-1, -1, -1];
    begin[geo.channelAxis] = c;
    size[geo.channelAxis] = 1;
    return tf.slice(x, begin, size);
  });
  return parts.length === 1 ? parts[0] : tf.concat(parts, geo.channelAxis);
}

/**
 * The inverse of {@link gatherChannels} for a gradient: `g` (selected channels) spread back onto all
 * channels, zeros in the unselected ones.
 */
export function scatterChannels(
  g: tf.Tensor3D,
  channels: readonly number[],
  geo: TensorGeometry,
): tf.Tensor3D {
  if (isAllChannels(channels, geo.channels)) return g;
  const zeroShape = [...g.shape] as [number, number, number];
  zeroShape[geo.channelAxis] = 1;
  const padded = tf.concat([g, tf.zeros(zeroShape)], geo.channelAxis);
  return tf.gather(
    padded,
    tf.tensor1d(inverseIndex(channels, geo.channels), 'int32'),
    geo.channelAxis,
  ) as tf.Tensor3D;
}

/** True when `channels` is exactly 0, 1, …, C − 1. */
export function isAllChannels(channels: readonly number[], count: number): boolean {
  return channels.length === count && channels.every((c, i) => c === i);
}

/** For each of the `count` channels, its position in `channels`, or `channels.length` when unselected. */
export function inverseIndex(channels: readonly number[], count: number): number[] {
  const inv = new Array<number>(count).fill(channels.length);
  channels.forEach((c, i) => (inv[c] = i));
  return inv;
}
