/**
 * The demo's label overlays, shared by the HTML report (as PNG) and the browser demo (on a canvas): a grey image
 * with each labelled pixel blended with its class colour. Browser-safe: no Node imports.
 * @module
 */

/** Overlay colour of each class (background is left grey). */
export const CLASS_COLORS: readonly (readonly [number, number, number])[] = [
  [0, 0, 0],
  [230, 85, 13],
  [49, 163, 84],
  [49, 130, 189],
];

/**
 * A `size × size` grey image (values in [0, 1]) with the labels painted over it (40 % grey, 60 % class colour;
 * class 0 left grey), as interleaved 8-bit pixels with `channels` 3 (RGB) or 4 (RGBA, opaque).
 * @example overlayPixels(new Float32Array([1]), new Uint8Array([1]), 1, 3) // Uint8ClampedArray [240, 153, 110]
 */
export function overlayPixels(
  image: Float32Array,
  labels: Uint8Array | undefined,
  size: number,
  channels: 3 | 4,
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(size * size * channels);
  for (let i = 0; i < size * size; i++) {
    const g = Math.round(255 * Math.min(1, Math.max(0, image[i])));
    const c = labels ? labels[i] : 0;
    for (let k = 0; k < 3; k++)
      out[channels * i + k] = c === 0 ? g : Math.round(0.4 * g + 0.6 * CLASS_COLORS[c][k]);
    if (channels === 4) out[4 * i + 3] = 255;
  }
  return out;
}
