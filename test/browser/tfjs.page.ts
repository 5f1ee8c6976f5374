/**
 * The page bundle of tfjs.browser.test.ts: TF.js (core, layers, the WebGL backend) and segkit/tfjs, bundled
 * by esbuild and exposed as `globalThis.segkitTf` for the scenarios Playwright sends to the page.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-webgl';
import * as segkit from '../../src/tfjs/index.js';

/**
 * The `webgl` backend with every op on the GPU (`WEBGL_CPU_FORWARD` off: by default TF.js runs small ops on
 * the CPU, which would test the CPU) and shapes as uniforms (one shader per op, not one per op and shape:
 * software rendering compiles shaders slowly).
 */
async function useWebgl(): Promise<void> {
  tf.env().set('WEBGL_CPU_FORWARD', false);
  tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  await tf.setBackend('webgl');
  await tf.ready();
}

(globalThis as unknown as { segkitTf: unknown }).segkitTf = { tf, tfl, segkit, useWebgl };
