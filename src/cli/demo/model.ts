/**
 * The demo's model: a small U-Net (Ronneberger et al. 2015) in tfjs-layers, two poolings deep, every kernel
 * initialiser seeded so the same seed gives the same starting weights.
 * @module
 */
import * as tfl from '@tensorflow/tfjs-layers';

/** Shape of the U-Net. */
export interface UNetOptions {
  /** Image side (divisible by 4). */
  size: number;
  /** Output classes (softmax channels). */
  classes: number;
  /** Filters of the first level; doubled at each level down. @default 8 */
  filters?: number;
  /** Seed of the kernel initialisers. */
  seed: number;
}

/**
 * Builds the U-Net: `[size, size, 1]` grey levels in, `[size, size, classes]` softmax probabilities out.
 * Up-sampling is nearest-neighbour followed by a 3×3 convolution.
 * @example const model = buildUNet({ size: 64, classes: 4, seed: 1 });
 */
export function buildUNet(options: UNetOptions): tfl.LayersModel {
  const { size, classes, seed } = options;
  const f = options.filters ?? 8;
  let layerSeed = seed * 1000;
  const conv = (x: tfl.SymbolicTensor, filters: number, kernelSize = 3, activation = 'relu') =>
    tfl.layers
      .conv2d({
        filters,
        kernelSize,
        padding: 'same',
        activation: activation as 'relu',
        kernelInitializer: tfl.initializers.heNormal({ seed: layerSeed++ }),
      })
      .apply(x) as tfl.SymbolicTensor;
  const block = (x: tfl.SymbolicTensor, filters: number) => conv(conv(x, filters), filters);
  const pool = (x: tfl.SymbolicTensor) =>
    tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  const up = (x: tfl.SymbolicTensor, filters: number) =>
    conv(tfl.layers.upSampling2d({ size: [2, 2] }).apply(x) as tfl.SymbolicTensor, filters);
  const concat = (a: tfl.SymbolicTensor, b: tfl.SymbolicTensor) =>
    tfl.layers.concatenate().apply([a, b]) as tfl.SymbolicTensor;

  const input = tfl.input({ shape: [size, size, 1] });
  const e1 = block(input, f);
  const e2 = block(pool(e1), 2 * f);
  const bottom = block(pool(e2), 4 * f);
  const d2 = block(concat(up(bottom, 2 * f), e2), 2 * f);
  const d1 = block(concat(up(d2, f), e1), f);
  const output = tfl.layers
    .conv2d({
      filters: classes,
      kernelSize: 1,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: layerSeed++ }),
    })
    .apply(d1) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}
