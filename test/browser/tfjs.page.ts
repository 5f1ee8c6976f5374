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
  // `globalThis.segkitShapeUniforms = false` turns the shape uniforms off (TF.js's default): with them on,
  // TF.js 4.22 computes 3 of 53 family vector cases wrong (the family vector test runs with them off).
  const uniforms = (globalThis as { segkitShapeUniforms?: boolean }).segkitShapeUniforms ?? true;
  tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', uniforms);
  await tf.setBackend('webgl');
  await tf.ready();
}

(globalThis as unknown as { segkitTf: unknown }).segkitTf = { tf, tfl, segkit, useWebgl };
