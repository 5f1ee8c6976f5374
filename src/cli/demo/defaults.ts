/**
 * The demo's flags and defaults, free of TensorFlow.js imports so that `segkit --help` and the other
 * commands load without TF.js installed.
 * @module
 */

/** The backends the demo and the tests can run on in Node. */
export const NODE_BACKENDS = ['wasm', 'cpu'] as const;

/** One of {@link NODE_BACKENDS}. */
export type NodeBackend = (typeof NODE_BACKENDS)[number];

/** The options of `segkit demo`, validated. */
export interface DemoOptions {
  epochs: number;
  seed: number;
  size: number;
  samples: number;
  out: string;
  backend: NodeBackend;
  /** `--quiet`: no progress and no output-path line on stderr. @default false */
  quiet?: boolean;
}

/** Defaults: finish within 3 minutes on 2 CPU cores with the wasm backend. */
export const DEMO_DEFAULTS: DemoOptions = {
  epochs: 8,
  seed: 1,
  size: 64,
  samples: 160,
  out: 'segkit-demo',
  backend: 'wasm',
};
