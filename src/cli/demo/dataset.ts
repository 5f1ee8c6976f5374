/**
 * The demo's built-in data: a deterministic, class-imbalanced segmentation set of grey-level images.
 *
 * Every image has a textured, slowly varying background (class 0, about 85 % of the pixels), one bright
 * ellipse (class 1, about 10 %), one striped bar whose mean grey level equals the background's, so only its
 * texture gives it away (class 2, about 4 %), and two small bright spots (class 3, about 1 %), all under
 * Gaussian noise. Shapes scale with the image size, so the shares hold at any size; later shapes paint over
 * earlier ones.
 * @module
 */

/** The demo's classes, in label order. */
export const CLASS_NAMES = ['background', 'ellipse', 'striped bar', 'spot'] as const;

/** A generated set: `samples` images of `size × size` pixels, row-major, image after image. */
export interface DemoDataset {
  readonly size: number;
  readonly samples: number;
  /** Grey levels in [0, 1], `samples · size · size` values. */
  readonly images: Float32Array;
  /** Class labels 0–3, same layout as `images`. */
  readonly labels: Uint8Array;
}

/** mulberry32: a small, fast, seeded generator of uniforms in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller) from a uniform generator. */
function normal(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const NOISE = 0.1;
const BACKGROUND = 0.32;

/**
 * Generates the set; the same `(samples, size, seed)` always gives the same bytes.
 * @param samples - number of images.
 * @param size - image side in pixels.
 * @param seed - generator seed.
 * @example const data = generateDataset(200, 64, 1); // data.labels: 0–3, about 85/10/4/1 %
 */
export function generateDataset(samples: number, size: number, seed: number): DemoDataset {
  const rand = seededRandom(seed);
  const gauss = normal(rand);
  const plane = size * size;
  const images = new Float32Array(samples * plane);
  const labels = new Uint8Array(samples * plane);
  const area = (share: number, spread: number) => share * plane * (1 + spread * (2 * rand() - 1));
  for (let n = 0; n < samples; n++) {
    const img = images.subarray(n * plane, (n + 1) * plane);
    const lab = labels.subarray(n * plane, (n + 1) * plane);
    // Background: three slow waves of random direction and phase.
    const waves = Array.from({ length: 3 }, () => ({
      kx: (2 * Math.PI * (1 + 2 * rand()) * Math.cos(Math.PI * rand())) / size,
      ky: (2 * Math.PI * (1 + 2 * rand()) * Math.sin(Math.PI * rand())) / size,
      phase: 2 * Math.PI * rand(),
    }));
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let v = BACKGROUND;
        for (const w of waves) v += 0.05 * Math.sin(w.kx * x + w.ky * y + w.phase);
        img[y * size + x] = v;
      }
    }
    // Class 1: one bright ellipse, about 10 % of the image.
    {
      const ab = area(0.1, 0.3) / Math.PI;
      const ratio = 0.55 + 0.45 * rand();
      const a = Math.sqrt(ab / ratio);
      const b = ab / a;
      const cx = size * (0.3 + 0.4 * rand());
      const cy = size * (0.3 + 0.4 * rand());
      const angle = Math.PI * rand();
      const [c, s] = [Math.cos(angle), Math.sin(angle)];
      paint(
        size,
        (x, y) => {
          const u = ((x - cx) * c + (y - cy) * s) / a;
          const v = (-(x - cx) * s + (y - cy) * c) / b;
          return u * u + v * v <= 1;
        },
        (i, x, y) => {
          img[i] = 0.5 + 0.04 * Math.sin((x + y) / 3);
          lab[i] = 1;
        },
      );
    }
    // Class 2: one bar striped across its length, mean grey level = background, about 4 %.
    {
      const len = Math.sqrt(area(0.04, 0.3) * 3.5);
      const wid = (0.04 * plane * (0.85 + 0.3 * rand())) / len;
      const cx = size * (0.15 + 0.7 * rand());
      const cy = size * (0.15 + 0.7 * rand());
      const angle = Math.PI * rand();
      const [c, s] = [Math.cos(angle), Math.sin(angle)];
      const period = Math.max(2, size / 16);
      paint(
        size,
        (x, y) => {
          const u = (x - cx) * c + (y - cy) * s;
          const v = -(x - cx) * s + (y - cy) * c;
          return Math.abs(u) <= len / 2 && Math.abs(v) <= wid / 2;
        },
        (i, x, y) => {
          const u = (x - cx) * c + (y - cy) * s;
          img[i] = BACKGROUND + 0.2 * Math.sin((2 * Math.PI * u) / period);
          lab[i] = 2;
        },
      );
    }
    // Class 3: two small bright spots, about 1 % together.
    for (let k = 0; k < 2; k++) {
      const r = Math.sqrt(area(0.005, 0.3) / Math.PI);
      const cx = size * (0.1 + 0.8 * rand());
      const cy = size * (0.1 + 0.8 * rand());
      paint(
        size,
        (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r,
        (i) => {
          img[i] = 0.68;
          lab[i] = 3;
        },
      );
    }
    for (let i = 0; i < plane; i++) img[i] = Math.min(1, Math.max(0, img[i] + NOISE * gauss()));
  }
  return { size, samples, images, labels };
}

/** Calls `draw(index, x, y)` for every pixel centre (x + ½, y + ½) inside the shape. */
function paint(
  size: number,
  inside: (x: number, y: number) => boolean,
  draw: (index: number, x: number, y: number) => void,
): void {
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (inside(x + 0.5, y + 0.5)) draw(y * size + x, x + 0.5, y + 0.5);
    }
  }
}
