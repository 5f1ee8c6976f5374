/**
 * The content of `results.json` and of the terminal table: the settings, the data's class shares and
 * weights, and per run the curves and the per-class held-out scores.
 * @module
 */

/** The settings a demo ran with. */
export interface DemoSettings {
  epochs: number;
  seed: number;
  size: number;
  samples: number;
  backend: string;
  batchSize: number;
  learningRate: number;
  trainImages: number;
  heldOutImages: number;
}

/** One training run. */
export interface DemoRun {
  /** Short key: `cce`, `dice` or `dice_focal`. */
  key: string;
  /** Column title. */
  label: string;
  /** The loss's Keras-style name (`categorical_crossentropy`, …). */
  loss: string;
  /** The loss as segkit code. */
  code: string;
  history: { loss: number[]; valF1: number[] };
  /** Per-class Dice of the arg-max prediction on the held-out images. */
  dice: number[];
  /** Per-class IoU, same. */
  iou: number[];
  /** Mean over the classes of `dice`. */
  meanDice: number;
  /** Mean over the classes of `iou`. */
  meanIou: number;
  /** Wall-clock seconds of training and evaluation (the only field that varies between identical runs). */
  seconds: number;
}

/** `results.json`. */
export interface DemoResults {
  /** Format tag. */
  schema: 'segkit.demo/1';
  settings: DemoSettings;
  classes: string[];
  /** Pixel share of each class in the training images (from segkit's ClassCounter). */
  trainShare: number[];
  /** Pixel share of each class in the held-out images. */
  heldOutShare: number[];
  /** Inverse-frequency class weights (segkit classWeights, mean 1) used by the weighted Dice term. */
  classWeights: number[];
  runs: DemoRun[];
  /** Wall-clock seconds of the whole demo. */
  seconds: number;
}

/** Mean of an array (NaN for an empty one). */
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
