import { defineConfig } from 'vitest/config';

/**
 * The test files that run a second time with the relaxed-SIMD modules (project 'relaxed', Node started with
 * --experimental-wasm-relaxed-simd, which Node ≥ 22 no longer needs): WebAssembly = JS properties, the reference
 * vectors of the from-logits, elementwise and binary losses, the fused-vs-two-pass same-bits checks and the
 * exp/log error bounds. test/relaxed/setup.ts checks after each file that the modules ran relaxed.
 */
const RELAXED_FILES = [
  'test/relaxed/*.test.ts',
  'test/core/wasmMath.test.ts',
  'test/core/wasmSigmoid.test.ts',
  'test/core/elementwiseWasm.test.ts',
  'test/core/elementwiseVectors.test.ts',
  'test/core/binaryWasm.test.ts',
  'test/core/binaryVectors.test.ts',
  'test/family/softmaxKernels.test.ts',
  'test/family/softmaxFused.test.ts',
  'test/family/softmaxRecord.test.ts',
  'test/family/softmaxPlanar.test.ts',
  'test/family/ceWasm.test.ts',
  'test/family/vectors.test.ts',
];

/** Node 20 has relaxed SIMD behind this flag; Node ≥ 22 has it on by default and rejects the flag. */
const RELAXED_FLAG =
  Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The JSON report feeds scripts/test-summary.mjs (the closing 'N passed, N failed' line of npm test).
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/results.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'default',
          include: ['test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'test/relaxed/**'],
          setupFiles: ['test/helpers/simd128Setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'relaxed',
          include: RELAXED_FILES,
          execArgv: RELAXED_FLAG,
          env: { SEGKIT_RELAXED: '1' },
          setupFiles: ['test/relaxed/setup.ts'],
        },
      },
    ],
  },
});
